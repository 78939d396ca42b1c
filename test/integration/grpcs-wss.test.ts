/**
 * `grpcs://` and `wss://` use the endpoint's `tls:` options (probe/tls.ts): a server certificate
 * signed by the CA in `tls.ca` verifies; without it every probe fails (`grpc:UNAVAILABLE`, the
 * certificate's code for wss); `tls.insecure` accepts it. wss records the server certificate.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { createServer } from 'node:https';
import { after, before, describe, test } from 'node:test';
import { Server, ServerCredentials } from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';
import { WebSocketServer } from 'ws';
import { runProbe } from '../../src/run.ts';
import type { EndpointResult } from '../../src/result.ts';
import { endpointConfig } from '../helpers/config.ts';
import { haveOpenssl, makeTestCerts, type TestCerts } from '../helpers/tls-certs.ts';

async function probe(url: string, settings: Record<string, unknown>): Promise<EndpointResult> {
  const config = endpointConfig(url, { rate: 50, timeout: '500ms', ...settings });
  return (await runProbe({ config, durationMs: 300 })).result.endpoints[0]!;
}

describe('grpcs:// and wss:// with tls:', { skip: haveOpenssl() ? false : 'needs openssl' }, () => {
  let certs: TestCerts;
  let grpc: Server;
  let grpcPort: number;
  let https: ReturnType<typeof createServer>;
  let wss: WebSocketServer;
  let wsPort: number;

  before(async () => {
    certs = makeTestCerts();
    grpc = new Server();
    new HealthImplementation({ '': 'SERVING' }).addToServer(grpc);
    const creds = ServerCredentials.createSsl(null, [
      { private_key: Buffer.from(certs.valid.key), cert_chain: Buffer.from(certs.valid.cert) },
    ]);
    grpcPort = await new Promise<number>((resolve, reject) =>
      grpc.bindAsync('127.0.0.1:0', creds, (err, p) => (err ? reject(err) : resolve(p))),
    );
    https = createServer({ ...certs.valid });
    https.on('tlsClientError', () => undefined);
    wss = new WebSocketServer({ server: https });
    await new Promise<void>((r) => https.listen(0, '127.0.0.1', r));
    wsPort = (https.address() as { port: number }).port;
  });
  after(() => {
    grpc?.forceShutdown();
    for (const c of wss?.clients ?? []) c.terminate();
    https?.close();
  });

  test('grpcs: verified with tls.ca, refused without, accepted with insecure', async () => {
    const url = `grpcs://127.0.0.1:${grpcPort}`;
    const ok = await probe(url, { tls: { ca: certs.caFile } });
    assert.ok(ok.totalRequests >= 10);
    assert.deepEqual(ok.statusCodes, { 'grpc:SERVING': ok.totalRequests });
    const bad = await probe(url, {});
    assert.deepEqual(bad.errorCodes, { 'grpc:UNAVAILABLE': bad.totalRequests });
    const insecure = await probe(url, { tls: { insecure: true } });
    assert.deepEqual(insecure.statusCodes, { 'grpc:SERVING': insecure.totalRequests });
  });

  test("wss: verified with tls.ca; without it the certificate's code", async () => {
    const url = `wss://127.0.0.1:${wsPort}/`;
    const ok = await probe(url, { tls: { ca: certs.caFile }, connections: 2 });
    assert.deepEqual(ok.statusCodes, { 'ws:open': ok.totalRequests });
    assert.equal(
      ok.certificates?.[0]?.fingerprint256,
      new X509Certificate(certs.valid.cert).fingerprint256,
    );
    assert.equal(ok.certificates?.[0]?.probes, ok.totalRequests);
    const bad = await probe(url, {});
    const codes = Object.keys(bad.errorCodes);
    assert.equal(bad.totalErrors, bad.totalRequests);
    assert.equal(codes.length, 1, JSON.stringify(bad.errorCodes));
    assert.match(codes[0]!, /CERT|SIGNATURE|ISSUER/);
  });
});
