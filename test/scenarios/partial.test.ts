/**
 * The most common real deploy failure, behind a real nginx: round robin over two instances, one
 * of which answers 500 for 2 s while still in rotation, with no retry on the other upstream. Every
 * other probe fails: dozens of one-probe windows, which zerodown reports as one partial incident,
 * one line in the text report.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { endpoint, event, scenarioConfig, summary } from './harness/expect.ts';
import { Scenario } from './harness/scenario.ts';

const FAULT_MS = 2000;

describe('nginx: one bad instance of two, in rotation', () => {
  const sc = Scenario.create('nginx-partial');
  after(() => sc.end());

  test('one partial incident of ~2 s at ~50 %, one line in the text report', async (t) => {
    const good = await sc.backend({ name: 'good', version: 'v1' });
    const bad = await sc.backend({ name: 'bad', version: 'v1' });
    const nginx = await sc.nginx({ upstream: [good.port, bad.port], nextUpstream: 'off' });
    const run = await sc.run({
      config: scenarioConfig([{ name: 'api', url: nginx.url('/api') }], { rate: 50 }),
      deploy: 'partial-outage.sh',
      env: { BAD_URL: bad.url(''), FAULT_MS },
    });
    t.diagnostic(summary(run));
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.equal(run.doc.verdict, 'fail');
    const e = endpoint(run.doc, 'api');
    assert.deepEqual(Object.keys(e.errorCodes), ['500']);
    // Every 500 the bad instance served is one failed probe: nothing lost, nothing retried.
    const served = event(run, 'fault-end', { name: 'bad' }).answered as number;
    const failed = e.downtime.windows.reduce((n, w) => n + w.failures, 0);
    assert.equal(failed, served, 'failed probes vs 500s the bad instance served');
    assert.ok(e.downtime.windows.length >= 30, `${e.downtime.windows.length} windows`);

    const incidents = e.downtime.incidents!;
    assert.equal(incidents.length, 1, JSON.stringify(incidents));
    const i = incidents[0]!;
    // 2 s of fault; each edge lands on the first probe that reaches the bad instance after it,
    // up to two probe intervals (40 ms at 50/s with round robin) plus send lateness: the issue's
    // 1.8-2.4 s is generous on purpose (a busy 2-core machine).
    assert.ok(i.durationMs >= 1800 && i.durationMs <= 2400, `incident ${i.durationMs} ms`);
    assert.equal(i.kind, 'partial');
    assert.ok(i.failureRatio >= 0.4 && i.failureRatio <= 0.6, `failure ratio ${i.failureRatio}`);
    assert.equal(i.failures, failed);
    assert.equal(i.phase, 'deploy');

    const lines = run.stdout.split('\n').filter((l) => /^\s+incident \d+:/.test(l));
    assert.equal(lines.length, 1, run.stdout);
    assert.match(
      lines[0]!,
      /incident 1: \+[\d.]+ s → \+[\d.]+ s, [\d.]+ s partial outage during deploy: \d+ % of \d+ probes failed \(500 x\d+\) in \d+ windows$/,
    );
    assert.doesNotMatch(run.stdout, /window \d+:/);
  });
});
