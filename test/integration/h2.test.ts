/**
 * HTTP/2 against a real node HTTP/2 server over TLS on loopback, which counts its sessions
 * (connections) and can answer slowly or send GOAWAY. Slow answers show probes multiplexed as
 * concurrent streams on one connection (`fresh`: one connection each). A GOAWAY (a graceful
 * shutdown, as servers do on a reload or deploy) before a probe's stream is answered: that probe
 * is retried once on a new connection and passes; a server that does it to every stream fails
 * probes as `h2:GOAWAY`, never a crash.
 */
import assert from 'node:assert/strict';
import { constants, createSecureServer, type Http2SecureServer } from 'node:http2';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createServer as createTlsServer } from 'node:tls';
import { runProbe } from '../../src/run.ts';
import type { EndpointResult } from '../../src/result.ts';
import { endpointConfig } from '../helpers/config.ts';
import { haveOpenssl, makeTestCerts } from '../helpers/tls-certs.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('HTTP/2 against a node server', { skip: haveOpenssl() ? false : 'needs openssl' }, () => {
  let server: Http2SecureServer;
  let url: string;
  let caFile: string;
  /** Streams to refuse with GOAWAY: 'none', the next one, or every one. */
  let certs: ReturnType<typeof makeTestCerts>;
  let refuse: 'none' | 'next' | 'all' = 'none';
  let goaways = 0;
  /** How long the server waits before answering (ms). */
  let delayMs = 0;
  let sessions = 0;
  let concurrent = 0;
  let maxConcurrent = 0;

  before(async () => {
    certs = makeTestCerts();
    caFile = join(certs.dir, 'self.pem');
    writeFileSync(caFile, certs.selfSigned.cert);
    server = createSecureServer({ ...certs.selfSigned });
    server.on('session', () => sessions++);
    server.on('stream', (stream) => {
      // A refused stream ends with an error on this side too (NGHTTP2_REFUSED_STREAM).
      stream.on('error', () => undefined);
      if (refuse !== 'none') {
        if (refuse === 'next') refuse = 'none';
        goaways++;
        // The last stream this server processed is the one before: this one was not.
        stream.session?.goaway(constants.NGHTTP2_NO_ERROR, Math.max(0, (stream.id ?? 0) - 2));
        return;
      }
      concurrent++;
      maxConcurrent = Math.max(maxConcurrent, concurrent);
      setTimeout(() => {
        concurrent--;
        if (stream.destroyed) return;
        stream.respond({ ':status': 200 });
        stream.end('ok');
      }, delayMs);
    });
    server.on('sessionError', () => undefined);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `https://127.0.0.1:${(server.address() as { port: number }).port}/`;
  });
  after(() => server?.close());

  async function probe(
    durationMs: number,
    during: () => Promise<void>,
    extra: Record<string, unknown> = {},
  ): Promise<EndpointResult> {
    const settings = { rate: 50, timeout: '1s', http2: true, tls: { ca: caFile }, ...extra };
    let started!: () => void;
    const atZero = new Promise<void>((resolve) => (started = resolve));
    const run = runProbe({
      config: endpointConfig(url, settings),
      durationMs,
      onSession: () => started(),
    });
    await Promise.race([atZero, run]);
    await during();
    return (await run).result.endpoints[0]!;
  }

  test('slow answers: concurrent probes are streams on one connection', async () => {
    delayMs = 200;
    sessions = 0;
    maxConcurrent = 0;
    try {
      const e = await probe(1000, () => Promise.resolve(), { rate: 100 });
      assert.equal(e.totalErrors, 0, JSON.stringify(e.errorCodes));
      assert.ok(maxConcurrent >= 15, `${maxConcurrent} streams at once`);
      // Priming and the run share it; HTTP/1.1 would need ~20 connections for this.
      assert.equal(sessions, 1, `${sessions} connections for ${maxConcurrent} concurrent probes`);
      assert.deepEqual(e.protocols, { h2: e.totalRequests });
    } finally {
      delayMs = 0;
    }
  });

  test('connection: fresh gives every h2 probe a connection of its own', async () => {
    sessions = 0;
    const e = await probe(500, () => Promise.resolve(), { rate: 20, connection: 'fresh' });
    assert.equal(e.totalErrors, 0, JSON.stringify(e.errorCodes));
    // Every probe of the run, plus the warm-up request and the primers before time zero.
    assert.ok(sessions >= e.totalRequests, `${sessions} connections, ${e.totalRequests} probes`);
    assert.deepEqual(e.protocols, { h2: e.totalRequests });
  });

  test('one GOAWAY before an answer: the probe is retried on a new connection and passes', async () => {
    goaways = 0;
    const e = await probe(1000, async () => {
      await sleep(400);
      refuse = 'next';
    });
    assert.equal(goaways, 1);
    assert.equal(e.totalErrors, 0, JSON.stringify(e.errorCodes));
    assert.equal(e.retries, 1);
    assert.deepEqual(e.protocols, { h2: e.totalRequests });
  });

  test('GOAWAY on every stream: the probes fail as h2:GOAWAY', async () => {
    const e = await probe(1000, async () => {
      await sleep(400);
      refuse = 'all';
      await sleep(300);
      refuse = 'none';
    });
    assert.ok(e.totalErrors >= 5, `${e.totalErrors} failures`);
    assert.deepEqual(e.errorCodes, { 'h2:GOAWAY': e.totalErrors });
    assert.equal(e.downtime.windows.length, 1, JSON.stringify(e.downtime.windows));
  });

  test('a server that agrees to h2 and then sends garbage fails probes, never crashes', async (t) => {
    const hostile = createTlsServer({ ...certs.selfSigned, ALPNProtocols: ['h2'] }, (socket) => {
      socket.on('error', () => undefined);
      socket.write(Buffer.from('HTTP/1.1 200 OK\r\n\r\nnot an h2 frame at all'.repeat(20)));
    });
    hostile.on('tlsClientError', () => undefined);
    await new Promise<void>((resolve) => hostile.listen(0, '127.0.0.1', resolve));
    const port = (hostile.address() as { port: number }).port;
    try {
      const config = endpointConfig(`https://127.0.0.1:${port}/`, {
        rate: 50,
        timeout: '300ms',
        http2: true,
        tls: { ca: caFile },
      });
      const { result } = await runProbe({ config, durationMs: 600 });
      const e = result.endpoints[0]!;
      assert.ok(e.totalRequests >= 20, `${e.totalRequests} probes`);
      t.diagnostic(`codes ${JSON.stringify(e.errorCodes)}`);
      assert.equal(e.totalErrors, e.totalRequests, JSON.stringify(e.errorCodes));
    } finally {
      hostile.close();
    }
  });
});
