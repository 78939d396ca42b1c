/**
 * `tcp://` connect probes against real loopback listeners: a port closed for about a second is
 * one `ECONNREFUSED` window as long as the listener was gone; `tls: true` completes a handshake
 * (recording the certificate) or fails with the certificate's own code; a listener that resets
 * every connection mid-handshake is a failure, not a crash.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createServer as createTlsServer } from 'node:tls';
import { runProbe } from '../../src/run.ts';
import type { EndpointResult } from '../../src/result.ts';
import { endpointConfig } from '../helpers/config.ts';
import { haveOpenssl, makeTestCerts, type TestCerts } from '../helpers/tls-certs.ts';

const RATE = 100;
/** One probe interval (a window edge lands up to one from the real edge) plus timer jitter. */
const TOLERANCE_MS = 1000 / RATE + 30;

async function probe(
  url: string,
  settings: Record<string, unknown>,
  durationMs: number,
  during?: () => Promise<void>,
): Promise<EndpointResult> {
  const config = endpointConfig(url, { rate: RATE, timeout: '500ms', ...settings });
  let started!: () => void;
  const atZero = new Promise<void>((resolve) => (started = resolve));
  const run = runProbe({ config, durationMs, onSession: () => started() });
  await Promise.race([atZero, run]);
  await during?.();
  return (await run).result.endpoints[0]!;
}

function listen(server: Server, port = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve((server.address() as { port: number }).port));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('tcp:// probes', () => {
  test('a port closed for ~1 s is one ECONNREFUSED window of that length', async (t) => {
    let server = createServer((s) => s.destroy());
    const port = await listen(server);
    let outageMs = 0;
    const e = await probe(`tcp://127.0.0.1:${port}`, {}, 2600, async () => {
      await sleep(700);
      const closedAt = performance.now();
      server.close();
      await sleep(1000);
      server = createServer((s) => s.destroy());
      await listen(server, port);
      outageMs = performance.now() - closedAt;
    });
    server.close();
    const w = e.downtime.windows;
    t.diagnostic(
      `window ${JSON.stringify(w.map((x) => x.durationMs))} ms, listener gone ${outageMs.toFixed(1)} ms`,
    );
    assert.equal(w.length, 1, JSON.stringify(w));
    assert.ok(
      Math.abs(w[0]!.durationMs - outageMs) <= TOLERANCE_MS,
      `window ${w[0]!.durationMs} ms vs listener gone ${outageMs.toFixed(1)} ms`,
    );
    // Refused throughout; a connect caught by the listener closing (the kernel resets what it
    // had queued on it) fails as ECONNRESET instead: seen in about one run in four with other
    // tests running alongside. At most one, at the edge.
    const { ECONNREFUSED = 0, ECONNRESET = 0, ...other } = w[0]!.errorCodes;
    assert.deepEqual(other, {}, JSON.stringify(w[0]!.errorCodes));
    assert.ok(ECONNRESET <= 1 && ECONNREFUSED + ECONNRESET === w[0]!.failures);
    assert.equal(e.totalErrors, w[0]!.failures, 'every failure is in the window');
    assert.deepEqual(e.statusCodes, { connected: e.totalRequests - e.totalErrors });
    assert.deepEqual(e.protocols, { tcp: e.totalRequests });
    assert.equal(e.method, 'TCP');
  });
});

describe('tcp:// with tls', { skip: haveOpenssl() ? false : 'needs openssl' }, () => {
  let certs: TestCerts;
  let tlsServer: Server;
  let port: number;
  let caFile: string;

  before(async () => {
    certs = makeTestCerts();
    caFile = join(certs.dir, 'self.pem');
    writeFileSync(caFile, certs.selfSigned.cert);
    tlsServer = createTlsServer({ ...certs.selfSigned }, (s) => s.end());
    tlsServer.on('tlsClientError', () => undefined);
    port = await listen(tlsServer);
  });
  after(() => tlsServer?.close());

  test('tls: { ca } completes handshakes and records the certificate', async () => {
    const e = await probe(`tcp://127.0.0.1:${port}`, { rate: 50, tls: { ca: caFile } }, 600);
    assert.equal(e.totalErrors, 0, JSON.stringify(e.errorCodes));
    assert.deepEqual(e.statusCodes, { handshake: e.totalRequests });
    assert.deepEqual(e.protocols, { tls: e.totalRequests });
    assert.equal(
      e.certificates?.[0]?.fingerprint256,
      new X509Certificate(certs.selfSigned.cert).fingerprint256,
    );
    assert.equal(e.certificates?.[0]?.probes, e.totalRequests);
  });

  test('tls: true without the CA fails as DEPTH_ZERO_SELF_SIGNED_CERT', async () => {
    const e = await probe(`tcp://127.0.0.1:${port}`, { rate: 50, tls: true }, 400);
    assert.ok(e.totalRequests >= 15);
    assert.deepEqual(e.errorCodes, { DEPTH_ZERO_SELF_SIGNED_CERT: e.totalRequests });
  });

  test('an expired certificate keeps its code; a reset mid-handshake is ECONNRESET', async () => {
    const expired = createTlsServer({ ...certs.expired }, (s) => s.end());
    expired.on('tlsClientError', () => undefined);
    const expiredPort = await listen(expired);
    const ca = { rate: 50, tls: { ca: certs.caFile } };
    const e = await probe(`tcp://127.0.0.1:${expiredPort}`, ca, 300);
    expired.close();
    assert.deepEqual(e.errorCodes, { CERT_HAS_EXPIRED: e.totalRequests });

    // Accepts, reads the ClientHello, and resets: no handshake ever completes.
    const hostile = createServer((s) => s.once('data', () => s.resetAndDestroy()));
    const hostilePort = await listen(hostile);
    const h = await probe(`tcp://127.0.0.1:${hostilePort}`, ca, 300);
    hostile.close();
    assert.deepEqual(h.errorCodes, { ECONNRESET: h.totalRequests });
  });
});
