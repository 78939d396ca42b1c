/**
 * HTTP/2 and TLS against a real nginx (Debian's, built with http_v2) on loopback, with
 * certificates made by openssl for the test: ALPN gives h2, a self-signed certificate fails
 * without its CA and passes with `tls.ca`, and a certificate swapped by a graceful reload during
 * the run is recorded as a change (and the reload's GOAWAYs cost no probe). Each run's probe
 * stream (`--out`) rebuilds the same document, certificates included.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runProbe } from '../../src/run.ts';
import { readProbeStream } from '../../src/stream/read.ts';
import { ProbeStreamWriter } from '../../src/stream/writer.ts';
import { renderText } from '../../src/report/text.ts';
import type { EndpointResult, ResultDocument } from '../../src/result.ts';
import { endpointConfig } from '../helpers/config.ts';
import { haveOpenssl, makeTestCerts, type TestCerts } from '../helpers/tls-certs.ts';
import { haveNginxH2, TlsNginx } from '../helpers/tls-nginx.ts';

const skip = !haveOpenssl() || !haveNginxH2() ? 'needs nginx with http_v2 and openssl' : false;

/** Probes `url` for `durationMs` with endpoint `settings`; `during` runs from time zero. */
async function probe(
  url: string,
  settings: Record<string, unknown>,
  durationMs: number,
  during?: (sinceZeroMs: () => number) => Promise<void>,
): Promise<EndpointResult> {
  const config = endpointConfig(url, { rate: 50, timeout: '1s', ...settings });
  let started!: () => void;
  const atZero = new Promise<void>((resolve) => (started = resolve));
  // Every run also writes its probe stream: certificates must survive the round trip too.
  const file = join(mkdtempSync(join(tmpdir(), 'zd-h2-stream-')), 'probes.ndjson');
  const out = new ProbeStreamWriter(file, config);
  const run = runProbe({ config, durationMs, out, onSession: () => started() });
  await Promise.race([atZero, run]);
  const zero = performance.now();
  await during?.(() => performance.now() - zero);
  const { result } = await run;
  await out.close();
  const { result: rebuilt } = await readProbeStream(file);
  assert.deepEqual(JSON.parse(JSON.stringify(rebuilt)), JSON.parse(JSON.stringify(result)));
  lastDoc = result;
  return result.endpoints[0]!;
}

/** The document of the last `probe` (for rendering it). */
let lastDoc: ResultDocument | undefined;

describe('HTTP/2 and TLS through nginx', { skip }, () => {
  let certs: TestCerts;
  let nginx: TlsNginx;
  /** The self-signed certificate and the test CA: trusts what nginx serves before and after. */
  let caBundle: string;
  let selfFp: string;
  let validFp: string;

  before(async () => {
    certs = makeTestCerts();
    caBundle = join(certs.dir, 'bundle.pem');
    writeFileSync(caBundle, certs.selfSigned.cert + readFileSync(certs.caFile, 'utf8'));
    selfFp = new X509Certificate(certs.selfSigned.cert).fingerprint256;
    validFp = new X509Certificate(certs.valid.cert).fingerprint256;
    nginx = await TlsNginx.start(certs.selfSigned);
  });
  after(async () => nginx?.stop());

  test('http2: true speaks h2 (ALPN); the certificate is recorded; without it http/1.1', async () => {
    const h2 = await probe(nginx.url('/'), { http2: true, tls: { ca: caBundle } }, 1000);
    assert.equal(h2.totalErrors, 0, JSON.stringify(h2.errorCodes));
    assert.ok(h2.totalRequests >= 40, `${h2.totalRequests} probes`);
    assert.deepEqual(h2.protocols, { h2: h2.totalRequests });
    assert.equal(h2.certificates?.length, 1);
    const c = h2.certificates[0]!;
    assert.equal(c.fingerprint256, selfFp);
    assert.equal(c.subject, '127.0.0.1');
    assert.equal(c.issuer, '127.0.0.1');
    assert.equal(c.probes, h2.totalRequests);
    assert.ok(Date.parse(c.validTo) > Date.now(), c.validTo);

    const h1 = await probe(nginx.url('/'), { tls: { ca: caBundle } }, 500);
    assert.deepEqual(h1.protocols, { 'http/1.1': h1.totalRequests });
    assert.equal(h1.totalErrors, 0);
  });

  test('without the CA a self-signed certificate fails as DEPTH_ZERO_SELF_SIGNED_CERT', async () => {
    const e = await probe(nginx.url('/'), { http2: true }, 500);
    assert.ok(e.totalRequests >= 20);
    assert.deepEqual(e.errorCodes, { DEPTH_ZERO_SELF_SIGNED_CERT: e.totalRequests });
    assert.equal(e.certificates, undefined, 'no connection completed');
    const insecure = await probe(nginx.url('/'), { http2: true, tls: { insecure: true } }, 500);
    assert.equal(insecure.totalErrors, 0, JSON.stringify(insecure.errorCodes));
  });

  test('a certificate swapped by a reload during the run is reported as a change', async () => {
    let swappedAt = 0;
    const e = await probe(
      nginx.url('/'),
      { http2: true, tls: { ca: caBundle }, connection: 'keepalive' },
      3000,
      async (sinceZeroMs) => {
        await new Promise((r) => setTimeout(r, 1000));
        swappedAt = sinceZeroMs();
        await nginx.swapCertificate(certs.valid, validFp);
      },
    );
    const certsSeen = e.certificates ?? [];
    assert.deepEqual(
      certsSeen.map((c) => c.fingerprint256),
      [selfFp, validFp],
      JSON.stringify(certsSeen),
    );
    const [before, after] = certsSeen as [(typeof certsSeen)[0], (typeof certsSeen)[0]];
    assert.equal(after.issuer, 'zerodown test CA');
    assert.ok(
      after.firstMs >= swappedAt - 100,
      `new cert first seen ${after.firstMs} ms, swap at ${swappedAt}`,
    );
    assert.ok(
      after.firstMs <= swappedAt + 1000,
      `new cert first seen ${after.firstMs} ms, swap at ${swappedAt}`,
    );
    assert.ok(before.lastMs < after.lastMs);
    assert.equal(before.probes + after.probes, e.totalRequests);
    assert.deepEqual(e.protocols, { h2: e.totalRequests });
    // The reload's GOAWAY is retried on a new connection: no probe fails.
    assert.equal(e.totalErrors, 0, JSON.stringify(e.errorCodes));
    const text = renderText(lastDoc!);
    assert.match(
      text,
      /CHANGED: certificate changed at \+\d\.\d\d s: 127\.0\.0\.1 \(issuer 127\.0\.0\.1,.* → 127\.0\.0\.1 \(issuer zerodown test CA,/,
    );
  });
});
