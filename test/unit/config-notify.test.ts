/** The `report:` and `notify:` config sections: defaults, secrets from the environment, errors. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseConfigText } from '../../src/config/load.ts';
import { resolveConfig } from '../../src/config/resolve.ts';

const load = (yaml: string, env: Record<string, string> = {}) =>
  resolveConfig(parseConfigText(`endpoints: [{ url: http://127.0.0.1:9/ }]\n${yaml}`, env));

describe('report: and notify:', () => {
  test('report files by format; the flags win', () => {
    const yaml =
      'report: { json: r.json, markdown: r.md, junit: r.xml, html: r.html, out: p.ndjson }';
    assert.deepEqual(
      { ...load(yaml).report },
      { json: 'r.json', markdown: 'r.md', junit: 'r.xml', html: 'r.html', out: 'p.ndjson' },
    );
    const raw = parseConfigText(`endpoints: [{ url: http://127.0.0.1:9/ }]\n${yaml}`, {});
    assert.equal(resolveConfig(raw, { html: 'flag.html' }).report.html, 'flag.html');
    assert.equal(resolveConfig(raw, { out: '-' }).report.out, '-');
  });

  test('defaults: on failure, 2 retries, 10 s per attempt; secrets from ${VAR}', () => {
    const n = load(
      [
        'notify:',
        '  slack: { webhookUrl: "${SLACK_WEBHOOK}" }',
        '  webhook: { url: "https://hooks.example.com/z", secret: "${HOOK_SECRET}", on: always }',
        '  email:',
        '    smtp: { host: smtp.example.com, port: 465, user: ci, pass: "${SMTP_PASS}" }',
        '    from: zerodown@example.com',
        '    to: oncall@example.com',
      ].join('\n'),
      { SLACK_WEBHOOK: 'https://hooks.slack.com/services/T/B/X', HOOK_SECRET: 'h', SMTP_PASS: 'p' },
    ).notify!;
    assert.equal(n.retries, 2);
    assert.equal(n.timeoutMs, 10_000);
    assert.deepEqual(n.slack, {
      webhookUrl: 'https://hooks.slack.com/services/T/B/X',
      on: 'failure',
    });
    assert.equal(n.webhook!.secret, 'h');
    assert.equal(n.webhook!.on, 'always');
    assert.equal(n.email!.secure, true, 'port 465 is implicit TLS');
    assert.equal(n.email!.pass, 'p');
    assert.deepEqual(n.email!.to, ['oncall@example.com']);
    assert.equal(load('').notify, undefined);
  });

  test('mistakes name their field', () => {
    const cases: [string, RegExp][] = [
      [
        'notify: { slack: { webhookUrl: "https://h.example/x", chanel: ops } }',
        /^notify\.slack\.chanel: unknown key$/,
      ],
      [
        'notify: { webhook: { url: ftp://x } }',
        /^notify\.webhook\.url: expected an http\(s\) URL$/,
      ],
      ['notify: { on: sometimes }', /^notify\.on: expected failure or always$/],
      ['notify: { retries: 11 }', /^notify\.retries: at most 10$/],
      [
        'notify: { email: { smtp: { host: h }, from: a@b.c } }',
        /^notify\.email\.to: expected an address or a list of addresses$/,
      ],
      [
        'notify: { slack: { webhookUrl: "${NOPE}" } }',
        /^notify\.slack\.webhookUrl: environment variable NOPE is not set/,
      ],
      ['report: { pdf: r.pdf }', /^report\.pdf: unknown key$/],
    ];
    for (const [yaml, message] of cases) assert.throws(() => load(yaml), { message }, yaml);
  });
});
