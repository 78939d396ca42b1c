/**
 * `grpc://` health probes against a real grpc-js server running `grpc-health-check`'s own
 * `HealthImplementation` (so zerodown's hand-encoded messages are checked against the reference
 * implementation): NOT_SERVING for ~1 s is one `grpc:NOT_SERVING` window that long; a server
 * shut down and started again ~1 s later is one `grpc:UNAVAILABLE` window; an unknown service is
 * `grpc:NOT_FOUND`; a server that answers nothing is a `timeout` at the engine's deadline.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Server, ServerCredentials } from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';
import { createServer, type Socket } from 'node:net';
import { runProbe } from '../../src/run.ts';
import type { EndpointResult } from '../../src/result.ts';
import { endpointConfig } from '../helpers/config.ts';
import { decodeHealthResponse, encodeHealthRequest } from '../../src/probe/grpc-prober.ts';

const RATE = 100;
/** One probe interval (a window edge lands up to one from the real edge) plus timer jitter. */
const TOLERANCE_MS = 1000 / RATE + 40;
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
  const run = runProbe({ config, durationMs, onSession: () => started() });
  await Promise.race([atZero, run]);
  await during?.();
  return (await run).result.endpoints[0]!;
}

/** A grpc-js server with the health service on 127.0.0.1:`port` (0: any). */
async function healthServer(health: HealthImplementation, port = 0) {
  const server = new Server();
  health.addToServer(server);
  const bound = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`127.0.0.1:${port}`, ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  return { server, port: bound };
}

describe('grpc:// health probes', () => {
  test('the messages round-trip (request field 1, status field 1)', () => {
    assert.deepEqual([...encodeHealthRequest('ab')], [0x0a, 2, 0x61, 0x62]);
    assert.equal(encodeHealthRequest('').length, 0);
    assert.equal(decodeHealthResponse(Buffer.from([0x08, 2])), 2);
    assert.equal(decodeHealthResponse(Buffer.alloc(0)), 0);
    assert.throws(() => decodeHealthResponse(Buffer.from([0x08])), /truncated/);
  });

  test('NOT_SERVING for ~1 s is one grpc:NOT_SERVING window of that length', async (t) => {
    const health = new HealthImplementation({ '': 'SERVING', 'shop.Cart': 'SERVING' });
    const { server, port } = await healthServer(health);
    let outageMs = 0;
    const e = await probe(
      `grpc://127.0.0.1:${port}`,
      { grpc: { service: 'shop.Cart' } },
      2400,
      async () => {
        await sleep(600);
        const from = performance.now();
        health.setStatus('shop.Cart', 'NOT_SERVING');
        await sleep(1000);
        health.setStatus('shop.Cart', 'SERVING');
        outageMs = performance.now() - from;
      },
    );
    server.forceShutdown();
    const w = e.downtime.windows;
    t.diagnostic(
      `windows ${JSON.stringify(w.map((x) => x.durationMs))} ms, outage ${outageMs.toFixed(1)} ms`,
    );
    assert.equal(w.length, 1, JSON.stringify(w));
    assert.deepEqual(w[0]!.errorCodes, { 'grpc:NOT_SERVING': w[0]!.failures });
    assert.ok(
      Math.abs(w[0]!.durationMs - outageMs) <= TOLERANCE_MS,
      `${w[0]!.durationMs} vs ${outageMs}`,
    );
    assert.deepEqual(e.statusCodes, { 'grpc:SERVING': e.totalRequests - e.totalErrors });
    assert.deepEqual(e.protocols, { grpc: e.totalRequests });
    assert.equal(e.method, 'GRPC');
  });

  test('a server shut down and restarted ~1 s later is one grpc:UNAVAILABLE window', async (t) => {
    const health = new HealthImplementation({ '': 'SERVING' });
    const first = await healthServer(health);
    let server = first.server;
    const port = first.port;
    let outageMs = 0;
    const e = await probe(`grpc://127.0.0.1:${port}`, {}, 2600, async () => {
      await sleep(600);
      const from = performance.now();
      server.forceShutdown();
      await sleep(1000);
      ({ server } = await healthServer(health, port));
      outageMs = performance.now() - from;
    });
    server.forceShutdown();
    const w = e.downtime.windows;
    t.diagnostic(
      `windows ${JSON.stringify(w.map((x) => [x.durationMs, x.errorCodes]))}, outage ${outageMs.toFixed(1)} ms`,
    );
    assert.equal(w.length, 1, JSON.stringify(w));
    // Refused connects fail fast as UNAVAILABLE; the channel retries every ≤250 ms, so the
    // window may outlast the outage by up to that backoff.
    assert.ok(
      (w[0]!.errorCodes['grpc:UNAVAILABLE'] ?? 0) >= w[0]!.failures - 2,
      JSON.stringify(w[0]),
    );
    assert.ok(w[0]!.durationMs >= outageMs - TOLERANCE_MS, `${w[0]!.durationMs} vs ${outageMs}`);
    assert.ok(
      w[0]!.durationMs <= outageMs + 250 + TOLERANCE_MS,
      `${w[0]!.durationMs} vs ${outageMs}`,
    );
  });

  test('an unknown service is grpc:NOT_FOUND; a silent server is a timeout', async () => {
    const health = new HealthImplementation({ '': 'SERVING' });
    const { server, port } = await healthServer(health);
    const e = await probe(`grpc://127.0.0.1:${port}`, { rate: 50, grpc: { service: 'nope' } }, 300);
    server.forceShutdown();
    assert.ok(e.totalRequests >= 10);
    assert.deepEqual(e.errorCodes, { 'grpc:NOT_FOUND': e.totalRequests });

    // Accepts TCP and never speaks HTTP/2: every call must end at the 100 ms deadline.
    const held = new Set<Socket>();
    const silent = createServer((c) => held.add(c));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const sPort = (silent.address() as { port: number }).port;
    const s = await probe(`grpc://127.0.0.1:${sPort}`, { rate: 50, timeout: '100ms' }, 400);
    silent.close();
    for (const c of held) c.destroy();
    assert.deepEqual(Object.keys(s.errorCodes), ['timeout']);
    assert.ok((s.maxLatencyMs ?? 0) < 100 + 60, `max latency ${s.maxLatencyMs} ms`);
  });
});
