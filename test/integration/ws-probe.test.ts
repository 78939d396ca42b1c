/**
 * `ws://` probes against a real `ws` server on loopback: a restart that drops every connection
 * (1006) and closes the port for ~1 s is one window per connection lane about that long, with
 * `ws:1006` or `ECONNREFUSED`; a graceful restart (close 1001, accept again at once) is no
 * downtime and reads as drained connections; with `ws.ping` a frozen server (no pongs) fails
 * as `timeout`; with `ws.send`/`ws.expect` the echo must contain the expected text.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdtempSync } from 'node:fs';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { WebSocketServer, type WebSocket } from 'ws';
import { runProbe } from '../../src/run.ts';
import { readProbeStream } from '../../src/stream/read.ts';
import { ProbeStreamWriter } from '../../src/stream/writer.ts';
import type { EndpointResult } from '../../src/result.ts';
import { endpointConfig } from '../helpers/config.ts';

const RATE = 100;
const CONNECTIONS = 4;
/** One lane is checked every CONNECTIONS / RATE s: its window edges land up to that late. */
const LANE_TOLERANCE_MS = (1000 * CONNECTIONS) / RATE + 60;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function probe(
  url: string,
  settings: Record<string, unknown>,
  durationMs: number,
  during?: () => Promise<void>,
): Promise<EndpointResult> {
  const config = endpointConfig(url, { rate: RATE, timeout: '300ms', ...settings });
  let started!: () => void;
  const atZero = new Promise<void>((resolve) => (started = resolve));
  // Every run also writes its probe stream: lanes, drops and drains must survive the round trip.
  const file = join(mkdtempSync(join(tmpdir(), 'zd-ws-stream-')), 'probes.ndjson');
  const out = new ProbeStreamWriter(file, config);
  const run = runProbe({ config, durationMs, out, onSession: () => started() });
  await Promise.race([atZero, run]);
  await during?.();
  const { result } = await run;
  await out.close();
  const { result: rebuilt } = await readProbeStream(file);
  assert.deepEqual(JSON.parse(JSON.stringify(rebuilt)), JSON.parse(JSON.stringify(result)));
  return result.endpoints[0]!;
}

/** An echo server (answers pings unless `frozen`) on 127.0.0.1:`port` (0: any). */
class EchoServer {
  http!: Server;
  wss!: WebSocketServer;
  port = 0;
  frozen = false;
  private readonly sockets = new Set<Socket>();

  async start(port = 0): Promise<this> {
    this.http = createServer();
    this.http.on('connection', (s) => {
      this.sockets.add(s);
      s.once('close', () => this.sockets.delete(s));
    });
    this.wss = new WebSocketServer({ server: this.http, autoPong: false });
    this.wss.on('connection', (ws: WebSocket) => {
      ws.on('ping', (data) => {
        if (!this.frozen) ws.pong(data);
      });
      ws.on('message', (data) => {
        if (!this.frozen) ws.send(`echo:${(data as Buffer).toString('utf8')}`);
      });
    });
    await new Promise<void>((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(port, '127.0.0.1', resolve);
    });
    this.port = (this.http.address() as { port: number }).port;
    return this;
  }

  /** Drops every connection without a close frame (1006 at the client) and closes the port. */
  crash(): Promise<void> {
    for (const c of this.wss.clients) c.terminate();
    for (const s of this.sockets) s.destroy();
    this.wss.close();
    return new Promise((resolve) => this.http.close(() => resolve()));
  }

  /**
   * A graceful hand-over: stop listening, let `next` take the port, then close every connection
   * with 1001 (going away) and wait for the close handshakes.
   */
  async handOver(next: () => Promise<EchoServer>): Promise<EchoServer> {
    const closed = new Promise<void>((resolve) => this.http.close(() => resolve()));
    const successor = await next();
    for (const c of this.wss.clients) c.close(1001, 'restarting');
    await closed;
    this.wss.close();
    return successor;
  }
}

describe('ws:// probes', () => {
  test('a restart dropping every connection: one window per lane, ~ the outage', async (t) => {
    let server = await new EchoServer().start();
    const port = server.port;
    let outageMs = 0;
    const e = await probe(
      `ws://127.0.0.1:${port}/live`,
      { connections: CONNECTIONS },
      2800,
      async () => {
        await sleep(700);
        const from = performance.now();
        await server.crash();
        await sleep(1000);
        server = await new EchoServer().start(port);
        outageMs = performance.now() - from;
      },
    );
    await server.crash();
    const lanes = e.connections!;
    t.diagnostic(
      `outage ${outageMs.toFixed(1)} ms; lanes ${JSON.stringify(lanes.map((l) => [l.windows.map((w) => w.durationMs), l.closeCodes]))}`,
    );
    assert.equal(lanes.length, CONNECTIONS);
    for (const l of lanes) {
      assert.equal(l.windows.length, 1, `lane ${l.lane}: ${JSON.stringify(l.windows)}`);
      const w = l.windows[0]!;
      assert.ok(
        Math.abs(w.durationMs - outageMs) <= LANE_TOLERANCE_MS,
        `lane ${l.lane}: ${w.durationMs} vs ${outageMs}`,
      );
      const { 'ws:1006': dropped = 0, ECONNREFUSED = 0, ECONNRESET = 0, ...other } = w.errorCodes;
      assert.deepEqual(other, {}, JSON.stringify(w.errorCodes));
      assert.equal(dropped, 1, "the drop is reported once, by the lane's next probe");
      assert.ok(ECONNRESET <= 1 && dropped + ECONNREFUSED + ECONNRESET === w.failures);
      assert.equal(l.drops, 1);
      assert.equal(l.drained, 0);
      assert.deepEqual(l.closeCodes, { '1006': 1 });
    }
    // The endpoint's own windows (all probes in send order): one, as long as the outage.
    assert.equal(e.downtime.windows.length, 1, JSON.stringify(e.downtime.windows));
    assert.ok(Math.abs(e.downtime.windows[0]!.durationMs - outageMs) <= LANE_TOLERANCE_MS);
    assert.equal(e.method, 'WS');
    assert.deepEqual(e.protocols, { ws: e.totalRequests });
  });

  test('a graceful restart (1001, accepting at once) is no downtime: drained', async () => {
    let server = await new EchoServer().start();
    const port = server.port;
    const e = await probe(
      `ws://127.0.0.1:${port}/`,
      { connections: CONNECTIONS, ws: { ping: true } },
      1600,
      async () => {
        await sleep(600);
        server = await server.handOver(() => new EchoServer().start(port));
      },
    );
    await server.crash();
    assert.equal(e.totalErrors, 0, JSON.stringify(e.errorCodes));
    assert.equal(e.downtime.windows.length, 0);
    for (const l of e.connections!) {
      assert.deepEqual(l.closeCodes, { '1001': 1 }, `lane ${l.lane}`);
      assert.equal(l.drained, 1);
      assert.equal(l.drops, 0);
    }
    assert.deepEqual(e.statusCodes, { 'ws:pong': e.totalRequests });
  });

  test('ws.ping catches a frozen server; ws.send/expect checks the echo', async () => {
    const server = await new EchoServer().start();
    const url = `ws://127.0.0.1:${server.port}/`;
    const echo = await probe(url, { rate: 50, ws: { send: 'hi', expect: 'echo:hi' } }, 300);
    assert.ok(echo.totalRequests >= 10);
    assert.deepEqual(echo.statusCodes, { 'ws:message': echo.totalRequests });
    const wrong = await probe(url, { rate: 50, ws: { send: 'hi', expect: 'nope' } }, 300);
    assert.deepEqual(wrong.errorCodes, { 'ws:unexpected-message': wrong.totalRequests });
    server.frozen = true;
    const frozen = await probe(url, { rate: 50, timeout: '100ms', ws: { ping: true } }, 300);
    assert.deepEqual(frozen.errorCodes, { timeout: frozen.totalRequests });
    await server.crash();
  });
});
