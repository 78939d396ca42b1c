/**
 * The probe connection pool against a real server on loopback that counts its connections:
 * bursts queue on open connections instead of opening one each, a hung target still gets its
 * connections at the refill rate, abandoned waiters are never sent, and idle connections close
 * gradually.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Dispatcher } from 'undici';
import {
  NEW_CONNECTION_BURST,
  ProbePool,
  REAP_INTERVAL_MS,
  REAP_MAX,
  SPARE_IDLE,
  type PoolHandler,
} from '../../src/probe/pool.ts';

/** A server that answers after `delayMs`, or never (`hang`), and counts connections. */
class CountingServer {
  delayMs = 0;
  hang = false;
  requests = 0;
  connections = 0;
  closes = 0;
  private readonly held: http.ServerResponse[] = [];
  readonly server = http.createServer((_req, res) => {
    this.requests++;
    if (this.hang) {
      this.held.push(res);
      return;
    }
    setTimeout(() => res.end('ok'), this.delayMs);
  });

  async start(): Promise<string> {
    this.server.keepAliveTimeout = 30_000;
    this.server.on('connection', (s) => {
      this.connections++;
      s.on('close', () => this.closes++);
    });
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Closes what the last test left, waits for the closes to land, and zeroes the counts. */
  async reset(): Promise<void> {
    for (const res of this.held.splice(0)) res.destroy();
    this.server.closeAllConnections();
    await sleep(50);
    this.delayMs = 0;
    this.hang = false;
    this.requests = 0;
    this.connections = 0;
    this.closes = 0;
  }

  async stop(): Promise<void> {
    await this.reset();
    this.server.close();
    await once(this.server, 'close');
  }
}

/** Collects one request's outcome. */
class TestHandler implements PoolHandler {
  abandoned = false;
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
}

const CLIENT = { keepAliveTimeout: 4000, headersTimeout: 0, bodyTimeout: 0 };
const GET: Dispatcher.DispatchOptions = { path: '/', method: 'GET' };

describe('probe connection pool', () => {
  const server = new CountingServer();
  let origin = '';
  before(async () => (origin = await server.start()));
  after(() => server.stop());

  test('a burst that finds every connection busy queues instead of opening one each', async () => {
    await server.reset();
    server.delayMs = 20;
    const pool = new ProbePool({ origin, rate: 10, client: CLIENT });
    const handlers = Array.from({ length: 100 }, () => new TestHandler());
    for (const h of handlers) pool.dispatch({ ...GET, origin }, h);
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
  });

  test('a hung target still gets a connection per request, at the refill rate', async () => {
    await server.reset();
    server.hang = true;
    // rate 100/s: the budget refills at 200 new connections per second.
    const pool = new ProbePool({ origin, rate: 100, client: CLIENT });
    const start = performance.now();
    for (let i = 0; i < 60; i++) pool.dispatch({ ...GET, origin }, new TestHandler());
    await sleep(20);
    const early = server.requests;
    while (server.requests < 60 && performance.now() - start < 3000) await sleep(10);
    const tookMs = performance.now() - start;
    await pool.close();
    assert.ok(early <= NEW_CONNECTION_BURST + 10, `${early} arrived in the first 20 ms`);
    assert.equal(server.requests, 60, 'every request reached the server');
    // 44 beyond the burst at 0.2 per ms: ~220 ms; generous upper bound for a busy machine.
    assert.ok(tookMs >= 150 && tookMs < 1500, `all 60 arrived after ${tookMs.toFixed(0)} ms`);
  });

  test('a waiting request that is abandoned is never sent', async () => {
    await server.reset();
    server.hang = true;
    const pool = new ProbePool({ origin, rate: 1, client: CLIENT });
    for (let i = 0; i < NEW_CONNECTION_BURST; i++)
      pool.dispatch({ ...GET, origin }, new TestHandler());
    const late = new TestHandler();
    pool.dispatch({ ...GET, origin }, late);
    assert.equal(pool.queued, 1);
    late.abandoned = true;
    const sent = new TestHandler();
    pool.dispatch({ ...GET, origin }, sent);
    await sleep(100);
    await pool.close();
    // The abandoned one was skipped; the one behind it got the next connection.
    assert.equal(server.requests, NEW_CONNECTION_BURST + 1);
    assert.equal(pool.opened, NEW_CONNECTION_BURST + 1);
  });

  test('idle connections close gradually, down to the spare', async () => {
    await server.reset();
    server.delayMs = 30;
    const pool = new ProbePool({ origin, rate: 10, client: CLIENT });
    const handlers = Array.from({ length: 40 }, () => new TestHandler());
    for (const h of handlers) pool.dispatch({ ...GET, origin }, h);
    await Promise.all(handlers.map((h) => h.done));
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
    assert.equal(server.closes, opened - SPARE_IDLE, 'the server saw the closes');
    await pool.close();
  });

  test('a closed pool fails new requests at once', async () => {
    const pool = new ProbePool({ origin, rate: 10, client: CLIENT });
    await pool.close();
    const h = new TestHandler();
    pool.dispatch({ ...GET, origin }, h);
    await h.done;
    assert.match(String(h.error), /pool closed/);
  });
});
