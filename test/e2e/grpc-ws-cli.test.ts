/**
 * `grpc://` and `ws://` through the built binary: a health server NOT_SERVING for ~1 s is exit
 * 1 with one `grpc:NOT_SERVING` window that long in the JSON result; a WebSocket server handing
 * over gracefully (1001, the new one accepting at once) is exit 0 with every connection drained,
 * said in the text and Markdown reports; a key of the wrong kind is a config error (exit 2)
 * naming it.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { Server, ServerCredentials } from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';
import { WebSocketServer } from 'ws';
import type { ResultDocument } from '../../src/result.ts';
import { runCli } from '../helpers/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'zd-grpcws-'));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A ws server on `port` (0: any) answering pings. */
async function wsServer(port = 0) {
  const http = createServer();
  const wss = new WebSocketServer({ server: http });
  await new Promise<void>((r) => http.listen(port, '127.0.0.1', r));
  return { http, wss, port: (http.address() as { port: number }).port };
}

describe('grpc:// and ws:// through the CLI', () => {
  test('grpc: NOT_SERVING for ~1 s is exit 1 with that window', async () => {
    const health = new HealthImplementation({ 'shop.Cart': 'SERVING' });
    const server = new Server();
    health.addToServer(server);
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, p) =>
        err ? reject(err) : resolve(p),
      ),
    );
    const cfg = join(dir, 'grpc.yml');
    writeFileSync(
      cfg,
      `endpoints:\n  - url: grpc://127.0.0.1:${port}\n    rate: 50\n    timeout: 300ms\n    grpc: { service: shop.Cart }\n`,
    );
    const json = join(dir, 'grpc.json');
    let outageMs = 0;
    const outage = (async () => {
      await sleep(1200);
      const from = performance.now();
      health.setStatus('shop.Cart', 'NOT_SERVING');
      await sleep(1000);
      health.setStatus('shop.Cart', 'SERVING');
      outageMs = performance.now() - from;
    })();
    const r = await runCli([
      'probe',
      '-c',
      cfg,
      '--duration',
      '3.5s',
      '--no-progress',
      '--json',
      json,
    ]);
    await outage;
    server.forceShutdown();
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /grpc:NOT_SERVING/);
    const e = (JSON.parse(readFileSync(json, 'utf8')) as ResultDocument).endpoints[0]!;
    assert.equal(e.downtime.windows.length, 1, JSON.stringify(e.downtime.windows));
    const w = e.downtime.windows[0]!;
    assert.deepEqual(Object.keys(w.errorCodes), ['grpc:NOT_SERVING']);
    // One probe interval (20 ms) either side, plus timer jitter of two busy processes.
    assert.ok(Math.abs(w.durationMs - outageMs) <= 80, `${w.durationMs} vs ${outageMs}`);
  });

  test('ws: a graceful hand-over is exit 0, every connection drained', async () => {
    let server = await wsServer();
    const port = server.port;
    const cfg = join(dir, 'ws.yml');
    writeFileSync(
      cfg,
      `endpoints:\n  - url: ws://127.0.0.1:${port}/live\n    rate: 50\n    timeout: 300ms\n    connections: 3\n    ws: { ping: true }\n`,
    );
    const md = join(dir, 'ws.md');
    const handOver = (async () => {
      await sleep(1500);
      const old = server;
      const closed = new Promise<void>((r) => old.http.close(() => r()));
      server = await wsServer(port);
      for (const c of old.wss.clients) c.close(1001, 'restarting');
      await closed;
    })();
    const r = await runCli([
      'probe',
      '-c',
      cfg,
      '--duration',
      '3s',
      '--no-progress',
      '--markdown',
      md,
    ]);
    await handOver;
    for (const c of server.wss.clients) c.terminate();
    server.http.close();
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(
      r.stdout,
      /3 connections held open; 3 drained \(closed gracefully, reconnected at once: no downtime\); close codes 1001 x3/,
    );
    assert.match(readFileSync(md, 'utf8'), /### Connections[\s\S]*3 drained/);
  });

  test('a key of another kind is exit 2 naming it', async () => {
    const cfg = join(dir, 'bad.yml');
    writeFileSync(cfg, `endpoints:\n  - url: grpc://127.0.0.1:1\n    connections: 2\n`);
    const r = await runCli(['probe', '-c', cfg, '--duration', '1s', '--no-progress']);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /endpoints\[0\]\.connections/);
    assert.match(r.stderr, /only for ws:\/\/ and wss:\/\//);
  });
});
