import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LatencyHistogram } from '../../src/analysis/histogram.ts';
import { SequenceReorderer } from '../../src/analysis/reorder.ts';
import { TimelineAccumulator } from '../../src/analysis/timeline.ts';
import { judgeEndpoint } from '../../src/analysis/verdict.ts';
import { VersionTracker } from '../../src/analysis/versions.ts';
import { DowntimeDetector } from '../../src/analysis/windows.ts';
import { CatchUp, Pacer, staggerOffsets } from '../../src/probe/pacer.ts';
import { DensestWindow } from '../../src/probe/stalls.ts';

/** Feeds a pattern like "..xx.x" (x = failure) at 10 ms intervals. */
function detect(pattern: string, code = '503'): DowntimeDetector {
  const d = new DowntimeDetector();
  [...pattern].forEach((c, i) =>
    d.add({ scheduledMs: i * 10, ok: c === '.', code: c === '.' ? '200' : code }),
  );
  return d;
}

describe('downtime windows', () => {
  test('no failure, no window', () => {
    assert.deepEqual(detect('.....').windows(), []);
  });
  test('one burst: start at the first failure, end at the next success', () => {
    const [w, ...rest] = detect('..xxx..').windows();
    assert.equal(rest.length, 0);
    assert.deepEqual(w, {
      startMs: 20,
      endMs: 50,
      durationMs: 30,
      open: false,
      failures: 3,
      errorCodes: { '503': 3 },
    });
  });
  test('two bursts separated by a success are two windows', () => {
    const ws = detect('.xx.xx.').windows();
    assert.deepEqual(
      ws.map((w) => [w.startMs, w.endMs, w.failures]),
      [
        [10, 30, 2],
        [40, 60, 2],
      ],
    );
  });
  test('a failure still going at the end is open and ends at the last probe', () => {
    const d = detect('..xxx');
    const [w] = d.windows();
    assert.equal(w!.open, true);
    assert.equal(w!.startMs, 20);
    assert.equal(w!.endMs, 40);
    assert.equal(w!.durationMs, 20);
    assert.equal(d.isDown, true);
    assert.equal(d.totalMs(), 20);
  });
  test('a single failed probe is a window one interval long', () => {
    const [w] = detect('..x..').windows();
    assert.equal(w!.durationMs, 10);
  });
  test('error codes and failed checks are counted per window', () => {
    const d = new DowntimeDetector();
    d.add({ scheduledMs: 0, ok: false, code: 'assertion', check: 'bodyContains' });
    d.add({ scheduledMs: 10, ok: false, code: '503' });
    d.add({ scheduledMs: 20, ok: true, code: '200' });
    const [w] = d.windows();
    assert.deepEqual(w!.errorCodes, { assertion: 1, '503': 1 });
    assert.deepEqual(w!.checks, { bodyContains: 1 });
  });
  test('total is the sum of window durations', () => {
    assert.equal(detect('.xx.xxx.').totalMs(), 50);
  });
});

describe('sequence reordering', () => {
  test('emits in sequence order whatever the completion order', () => {
    const out: number[] = [];
    const r = new SequenceReorderer<number>((n) => out.push(n));
    for (const seq of [1, 2, 0, 5, 3, 4, 6]) r.push(seq, seq);
    assert.deepEqual(out, [0, 1, 2, 3, 4, 5, 6]);
    assert.equal(r.cursor, 7);
    assert.equal(r.waiting, 0);
  });
  test('holds back everything after a gap', () => {
    const out: number[] = [];
    const r = new SequenceReorderer<number>((n) => out.push(n));
    r.push(0, 0);
    r.push(2, 2);
    r.push(3, 3);
    assert.deepEqual(out, [0]);
    assert.equal(r.waiting, 2);
  });
});

describe('histogram', () => {
  test('percentiles in ms with microsecond resolution', () => {
    const h = new LatencyHistogram();
    for (let i = 1; i <= 1000; i++) h.recordMs(i / 10);
    assert.equal(h.count, 1000);
    assert.ok(Math.abs(h.percentileMs(50)! - 50) < 0.1);
    assert.ok(Math.abs(h.percentileMs(99)! - 99) < 0.1);
    assert.ok(Math.abs(h.maxMs! - 100) < 0.1);
    assert.ok(Math.abs(h.minMs! - 0.1) < 0.001);
  });
  test('an empty histogram reads null', () => {
    const h = new LatencyHistogram();
    assert.equal(h.percentileMs(50), null);
    assert.equal(h.meanMs, null);
  });
  test('encodes, decodes and merges', () => {
    const a = new LatencyHistogram();
    const b = new LatencyHistogram();
    for (let i = 0; i < 100; i++) a.recordMs(1);
    for (let i = 0; i < 100; i++) b.recordMs(3);
    const merged = new LatencyHistogram(a.encode());
    merged.merge(new LatencyHistogram(b.encode()));
    assert.equal(merged.count, 200);
    assert.ok(Math.abs(merged.percentileMs(25)! - 1) < 0.01);
    assert.ok(Math.abs(merged.percentileMs(75)! - 3) < 0.01);
  });
});

describe('timeline', () => {
  test('buckets by scheduled second with counts and latency', () => {
    const t = new TimelineAccumulator(1000);
    t.add(0, true, 1);
    t.add(500, false, 5);
    t.add(1200, true, 2);
    const points = t.snapshot();
    assert.equal(points.length, 2);
    assert.deepEqual([points[0]!.startMs, points[0]!.ok, points[0]!.failed], [0, 1, 1]);
    assert.ok(Math.abs(points[0]!.maxMs! - 5) < 0.01);
    assert.deepEqual([points[1]!.startMs, points[1]!.ok, points[1]!.failed], [1000, 1, 0]);
  });
});

describe('versions', () => {
  test('first/last seen, counts, and the mixed period', () => {
    const v = new VersionTracker();
    for (let t = 0; t <= 1000; t += 100) v.add('v1', t);
    for (let t = 700; t <= 2000; t += 100) v.add('v2', t);
    assert.deepEqual(v.versions(), [
      { version: 'v1', firstMs: 0, lastMs: 1000, probes: 11 },
      { version: 'v2', firstMs: 700, lastMs: 2000, probes: 14 },
    ]);
    assert.equal(v.mixedMs(), 300);
  });
  test('a clean cutover has no mixed period', () => {
    const v = new VersionTracker();
    v.add('v1', 0);
    v.add('v1', 100);
    v.add('v2', 200);
    assert.equal(v.mixedMs(), 0);
  });
});

describe('verdict', () => {
  const w = {
    startMs: 0,
    endMs: 1010,
    durationMs: 1010,
    open: false,
    failures: 101,
    errorCodes: { '503': 101 },
  };
  const none = { maxDowntimeMs: undefined };
  test('no windows passes', () => {
    assert.deepEqual(judgeEndpoint([], [], 0, none), { verdict: 'pass', reason: 'no downtime' });
  });
  test('any window fails without a budget', () => {
    const v = judgeEndpoint([w], [], 1010, none);
    assert.equal(v.verdict, 'fail');
    assert.equal(v.reason, '1 window, 1.01 s down (503 x101)');
  });
  test('a zero budget fails even a zero-length open window', () => {
    const open = {
      ...w,
      durationMs: 0,
      endMs: 0,
      open: true,
      failures: 1,
      errorCodes: { timeout: 1 },
    };
    assert.equal(judgeEndpoint([open], [], 0, { maxDowntimeMs: 0 }).verdict, 'pass');
    assert.equal(judgeEndpoint([open], [], 0, none).verdict, 'fail');
  });
  test('within budget passes, over budget fails', () => {
    assert.equal(judgeEndpoint([w], [], 1010, { maxDowntimeMs: 2000 }).verdict, 'pass');
    assert.match(
      judgeEndpoint([w], [], 1010, { maxDowntimeMs: 500 }).reason,
      /over the budget of 500 ms/,
    );
  });
});

describe('pacer', () => {
  test('fixed schedule from the offset', () => {
    const p = new Pacer(100, 3);
    assert.equal(p.scheduledMs(0), 3);
    assert.equal(p.scheduledMs(100), 1003);
    p.next = 5;
    assert.equal(p.nextMs, 53);
  });
  test('endpoints are spread over an interval', () => {
    assert.deepEqual(staggerOffsets([10, 10]), [0, 50]);
    assert.deepEqual(staggerOffsets([0.5]), [0]);
    // Whole milliseconds: the same phase against the engine's 1 ms timers.
    assert.deepEqual(staggerOffsets([200, 200]), [0, 2]);
    assert.deepEqual(staggerOffsets([5000, 5000]), [0, 0]);
  });
});

describe('catch-up pacing', () => {
  test('on schedule with timer jitter, no probe waits', () => {
    // 1000/s; the loop wakes 1 ms after each wake, sometimes 2 ms (every 5th): up to 2 due at once.
    const c = new CatchUp(1000, 1.2, 2, 0);
    let next = 0;
    let t = 0;
    for (let i = 0; i < 1000; i++) {
      t += i % 5 === 4 ? 2 : 1;
      for (; next <= t; next++) assert.ok(c.take(t), `probe ${next} waited at ${t} ms`);
    }
  });

  test('a backlog goes out at 1.25× the rate, and the next token time is exact', () => {
    // 2 ms' worth: 2.5 tokens, so 2 at once and half a token left.
    const c = new CatchUp(1000, 1.25, 2, 0);
    let sent = 0;
    while (c.take(100)) sent++;
    assert.equal(sent, 2, 'the bucket, then nothing more at the same instant');
    assert.ok(Math.abs(c.nextAtMs() - (100 + 0.5 / 1.25)) < 1e-9);
    for (let t = 101; t <= 200; t++) while (c.take(t)) sent++;
    assert.equal(sent, 2 + 125);
  });

  test('any 10 ms holds at most the bucket plus 1.2× the rate, late and on-time probes alike', () => {
    // 1000/s, on schedule, then 30 ms without a tick, then ticks every 1 ms: sends per 10 ms.
    const c = new CatchUp(1000, 1.2, 2, 0);
    const sends = new DensestWindow();
    let next = 0;
    const tick = (t: number) => {
      while (next <= t && c.take(t)) {
        sends.add(t);
        next++;
      }
    };
    for (let t = 1; t <= 100; t++) tick(t);
    for (let t = 130; t <= 400; t++) tick(t);
    // Ticks at whole ms: 10 of them in any 10 ms, so 2.4 + 1.2 × 9 = 13.2 (14 with free timing).
    assert.equal(sends.max, 13);
    assert.equal(next, 401, 'caught up by 400 ms');
  });

  test('a backlog still drains when the loop ticks only every 3 ms', () => {
    // 1000/s, 20 probes owed at t = 0; a 2 ms bucket alone refills 2.4 per tick, short of the 3
    // due per tick, and would never catch up.
    const c = new CatchUp(1000, 1.2, 2, 0);
    let next = -20;
    let t = 0;
    for (; t <= 600; t += 3) while (next <= t && c.take(t)) next++;
    t -= 3;
    assert.ok(t - next <= 3, `still ${t - next} ms behind after 600 ms`);
  });

  test('one long stall does not widen the bucket into a burst', () => {
    const c = new CatchUp(1000, 1.2, 2, 0);
    let next = 1;
    for (let t = 1; t <= 100; t++) for (; next <= t; next++) c.take(t); // on schedule
    let sent = 0;
    while (c.take(130)) sent++; // a 30 ms stall
    assert.equal(sent, 2);
  });

  test('slow rates hold one token and a millisecond of refill', () => {
    const c = new CatchUp(1, 1.25, 2, 0);
    assert.equal(c.take(0), true);
    assert.equal(c.take(1), false);
    // The next token 1 / (1.25 × rate) after the first, less the millisecond of refill it had.
    assert.ok(Math.abs(c.nextAtMs() - (1000 / 1.25 - 1)) < 1e-9);
    assert.ok(c.take(1000 / 1.25 + 1));
  });
});

describe('densest 10 ms of sends', () => {
  test('counts the sends in any 10 ms (a send exactly 10 ms earlier is outside)', () => {
    const d = new DensestWindow();
    for (const t of [0, 1, 2, 10, 11, 30, 30, 30, 39.9]) d.add(t);
    assert.equal(d.max, 4, '30, 30, 30, 39.9');
    d.add(40);
    assert.equal(d.max, 4, '40 leaves 30 × 3 out, 39.9 and 40 in');
  });

  test('grows beyond its first ring', () => {
    const d = new DensestWindow();
    for (let i = 0; i < 100; i++) d.add(5 + i * 0.01); // 100 sends within 1 ms
    for (let i = 0; i < 50; i++) d.add(20 + i * 0.1);
    assert.equal(d.max, 100);
    const e = new DensestWindow();
    for (let i = 0; i < 1000; i++) e.add(i); // 1 per ms: 10 in any 10 ms, however long
    assert.equal(e.max, 10);
  });
});
