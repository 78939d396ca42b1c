import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseConfigText } from '../../src/config/load.ts';
import { resolveConfig } from '../../src/config/resolve.ts';
import { isSecretHeaderName, isSecretQueryName, Redactor, redactUrl } from '../../src/redact.ts';

describe('redaction', () => {
  test('secret query names, case-insensitive, with the usual prefixes and parts', () => {
    for (const name of ['key', 'API_KEY', 'apikey', 'code', 'sig', 'Signature', 'token']) {
      assert.ok(isSecretQueryName(name), name);
    }
    for (const name of ['access_token', 'X-Amz-Credential', 'x-goog-signature', 'client_secret']) {
      assert.ok(isSecretQueryName(name), name);
    }
    for (const name of ['page', 'q', 'id', 'version', 'region']) {
      assert.ok(!isSecretQueryName(name), name);
    }
    assert.ok(isSecretQueryName('tenant', ['Tenant']));
    assert.ok(isSecretHeaderName('Authorization') && isSecretHeaderName('x-auth-token'));
    assert.ok(!isSecretHeaderName('content-type') && isSecretHeaderName('x-team', ['X-Team']));
  });

  test('URLs: user-info and secret values masked, everything else byte for byte', () => {
    const cases: [string, string][] = [
      [
        'https://u:p@h.example/x?api_key=s&page=2#f',
        'https://***@h.example/x?api_key=***&page=2#f',
      ],
      ['https://h.example/fn?code=abc%3D%3D', 'https://h.example/fn?code=***'],
      [
        'https://b.s3.example/o?X-Amz-Signature=ab&X-Amz-Date=1',
        'https://b.s3.example/o?X-Amz-Signature=***&X-Amz-Date=***',
      ],
      ['http://h/x?page=2&q=a%20b', 'http://h/x?page=2&q=a%20b'],
      ['http://h/x?token', 'http://h/x?token'],
      ['not a url', 'not a url'],
    ];
    for (const [url, want] of cases) assert.equal(redactUrl(url), want, url);
  });

  test('free text: URLs in it masked, known secret values blotted (also percent-encoded)', () => {
    const r = new Redactor({}, ['s3cr:t/x', 'abc']);
    assert.equal(
      r.text('GET https://h/x?token=zz failed; used s3cr:t/x and s3cr%3At%2Fx; abc stays (short)'),
      'GET https://h/x?token=*** failed; used *** and ***; abc stays (short)',
    );
  });

  test('a config knows its secrets: URLs, headers, notify credentials', () => {
    const raw = parseConfigText(
      `baseUrl: http://u:pw-12345@h.example
defaults: { headers: { Authorization: Bearer tok-12345 } }
endpoints: [{ url: /x?key=key-12345 }]
notify:
  slack: { webhookUrl: https://hooks.example/services/T/B/slack-12345 }
  webhook: { url: https://w.example/h, secret: hmac-12345 }
  email: { smtp: { host: m, user: u, pass: smtp-12345 }, from: a@b.c, to: d@e.f }
`,
      {},
    );
    const c = resolveConfig(raw);
    assert.equal(c.endpoints[0]!.displayUrl, 'http://***@h.example/x?key=***');
    // User-info is sent as Basic auth only when no Authorization header is configured.
    assert.equal(c.endpoints[0]!.headers.authorization, 'Bearer tok-12345');
    const text = c.redactor.text(
      'pw-12345 tok-12345 key-12345 /services/T/B/slack-12345 hmac-12345 smtp-12345',
    );
    assert.equal(text, '*** *** *** *** *** ***');
  });

  test('user-info alone becomes Basic auth, and its encoding is a secret too', () => {
    const c = resolveConfig(parseConfigText('endpoints: [{ url: "http://me:pa%40ss@h/x" }]', {}));
    const basic = `Basic ${Buffer.from('me:pa@ss').toString('base64')}`;
    assert.equal(c.endpoints[0]!.headers.authorization, basic);
    assert.equal(c.redactor.text(`sent ${basic}`), 'sent ***');
  });
});
