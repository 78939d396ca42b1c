import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { endpointConfig, configOf } from '../helpers/config.ts';
import { tlsConnectOptions } from '../../src/probe/tls.ts';

const dir = mkdtempSync(join(tmpdir(), 'zd-tls-config-'));
const caFile = join(dir, 'ca.pem');
const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
writeFileSync(caFile, PEM);
const notPem = join(dir, 'notes.txt');
writeFileSync(notPem, 'hello');

describe('tcp:// endpoints', () => {
  test('resolve to kind tcp, named by host:port, always a fresh connection, no TLS', () => {
    const e = endpointConfig('tcp://127.0.0.1:5432').endpoints[0]!;
    assert.equal(e.kind, 'tcp');
    assert.equal(e.url, 'tcp://127.0.0.1:5432');
    assert.equal(e.name, 'tcp://127.0.0.1:5432');
    assert.equal(e.connection, 'fresh');
    assert.equal(e.tls, undefined);
  });
  test("tls: true adds a TLS handshake with default options; the defaults' options apply", () => {
    assert.deepEqual(endpointConfig('tcp://db:5432', { tls: true }).endpoints[0]!.tls, {
      ca: undefined,
      insecure: false,
      serverName: undefined,
    });
    const c = configOf({
      defaults: { tls: { insecure: true } },
      endpoints: [
        { url: 'tcp://db:5432', tls: { serverName: 'db.internal' } },
        { url: 'tcp://db:6379' },
      ],
    });
    assert.deepEqual(c.endpoints[0]!.tls, {
      ca: undefined,
      insecure: true,
      serverName: 'db.internal',
    });
    assert.equal(c.endpoints[1]!.tls, undefined, 'options in defaults do not turn TLS on for tcp');
    const on = configOf({
      defaults: { tls: true },
      endpoints: [{ url: 'tcp://db:5432' }, { url: 'tcp://db:6379', tls: false }],
    });
    assert.equal(on.endpoints[0]!.tls?.insecure, false, 'defaults.tls: true does');
    assert.equal(on.endpoints[1]!.tls, undefined, 'an endpoint says tls: false');
  });
  test('a URL without a port, or with a path, is an error naming the field', () => {
    assert.throws(
      () => endpointConfig('tcp://db'),
      /endpoints\[0\]\.url: expected tcp:\/\/host:port \(no port\)/,
    );
    assert.throws(() => endpointConfig('tcp://db:1/x'), /endpoints\[0\]\.url: .*no path/);
  });
  test('HTTP settings on a tcp endpoint are errors naming the field', () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ method: 'POST' }, /endpoints\[0\]\.method: not used by tcp/],
      [{ headers: { a: 'b' } }, /endpoints\[0\]\.headers: not used by tcp/],
      [{ body: 'x' }, /endpoints\[0\]\.body: not used by tcp/],
      [{ expect: { status: 200 } }, /endpoints\[0\]\.expect\.status: not used by tcp/],
      [{ expect: { json: [{ path: '$.a' }] } }, /endpoints\[0\]\.expect\.json: not used by tcp/],
      [{ http2: true }, /endpoints\[0\]\.http2: not used by tcp/],
      [{ connection: 'keepalive' }, /endpoints\[0\]\.connection: /],
    ];
    for (const [settings, want] of cases) {
      assert.throws(
        () => endpointConfig('tcp://db:5432', settings),
        want,
        JSON.stringify(settings),
      );
    }
    // What makes sense for any kind is accepted.
    const e = endpointConfig('tcp://db:5432', { expect: { maxLatency: '50ms' }, rate: 5 });
    assert.equal(e.endpoints[0]!.expect.maxLatencyMs, 50);
  });
});

describe('tls: and http2:', () => {
  test('https endpoints always have TLS settings; http ones none', () => {
    const c = configOf({
      defaults: { tls: { ca: caFile } },
      endpoints: [{ url: 'https://a.example/x' }, { url: 'http://a.example/y' }],
    });
    assert.equal(c.endpoints[0]!.tls?.ca, PEM, 'the CA file is read as PEM text at load');
    assert.equal(c.endpoints[0]!.tls?.insecure, false);
    assert.equal(c.endpoints[1]!.tls, undefined);
  });
  test('a missing or non-PEM CA file is an error naming endpoints[i].tls.ca', () => {
    assert.throws(
      () => endpointConfig('https://a/x', { tls: { ca: join(dir, 'nope.pem') } }),
      /endpoints\[0\]\.tls\.ca: .*nope\.pem: no such file/,
    );
    assert.throws(
      () => endpointConfig('https://a/x', { tls: { ca: notPem } }),
      /endpoints\[0\]\.tls\.ca: .*not a PEM certificate/,
    );
    assert.throws(
      () => configOf({ defaults: { tls: { ca: dir } }, endpoints: [{ url: 'https://a/' }] }),
      /defaults\.tls\.ca: .*cannot read it \(EISDIR\)/,
    );
  });
  test('tls: on http:// and http2: on http:// are errors naming the field', () => {
    assert.throws(
      () => endpointConfig('http://a/x', { tls: { insecure: true } }),
      /endpoints\[0\]\.tls: http:\/\//,
    );
    assert.throws(
      () => endpointConfig('http://a/x', { http2: true }),
      /endpoints\[0\]\.http2: .*https/,
    );
    assert.throws(() => endpointConfig('https://a/x', { tls: { cs: 'x' } }), /endpoints\[0\]\.tls/);
  });
  test('http2 applies to https endpoints (defaults too), never to http ones', () => {
    const c = configOf({
      defaults: { http2: true },
      endpoints: [{ url: 'https://a/x' }, { url: 'http://a/y' }],
    });
    assert.deepEqual(
      c.endpoints.map((e) => e.http2),
      [true, false],
    );
  });
  test('tlsConnectOptions: host, port, SNI only for names, CA, verification', () => {
    const byIp = endpointConfig('https://127.0.0.1:8443/x', { tls: { ca: caFile } }).endpoints[0]!;
    assert.deepEqual(tlsConnectOptions(byIp), {
      host: '127.0.0.1',
      port: 8443,
      ca: PEM,
      rejectUnauthorized: true,
    });
    const named = endpointConfig('https://api.example/x', { tls: { insecure: true } })
      .endpoints[0]!;
    assert.deepEqual(tlsConnectOptions(named), {
      host: 'api.example',
      port: 443,
      servername: 'api.example',
      rejectUnauthorized: false,
    });
    const sni = endpointConfig('tcp://[::1]:993', { tls: { serverName: 'mail.example' } })
      .endpoints[0]!;
    assert.deepEqual(tlsConnectOptions(sni), {
      host: '::1',
      port: 993,
      servername: 'mail.example',
      rejectUnauthorized: true,
    });
  });
});
