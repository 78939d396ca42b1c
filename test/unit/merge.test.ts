import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LatencyHistogram } from '../../src/analysis/histogram.ts';
import { mergeResults } from '../../src/analysis/merge.ts';
import { isZerodownError } from '../../src/errors.ts';
import { decideOutcome } from '../../src/outcome.ts';
import { agentDoc } from '../helpers/agent-doc.ts';
import { mulberry32 } from '../helpers/random.ts';

const ok = (n: number): string => '.'.repeat(n);

describe('mergeResults', () => {
  test('one failing vantage: the union window names it, totals are sums, the run fails', () => {
    const eu = agentDoc({ agent: 'eu', patterns: { a: ok(20) + 'x'.repeat(10) + ok(20) } });
    const us = agentDoc({ agent: 'us', patterns: { a: ok(50) } });
    const ap = agentDoc({ agent: 'ap', patterns: { a: ok(50) } });
    const merged = mergeResults([eu, us, ap]);
    const a = merged.endpoints[0]!;
    assert.equal(a.totalRequests, 150);
    assert.equal(a.totalErrors, 10);
    assert.deepEqual(a.errorCodes, { '503': 10 });
    assert.deepEqual(a.statusCodes, { '200': 140 });
    assert.equal(a.downtime.windows.length, 1);
    assert.deepEqual(a.downtime.windows[0]!.agents, ['eu']);
    assert.equal(a.downtime.windows[0]!.startMs, 2000);
    assert.equal(a.downtime.windows[0]!.endMs, 3000);
    assert.equal(a.downtime.totalMs, 1000);
    // 10 failures among the 30 probes of all three vantages in that second: partial.
    assert.equal(a.downtime.incidents![0]!.probes, 30);
    assert.equal(a.downtime.incidents![0]!.kind, 'partial');
    assert.deepEqual(a.downtime.incidents![0]!.agents, ['eu']);
    assert.deepEqual(Object.keys(a.byAgent!), ['eu', 'us', 'ap']);
    assert.equal(a.byAgent!.us!.downtime.windows.length, 0);
    assert.equal(a.verdict, 'fail');
    assert.match(a.reason, /seen by eu/);
    assert.equal(merged.verdict, 'fail');
    assert.equal(decideOutcome(merged).exitCode, 1);
    assert.deepEqual(
      merged.agents!.map((x) => [x.name, x.verdict, x.complete]),
      [
        ['eu', 'fail', true],
        ['us', 'pass', true],
        ['ap', 'pass', true],
      ],
    );
  });

  test('windows of two vantages overlapping on the wall clock are one union window naming both', () => {
    // eu fails 2.0–3.0 s of its clock; us started 500 ms later and fails 2.0–3.0 s of its own:
    // on the merged clock 2.0–3.5 s, one window.
    const eu = agentDoc({ agent: 'eu', patterns: { a: ok(20) + 'x'.repeat(10) + ok(20) } });
    const us = agentDoc({
      agent: 'us',
      startMs: 500,
      patterns: { a: ok(20) + 'x'.repeat(10) + ok(20) },
    });
    const merged = mergeResults([eu, us]);
    const w = merged.endpoints[0]!.downtime.windows;
    assert.equal(w.length, 1);
    assert.deepEqual(w[0]!.agents, ['eu', 'us']);
    assert.equal(w[0]!.startMs, 2000);
    assert.equal(w[0]!.endMs, 3500);
    assert.equal(w[0]!.failures, 20);
    assert.equal(merged.agents![1]!.offsetMs, 500);
    assert.equal(merged.endpoints[0]!.byAgent!.us!.downtime.windows[0]!.startMs, 2500);
    assert.equal(
      merged.agents!.every((x) => x.complete),
      true,
    );
  });

  test('merged percentiles equal those of one histogram fed every latency (random, 20 rounds)', () => {
    const random = mulberry32(16);
    for (let round = 0; round < 20; round++) {
      const agents = ['eu', 'us', 'ap'].slice(0, 1 + Math.floor(random() * 3));
      const all = new LatencyHistogram();
      const docs = agents.map((agent) => {
        const n = 1 + Math.floor(random() * 300);
        const latencies = Array.from({ length: n }, () => random() ** 3 * 2000);
        for (const l of latencies) all.recordMs(l);
        return agentDoc({ agent, patterns: { a: ok(n) }, latency: (i) => latencies[i]! });
      });
      const merged = mergeResults(docs).endpoints[0]!;
      for (const p of [50, 90, 95, 99] as const) {
        assert.equal(merged.percentiles[p], all.percentileMs(p), `round ${round} p${p}`);
      }
      // Each agent's mean is rounded to 1 µs before weighting.
      assert.ok(Math.abs(merged.meanLatencyMs! - all.meanMs!) <= 0.002, `round ${round} mean`);
      assert.equal(merged.maxLatencyMs, all.maxMs);
      assert.equal(merged.minLatencyMs, all.minMs);
      assert.equal(new LatencyHistogram(merged.histogram).count, all.count);
    }
  });

  test('an expected agent without a document: inconclusive, exit 6, naming it', () => {
    const eu = agentDoc({ agent: 'eu', patterns: { a: ok(50) } });
    const merged = mergeResults([eu], { expectAgents: ['eu', 'us'] });
    const us = merged.agents!.find((x) => x.name === 'us')!;
    assert.equal(us.verdict, 'missing');
    assert.equal(us.complete, false);
    const outcome = decideOutcome(merged);
    assert.equal(merged.verdict, 'inconclusive');
    assert.equal(outcome.exitCode, 6);
    assert.match(outcome.sentence, /agent us missing/);
  });

  test('an interrupted agent: inconclusive from when it stopped; downtime elsewhere still fails', () => {
    const eu = agentDoc({ agent: 'eu', patterns: { a: ok(50) } });
    const us = agentDoc({ agent: 'us', patterns: { a: ok(23) }, interrupted: true });
    const merged = mergeResults([eu, us]);
    const gap = merged.agents![1]!;
    assert.equal(gap.gap, 'interrupted');
    assert.equal(gap.missingFromMs, 2300);
    const outcome = decideOutcome(merged);
    assert.equal(outcome.exitCode, 6);
    assert.match(
      outcome.sentence,
      /agent us interrupted at 2026-11-21T10:00:02\.300Z \(\+2\.3 s\)/,
    );
    const failing = agentDoc({ agent: 'eu', patterns: { a: ok(10) + 'xx' + ok(38) } });
    const both = decideOutcome(mergeResults([failing, us]));
    assert.equal(both.exitCode, 1);
    assert.match(both.sentence, /agent us interrupted/);
  });

  test('coverage: ending early or starting late beyond the tolerance is a gap; within it is not', () => {
    const full = agentDoc({ agent: 'eu', patterns: { a: ok(100) } });
    const short = agentDoc({ agent: 'us', patterns: { a: ok(70) } });
    assert.equal(mergeResults([full, short]).agents![1]!.gap, 'ended-early');
    assert.match(mergeResults([full, short]).agents![1]!.reason!, /3 s before the others/);
    assert.equal(mergeResults([full, short], { coverageToleranceMs: 3000 }).verdict, 'pass');
    const late = agentDoc({ agent: 'us', startMs: 2500, patterns: { a: ok(75) } });
    assert.equal(mergeResults([full, late]).agents![1]!.gap, 'started-late');
    const noProbes = agentDoc({ agent: 'us', patterns: { a: '' } });
    assert.equal(mergeResults([full, noProbes]).agents![1]!.gap, 'no-probes');
  });

  test('live (running) merge: running agents are no gap', () => {
    const eu = { ...agentDoc({ agent: 'eu', patterns: { a: ok(30) } }), running: true };
    const us = { ...agentDoc({ agent: 'us', patterns: { a: ok(20) } }), running: true };
    const merged = mergeResults([eu, us], { running: true });
    assert.equal(merged.running, true);
    assert.equal(merged.endedAt, null);
    assert.equal(merged.verdict, 'pass');
    assert.equal(mergeResults([eu, us]).verdict, 'inconclusive');
  });

  test('the strictest budget judges the union', () => {
    const eu = agentDoc({
      agent: 'eu',
      maxDowntime: '2s',
      patterns: { a: ok(10) + 'x'.repeat(15) + ok(25) },
    });
    const us = agentDoc({ agent: 'us', maxDowntime: '1s', patterns: { a: ok(50) } });
    const merged = mergeResults([eu, us]);
    assert.equal(eu.verdict, 'pass');
    assert.equal(merged.budget.maxDowntimeMs, 1000);
    assert.equal(merged.verdict, 'fail');
  });

  test('duplicate agents and different endpoint sets are errors that say which', () => {
    const eu = agentDoc({ agent: 'eu', patterns: { a: ok(5), b: ok(5) } });
    const eu2 = agentDoc({ agent: 'eu', patterns: { a: ok(5), b: ok(5) } });
    const us = agentDoc({ agent: 'us', patterns: { a: ok(5), c: ok(5) } });
    assert.throws(
      () => mergeResults([eu, eu2], { sources: ['eu.json', 'eu2.json'] }),
      (e) =>
        isZerodownError(e, 'ZD_MERGE_INVALID') &&
        /eu\.json and eu2\.json are both agent "eu"/.test(e.message),
    );
    assert.throws(
      () => mergeResults([eu, us], { sources: ['eu.json', 'us.json'] }),
      (e) =>
        isZerodownError(e, 'ZD_MERGE_INVALID') &&
        /agent us \(us\.json\) has no b and has c that agent eu \(eu\.json\) has not/.test(
          e.message,
        ),
    );
    assert.throws(
      () => mergeResults([]),
      (e) => isZerodownError(e, 'ZD_MERGE_INVALID'),
    );
  });
});
