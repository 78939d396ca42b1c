/**
 * The engine's honesty about itself: late sends and skipped probes are recorded and marked, never
 * read as the target's downtime; the rate is never quietly lowered.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { EndpointStats } from '../../src/analysis/endpoint-stats.ts';
import { ProbeEngine } from '../../src/probe/engine.ts';
import { ProbeSession } from '../../src/session.ts';
import { WORKER_NICE } from '../../src/probe/threads.ts';
import { readdirSync, readFileSync } from 'node:fs';
import type { ZerodownConfig } from '../../src/config/resolve.ts';
import { busyLoop } from '../helpers/busy-loop.ts';
import { endpointConfig } from '../helpers/config.ts';
import { FaultServer, sleep } from '../helpers/fault-server.ts';

/** `config` with a second endpoint like its first, named `/b`, at `rate`. */
function withSecondEndpoint(config: ZerodownConfig, rate: number): ZerodownConfig {
  const first = config.endpoints[0]!;
  return { ...config, endpoints: [first, { ...first, name: '/b', rate }] };
}

function blockEventLoop(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

describe('engine', () => {
  let server: FaultServer;
  before(async () => (server = await FaultServer.start()));
  after(() => server.close());

  test('a stalled event loop is recorded as a stall and the missed probes still go out', async () => {
    const config = endpointConfig(server.url('/'), { rate: 100 });
    const session = new ProbeSession(config);
    await session.start();
    await sleep(500);
    blockEventLoop(300);
    await sleep(700);
    await session.stop();
    const doc = session.result();
    const e = doc.endpoints[0]!;
    assert.equal(doc.engine.stalls.length, 1, JSON.stringify(doc.engine.stalls));
    const stall = doc.engine.stalls[0]!;
    assert.ok(stall.maxLateMs >= 250 && stall.maxLateMs < 400, `max late ${stall.maxLateMs}`);
    assert.ok(doc.engine.latenessMs.max >= 250);
    // Caught up at 1.2× the rate, not in a burst: a bucket of at most 1.8 probes at 100/s (1.5
    // gaps of ~10 ms between sends) plus 1.2 per 10 ms.
    assert.ok(doc.engine.densest10ms! <= 3, `${doc.engine.densest10ms} sent in 10 ms`);
    // Open model: the probes due during the stall are sent late, not dropped.
    assert.ok(Math.abs(e.totalRequests - 150) <= 2, `${e.totalRequests} probes`);
    assert.equal(e.downtime.windows.length, 0);
    assert.ok(
      doc.engine.eventLoopDelayMs.max >= 250,
      `loop delay ${doc.engine.eventLoopDelayMs.max}`,
    );
  });

  test('after a stall of its own, the engine catches up at 1.2× the rate, not in a burst', async () => {
    const config = endpointConfig(server.url('/catch-up'), { rate: 100 });
    const session = new ProbeSession(config);
    await session.start();
    await sleep(300);
    server.arrivals = [];
    const stalledAt = performance.now();
    blockEventLoop(300); // 30 probes fall due meanwhile
    await sleep(2500);
    const stopAt = performance.now();
    await session.stop();
    const arrivals = server.arrivals;
    server.arrivals = undefined;
    const doc = session.result();
    // Every probe due is sent and recorded: none dropped, none skipped.
    assert.equal(doc.engine.skipped, 0);
    assert.equal(doc.engine.sent, doc.endpoints[0]!.totalRequests);
    // The backlog of 30 drains at 0.2 × 100/s extra: about 1.5 s, never all at once.
    const after = arrivals.filter((t) => t >= stalledAt + 300);
    let most = 0;
    for (let i = 0, j = 0; i < after.length; i++) {
      while (j < after.length && after[j]! < after[i]! + 100) j++;
      most = Math.max(most, j - i);
    }
    // 10 due per 100 ms, 12 at the catch-up pace; a burst would put 30 or more in one window.
    assert.ok(most <= 15, `${most} arrivals in the busiest 100 ms after the stall`);
    // The backlog is marked as a stall for as long as sends were > 25 ms late (about 1.6 s).
    const last = doc.engine.stalls.at(-1)!;
    assert.ok(last.endMs - last.startMs > 300, `stall marked ${last.startMs}–${last.endMs} ms`);
    // Caught up within the run: the last 400 ms before the stop are back on the 10 ms cadence
    // (still catching up would put 48 there).
    const tail = arrivals.filter((t) => t >= stopAt - 400 && t < stopAt).length;
    assert.ok(Math.abs(tail - 40) <= 3, `${tail} arrivals in the last 400 ms before the stop`);
    assert.ok(
      Math.abs(doc.endpoints[0]!.totalRequests - 310) <= 3,
      `${doc.endpoints[0]!.totalRequests} probes`,
    );
  });

  test('a window during a client stall is marked', async () => {
    const config = endpointConfig(server.url('/'), { rate: 100 });
    const session = new ProbeSession(config);
    await session.start();
    await sleep(300);
    server.mode = { kind: 'status', status: 503 };
    await sleep(200);
    blockEventLoop(200);
    await sleep(200);
    server.mode = { kind: 'ok' };
    await sleep(300);
    await session.stop();
    const w = session.result().endpoints[0]!.downtime.windows;
    assert.equal(w.length, 1);
    assert.equal(w[0]!.clientStall, true);
  });

  test('at the in-flight cap probes are skipped and counted, not failed', async () => {
    server.mode = { kind: 'hang' };
    try {
      const config = endpointConfig(server.url('/'), { rate: 100, timeout: '500ms' });
      const stats = new EndpointStats(config.endpoints[0]!);
      const engine = new ProbeEngine(config.endpoints, {
        onOutcome: (o) => stats.add(o),
        maxInflight: 5,
      });
      engine.start();
      await sleep(1000);
      await engine.stop();
      const report = engine.report();
      const r = stats.toResult({
        budget: { maxDowntimeMs: undefined, mergeGapMs: 1000 },
        phases: [],
        stalls: report.stalls,
      });
      assert.ok(report.skipped > 50, `${report.skipped} skipped`);
      assert.equal(r.skipped, report.skipped);
      assert.equal(r.totalRequests + r.skipped, report.sent + report.skipped);
      assert.deepEqual(Object.keys(r.errorCodes), ['timeout']);
      assert.ok(r.totalErrors <= 15, `${r.totalErrors} sent probes timed out`);
      assert.ok(report.stalls.length >= 1 && report.stalls[0]!.skipped === report.skipped);
    } finally {
      server.mode = { kind: 'ok' };
    }
  });

  test('two endpoints keep their own rates', async () => {
    const both = withSecondEndpoint(endpointConfig(server.url('/a'), { rate: 50 }), 20);
    const session = new ProbeSession(both);
    await session.start();
    await sleep(2000);
    await session.stop();
    const [a, b] = session.result().endpoints;
    assert.ok(Math.abs(a!.totalRequests - 100) <= 1, `a: ${a!.totalRequests}`);
    assert.ok(Math.abs(b!.totalRequests - 40) <= 1, `b: ${b!.totalRequests}`);
  });

  test('priming: the target sees the run cadence from 250 ms before time zero, unrecorded', async () => {
    const config = endpointConfig(server.url('/primed'), { rate: 100 });
    const session = new ProbeSession(config);
    server.arrivals = [];
    const t0 = performance.now();
    await session.start();
    const zero = performance.now();
    const primers = server.arrivals.length;
    await sleep(1000);
    await session.stop();
    const arrivals = server.arrivals;
    server.arrivals = undefined;
    const ep = session.result().endpoints[0]!;
    // start() resolves at time zero: after the warm-up, the first request, and PRIME_MS.
    assert.ok(zero - t0 >= 245 && zero - t0 < 1500, `start took ${(zero - t0).toFixed(0)} ms`);
    // One request to open the connection, then the 25 primers due in the 250 ms (the last may
    // still be on its way at time zero); the warm-up requests went to loopback, not here.
    assert.ok(primers >= 23 && primers <= 26, `${primers} requests before time zero`);
    assert.ok(Math.abs(ep.totalRequests - 100) <= 1, `recorded ${ep.totalRequests}`);
    assert.equal(session.result().engine.sent, ep.totalRequests);
    // Sends 10 ms apart: one or two in any 10 ms, three after a stall of the machine (the bucket,
    // at most 1.8 at 100/s, plus 1.2 per 10 ms), never a burst of primers.
    const densest = session.result().engine.densest10ms!;
    assert.ok(densest >= 1 && densest <= 3, `${densest} sent in 10 ms`);
    // One steady stream: no gap at time zero, and no two requests closer than a third of the
    // interval (a burst of overdue primers would arrive together).
    const gaps = arrivals.slice(1).map((t, i) => t - arrivals[i]!);
    assert.ok(Math.max(...gaps) < 30, `largest gap ${Math.max(...gaps).toFixed(1)} ms`);
    const close = gaps.filter((g) => g < 10 / 3).length;
    assert.ok(close <= 3, `${close} arrivals closer than 3.3 ms to the previous one`);
  });

  test('probes that wait for a connection while zerodown itself is busy are marked as its stall', async () => {
    // The target slows from ~1 ms to 300 ms (200/s then needs ~60 connections) while this
    // process's loop turns take 10 ms: the pool opens connections at 100/s and probes wait for
    // them. The sends themselves are at most a turn late, far from a stall; the waits are.
    const config = endpointConfig(server.url('/held'), { rate: 200, timeout: '3s' });
    const session = new ProbeSession(config);
    await session.start();
    await sleep(300);
    server.mode = { kind: 'slow', delayMs: 300 };
    const stopSpinning = busyLoop(10);
    try {
      await sleep(1000);
    } finally {
      stopSpinning();
      server.mode = { kind: 'ok' };
    }
    await sleep(300);
    await session.stop();
    const doc = session.result();
    assert.ok(doc.engine.stalls.length >= 1, 'the waits are a stall');
    const held = doc.engine.stalls.find((st) => st.maxLateMs > 100);
    assert.ok(held, `a wait over 100 ms: ${JSON.stringify(doc.engine.stalls)}`);
    assert.equal(doc.endpoints[0]!.totalErrors, 0, 'slow, not failed');
  });

  test('at rates slower than priming, the first probe still goes on time', async () => {
    // One primer each, 250 ms before time zero; the first probes are due at 0 and 500 ms.
    const both = withSecondEndpoint(endpointConfig(server.url('/slow-rate'), { rate: 1 }), 0.1);
    const session = new ProbeSession(both);
    await session.start();
    await sleep(700);
    await session.stop();
    const doc = session.result();
    assert.deepEqual(
      doc.endpoints.map((e) => e.totalRequests),
      [1, 1],
    );
    assert.ok(doc.engine.latenessMs.max < 25, `lateness max ${doc.engine.latenessMs.max} ms`);
    assert.deepEqual(doc.engine.stalls, []);
  });

  test(
    "after priming, V8's worker threads run at a lower priority than the main thread",
    { skip: process.platform !== 'linux' && 'per-thread nice is Linux only' },
    async (t) => {
      // Field 19 of /proc/<pid>/task/<tid>/stat is the thread's nice value.
      const nice = (tid: string) =>
        Number(readFileSync(`/proc/self/task/${tid}/stat`, 'utf8').split(') ')[1]!.split(' ')[16]);
      const main = nice(String(process.pid));
      const session = new ProbeSession(endpointConfig(server.url('/'), { rate: 50 }));
      await session.start();
      await session.stop();
      const threads = readdirSync('/proc/self/task').map((tid) => ({
        tid,
        comm: readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim(),
      }));
      const workers = threads.filter((w) => w.comm === 'V8Worker');
      if (workers.length === 0 && Number(process.versions.node.split('.')[0]) < 24) {
        t.skip('this libuv does not name its threads');
        return;
      }
      assert.ok(workers.length > 0, `threads: ${threads.map((w) => w.comm).join(', ')}`);
      const want = Math.min(19, main + WORKER_NICE);
      for (const w of workers) assert.ok(nice(w.tid) >= want, `V8Worker ${w.tid}: ${nice(w.tid)}`);
      assert.equal(nice(String(process.pid)), main, 'the main thread keeps its priority');
    },
  );
});
