import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { groupIncidents, incidentsOf } from '../../src/analysis/incidents.ts';
import { judgeEndpoint } from '../../src/analysis/verdict.ts';
import { DowntimeDetector } from '../../src/analysis/windows.ts';

/** Feeds a probe pattern at `rate`/s: `x` fails (with `code`), `.` succeeds. */
function detect(pattern: string, rate = 100, code = '502'): DowntimeDetector {
  const d = new DowntimeDetector();
  [...pattern].forEach((c, i) => d.add({ scheduledMs: (i * 1000) / rate, ok: c === '.', code }));
  return d;
}

describe('incidents', () => {
  test('round robin to one bad instance: 50 one-probe windows are one partial incident', () => {
    // 100/s: 20 ok, then 2 s of alternating fail/ok (100 failures in 200 probes), then 50 ok.
    const pattern = '.'.repeat(20) + 'x.'.repeat(100) + '.'.repeat(50);
    const d = detect(pattern);
    const windows = d.numberedWindows();
    assert.equal(windows.length, 100);
    const incidents = groupIncidents(windows, 1000);
    assert.equal(incidents.length, 1);
    const [i] = incidents;
    assert.equal(i!.startMs, 200);
    assert.equal(i!.endMs, 2190); // the success after the last failure (at 2180 ms)
    assert.equal(i!.durationMs, 1990);
    assert.equal(i!.probes, 199); // 100 failures and the 99 successes between them
    assert.equal(i!.failures, 100);
    assert.equal(i!.failureRatio, 0.503);
    assert.equal(i!.kind, 'partial');
    assert.equal(i!.windows, 100);
    assert.deepEqual(i!.errorCodes, { '502': 100 });
    assert.equal(i!.open, false);
  });

  test('a gap of at least mergeGap of successes splits incidents; less merges', () => {
    // 10/s: fail 3, ok 10 (1 s gap: 1000 ms between the window end and the next start), fail 2.
    const d = detect('xxx' + '.'.repeat(10) + 'xx' + '.', 10);
    assert.equal(groupIncidents(d.numberedWindows(), 1000).length, 2);
    const merged = groupIncidents(d.numberedWindows(), 1001);
    assert.equal(merged.length, 1);
    assert.equal(merged[0]!.probes, 15);
    assert.equal(merged[0]!.failures, 5);
    assert.equal(merged[0]!.kind, 'partial');
  });

  test('an outage is 90 % failed or more; a single window is an outage of 100 %', () => {
    const one = groupIncidents(detect('..xxxx..').numberedWindows(), 1000);
    assert.deepEqual(
      one.map((i) => [i.kind, i.failureRatio, i.probes, i.windows]),
      [['outage', 1, 4, 1]],
    );
    // 19 failures, one success in the middle: 95 %.
    const flicker = groupIncidents(
      detect('.' + 'x'.repeat(10) + '.' + 'x'.repeat(9) + '.').numberedWindows(),
      1000,
    );
    assert.deepEqual(
      flicker.map((i) => [i.kind, i.failureRatio, i.probes]),
      [['outage', 0.95, 20]],
    );
  });

  test('an incident still failing at the end is open and counts through the last probe', () => {
    const [i] = groupIncidents(detect('..x.xxx').numberedWindows(), 1000);
    assert.equal(i!.open, true);
    assert.equal(i!.probes, 5);
    assert.equal(i!.failures, 4);
    assert.equal(i!.endMs, 60);
  });

  test('documents from before incidents: grouped from their windows and the rate, the same', () => {
    const d = detect('.'.repeat(20) + 'x.'.repeat(100) + '.'.repeat(50) + 'xxx', 100);
    const exact = groupIncidents(d.numberedWindows(), 1000);
    const fromWindows = incidentsOf({ rate: 100, downtime: { windows: d.windows() } });
    assert.deepEqual(fromWindows, exact);
  });

  test('budget.maxIncident fails an endpoint whose longest incident is longer', () => {
    const d = detect('.'.repeat(20) + 'x.'.repeat(100) + '.'.repeat(50));
    const windows = d.windows();
    const incidents = groupIncidents(d.numberedWindows(), 1000);
    const budget = { maxDowntimeMs: 5000 };
    assert.equal(judgeEndpoint(windows, incidents, d.totalMs(), budget).verdict, 'pass');
    const strict = judgeEndpoint(windows, incidents, d.totalMs(), {
      ...budget,
      maxIncidentMs: 1500,
    });
    assert.equal(strict.verdict, 'fail');
    assert.equal(
      strict.reason,
      '1 partial incident of 1.99 s (50 % failed), 100 windows, 1 s down (502 x100), within the budget of 5 s; an incident of 1.99 s is longer than the 1.5 s allowed',
    );
  });
});
