/**
 * Certificates and protocols in the result: the tracker (one entry per fingerprint, in order of
 * first appearance, overlap kept), what reports say from those facts (text, Markdown, HTML say
 * the same change), a saved document with them validates, and the GOAWAY error key.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CertificateTracker, certificateChanges } from '../../src/analysis/certificates.ts';
import type { CertificateFacts } from '../../src/probe/certificates.ts';
import { classifyError, GOAWAY, isStaleConnectionError } from '../../src/probe/classify.ts';
import { renderHtml } from '../../src/report/html.ts';
import { parseResult } from '../../src/report/json.ts';
import { renderMarkdown } from '../../src/report/markdown.ts';
import { renderText } from '../../src/report/text.ts';
import type { ResultDocument } from '../../src/result.ts';

const OLD: CertificateFacts = {
  subject: 'api.example',
  issuer: 'Old CA',
  fingerprint256:
    'AA:11:22:33:44:55:66:77:88:99:00:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:00:AA:BB:CC:01',
  validTo: '2026-12-31T00:00:00.000Z',
};
const NEW: CertificateFacts = {
  ...OLD,
  issuer: 'New CA',
  fingerprint256:
    'BB:11:22:33:44:55:66:77:88:99:00:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:00:AA:BB:CC:02',
  validTo: '2027-06-30T00:00:00.000Z',
};

describe('CertificateTracker', () => {
  test('one entry per fingerprint, first/last seen and probes; changes in order', () => {
    const t = new CertificateTracker();
    for (const [cert, ms] of [
      [OLD, 0],
      [OLD, 100],
      [NEW, 200],
      [OLD, 300], // a keep-alive connection opened before the rotation
      [NEW, 400],
    ] as const) {
      t.add(cert, ms);
    }
    const certs = t.certificates();
    assert.deepEqual(
      certs.map((c) => [c.issuer, c.firstMs, c.lastMs, c.probes]),
      [
        ['Old CA', 0, 300, 3],
        ['New CA', 200, 400, 2],
      ],
    );
    const changes = certificateChanges(certs);
    assert.equal(changes.length, 1);
    assert.equal(changes[0]!.atMs, 200);
    assert.equal(changes[0]!.from.issuer, 'Old CA');
    assert.deepEqual(certificateChanges(certs.slice(0, 1)), []);
  });
});

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

/** The downtime fixture with a rotated certificate and h2 on its first endpoint. */
function rotated(): ResultDocument {
  const file = here('../fixtures/result-downtime.json');
  const doc = parseResult(readFileSync(file, 'utf8'), file);
  const t = new CertificateTracker();
  t.add(OLD, 0);
  t.add(OLD, 4800);
  t.add(NEW, 4500);
  t.add(NEW, 9000);
  const e = doc.endpoints[0]!;
  e.certificates = t.certificates();
  e.protocols = { h2: e.totalRequests };
  return doc;
}

describe('reports of certificates', () => {
  test('text, Markdown and HTML all say the certificate changed, when, from what to what', () => {
    const doc = rotated();
    const change = 'certificate changed at +4.50 s';
    const from =
      'api.example (issuer Old CA, valid to 2026-12-31, SHA-256 AA:11:22:33…AA:BB:CC:01)';
    const to = 'api.example (issuer New CA, valid to 2027-06-30, SHA-256 BB:11:22:33…AA:BB:CC:02)';
    const text = renderText(doc);
    assert.ok(
      text.includes(`    CHANGED: ${change}: ${from} → ${to}; the old one served until +4.80 s`),
      text,
    );
    assert.ok(text.includes(`    protocols: h2 ${doc.endpoints[0]!.totalRequests}`), text);
    const md = renderMarkdown(doc);
    assert.ok(md.includes('### Certificates'), md);
    assert.ok(md.includes(`- ⚠️ **${doc.endpoints[0]!.name}:** ${change}: `), md);
    const html = renderHtml(doc);
    assert.ok(html.includes('<h2>Certificates</h2>'));
    assert.ok(html.includes(`class="zd-cert-changed"`));
    assert.ok(html.includes(`${change}: ${from} → ${to}`));
  });

  test('an unchanged certificate is one plain line; none, nothing', () => {
    const doc = rotated();
    doc.endpoints[0]!.certificates = doc.endpoints[0]!.certificates!.slice(0, 1);
    const text = renderText(doc);
    assert.ok(text.includes('    certificate api.example (issuer Old CA'), text);
    assert.ok(!text.includes('CHANGED'));
    assert.ok(!renderMarkdown(doc).includes('⚠️'));
    delete doc.endpoints[0]!.certificates;
    delete doc.endpoints[0]!.protocols;
    assert.ok(!renderText(doc).includes('certificate'));
    assert.ok(!renderMarkdown(doc).includes('### Certificates'));
  });

  test('a saved document with certificates and protocols validates; a wrong type does not', () => {
    const doc = rotated();
    assert.deepEqual(
      parseResult(JSON.stringify(doc)).endpoints[0]!.certificates,
      doc.endpoints[0]!.certificates,
    );
    const bad = JSON.parse(JSON.stringify(doc)) as { endpoints: { certificates: unknown[] }[] };
    bad.endpoints[0]!.certificates[0] = { subject: 1 };
    assert.throws(() => parseResult(JSON.stringify(bad)), /certificates/);
  });
});

describe('GOAWAY', () => {
  test('undici reports it as a SocketError: h2:GOAWAY, retry-worthy; other socket errors are not it', () => {
    const goaway = Object.assign(new Error('HTTP/2: "GOAWAY" frame received with code 0'), {
      code: 'UND_ERR_SOCKET',
    });
    assert.equal(classifyError(goaway), GOAWAY);
    assert.equal(GOAWAY, 'h2:GOAWAY');
    assert.ok(isStaleConnectionError(goaway));
    const closed = Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' });
    assert.equal(classifyError(closed), 'ECONNRESET');
  });
});
