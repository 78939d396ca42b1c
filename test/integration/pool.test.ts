/**
 * The probe connection pool against a real server on loopback (FaultServer, which counts its
 * connections):
 * bursts queue on open connections instead of opening one each, a hung target still gets its
 * connections at the refill rate, but not while the pool's own event loop is busy, abandoned
 * waiters are never sent, and idle connections close gradually.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Dispatcher } from 'undici';
import {
  MIN_NEW_PER_SECOND,
  NEW_CONNECTION_BURST,
  ProbePool,
  REAP_INTERVAL_MS,
  REAP_MAX,
  SPARE_IDLE,
  type PoolHandler,
} from '../../src/probe/pool.ts';
import { busyLoop } from '../helpers/busy-loop.ts';
import { FaultServer, type FaultMode } from '../helpers/fault-server.ts';

/** Collects one request's outcome. */
class TestHandler implements PoolHandler {
  abandoned = false;
  /** The wait the pool reported (it waited while the loop was busy). */
  held: number | undefined;
  status = 0;
  error: unknown;
  readonly done: Promise<void>;
  private resolve!: () => void;

  constructor() {
    this.done = new Promise((r) => (this.resolve = r));
  }
  onRequestStart(): void {}
  onResponseStart(_c: Dispatcher.DispatchController, status: number): void {
    this.status = status;
  }
  onResponseData(): void {}
  onResponseEnd(): void {
    this.resolve();
  }
  onResponseError(_c: Dispatcher.DispatchController, err: Error): void {
    this.fail(err);
  }
  fail(err: unknown): void {
    this.error = err;
    this.resolve();
  }
  heldBack(waitedMs: number): void {
    this.held = waitedMs;
  }
}

const CLIENT = { keepAliveTimeout: 4000, headersTimeout: 0, bodyTimeout: 0 };
const GET: Dispatcher.DispatchOptions = { path: '/', method: 'GET' };

/** A fresh server per test (its own connection counts), answering as `mode` says. */
async function withServer(mode: FaultMode, body: (server: FaultServer) => Promise<void>) {
  const server = await FaultServer.start({ keepAliveTimeoutMs: 30_000 });
  server.mode = mode;
  try {
    await body(server);
  } finally {
    await server.close();
  }
}

/** Dispatches `n` GETs at once; returns their handlers. */
function dispatchMany(pool: ProbePool, server: FaultServer, n: number): TestHandler[] {
  const origin = new URL(server.url()).origin;
  const handlers = Array.from({ length: n }, () => new TestHandler());
  for (const h of handlers) pool.dispatch({ ...GET, origin }, h);
  return handlers;
}

describe('probe connection pool', () => {
  test('a burst that finds every connection busy queues instead of opening one each', () =>
    withServer({ kind: 'slow', delayMs: 20 }, async (server) => {
      const pool = new ProbePool({ origin: server.url(), rate: 10, client: CLIENT });
      const handlers = dispatchMany(pool, server, 100);
      assert.ok(pool.queued > 0, 'the requests beyond the burst wait');
      await Promise.all(handlers.map((h) => h.done));
      await pool.close();
      assert.deepEqual(
        handlers.filter((h) => h.status !== 200).map((h) => String(h.error)),
        [],
        'every request is answered',
      );
      assert.equal(server.requests, 100);
      assert.equal(server.connections, pool.opened);
      // The burst, plus the refill (100/s at this rate) over the ~150 ms the queue takes to
      // drain; an unlimited pool opens 100.
      assert.ok(pool.opened >= NEW_CONNECTION_BURST, `opened ${pool.opened}`);
      assert.ok(pool.opened <= NEW_CONNECTION_BURST + 30, `opened ${pool.opened}`);
    }));

  test('a hung target still gets a connection per request, at the refill rate', () =>
    withServer({ kind: 'hang' }, async (server) => {
      // rate 100/s: the budget refills at 200 new connections per second.
      const pool = new ProbePool({ origin: server.url(), rate: 100, client: CLIENT });
      const start = performance.now();
      dispatchMany(pool, server, 60);
      await sleep(20);
      const early = server.requests;
      while (server.requests < 60 && performance.now() - start < 3000) await sleep(10);
      const tookMs = performance.now() - start;
      await pool.close();
      assert.ok(early <= NEW_CONNECTION_BURST + 10, `${early} arrived in the first 20 ms`);
      assert.equal(server.requests, 60, 'every request reached the server');
      // 44 beyond the burst at 0.2 per ms: ~220 ms; generous upper bound for a busy machine.
      assert.ok(tookMs >= 150 && tookMs < 1500, `all 60 arrived after ${tookMs.toFixed(0)} ms`);
    }));

  test('while its own event loop is busy, the pool opens connections slowly, then catches up', () =>
    withServer({ kind: 'hang' }, async (server) => {
      // rate 1000/s: 2000 new connections a second when the loop is healthy.
      const pool = new ProbePool({ origin: server.url(), rate: 1000, client: CLIENT });
      const stopSpinning = busyLoop(10);
      const start = performance.now();
      const handlers = dispatchMany(pool, server, 300);
      await sleep(400);
      stopSpinning();
      const busyMs = performance.now() - start;
      const openedBusy = pool.opened;
      const quickStart = performance.now();
      while (pool.opened < 300 && performance.now() - quickStart < 5000) await sleep(5);
      const quickMs = performance.now() - quickStart;
      await pool.close();
      // The burst, then MIN_NEW_PER_SECOND; at the healthy refill all 300 would be open.
      const limit = NEW_CONNECTION_BURST + (MIN_NEW_PER_SECOND * busyMs) / 1000 + 5;
      assert.ok(openedBusy <= limit, `opened ${openedBusy} in ${busyMs.toFixed(0)} ms busy`);
      assert.ok(openedBusy >= NEW_CONNECTION_BURST, `opened ${openedBusy}`);
      assert.equal(pool.opened, 300, 'every request got its connection once the loop was quick');
      // Each one sent while the loop was busy (all but the first, which opened the pool) was told
      // how long it waited: zerodown's wait, which the engine marks as its own stall.
      const held = handlers.filter((h) => h.held !== undefined);
      assert.ok(held.length >= openedBusy - 1, `${held.length} told of ${openedBusy} sent busy`);
      assert.ok(held.every((h) => h.held! >= 0));
      // ~250 at 2 per ms: ~125 ms; generous for a busy machine, still below 100/s (2.5 s).
      assert.ok(quickMs < 2000, `the rest took ${quickMs.toFixed(0)} ms`);
    }));

  test('a waiting request that is abandoned is never sent', () =>
    withServer({ kind: 'hang' }, async (server) => {
      const pool = new ProbePool({ origin: server.url(), rate: 1, client: CLIENT });
      dispatchMany(pool, server, NEW_CONNECTION_BURST);
      await sleep(20); // the burst goes out on the pool's next turn
      const [late] = dispatchMany(pool, server, 1);
      assert.equal(pool.queued, 1);
      late!.abandoned = true;
      dispatchMany(pool, server, 1);
      await sleep(100);
      await pool.close();
      // The abandoned one was skipped; the one behind it got the next connection.
      assert.equal(server.requests, NEW_CONNECTION_BURST + 1);
      assert.equal(pool.opened, NEW_CONNECTION_BURST + 1);
    }));

  test('idle connections close gradually, down to the spare', () =>
    withServer({ kind: 'slow', delayMs: 30 }, async (server) => {
      const pool = new ProbePool({ origin: server.url(), rate: 10, client: CLIENT });
      await Promise.all(dispatchMany(pool, server, 40).map((h) => h.done));
      const opened = pool.opened;
      assert.ok(opened > SPARE_IDLE + REAP_MAX, `opened ${opened}`);
      // Each reaping closes at most REAP_MAX; after enough of them only the spare is left.
      const sizes: number[] = [];
      for (let i = 0; i < 4; i++) {
        await sleep(REAP_INTERVAL_MS);
        sizes.push(pool.size);
      }
      for (let i = 1; i < sizes.length; i++) {
        assert.ok(sizes[i - 1]! - sizes[i]! <= REAP_MAX, `sizes ${sizes.join(' → ')}`);
      }
      assert.equal(pool.size, SPARE_IDLE, `sizes ${sizes.join(' → ')}`);
      await sleep(50);
      assert.equal(server.closedConnections, opened - SPARE_IDLE, 'the server saw the closes');
      await pool.close();
    }));

  test('a closed pool fails new requests at once', () =>
    withServer({ kind: 'ok' }, async (server) => {
      const pool = new ProbePool({ origin: server.url(), rate: 10, client: CLIENT });
      await pool.close();
      const [h] = dispatchMany(pool, server, 1);
      await h!.done;
      assert.match(String(h!.error), /pool closed/);
    }));
});
