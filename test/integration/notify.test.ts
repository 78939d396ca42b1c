/**
 * Notifications delivered for real on loopback: Slack and a generic webhook received by a local
 * HTTP server (bodies checked, the HMAC verified), email received by a local SMTP server
 * (smtp-server) and parsed (postal-mime). Retries with backoff, permanent failures, and never a
 * thrown error. Secrets come through the config's `${VAR}` interpolation, as users give them.
 */
import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import PostalMime from 'postal-mime';
import { SMTPServer } from 'smtp-server';
import { parseConfigText } from '../../src/config/load.ts';
import { resolveConfig, type NotifyConfig } from '../../src/config/resolve.ts';
import { sendNotifications } from '../../src/notify/dispatch.ts';
import { parseResult, renderJson } from '../../src/report/json.ts';
import type { ResultDocument } from '../../src/result.ts';
import { syntheticResult } from '../helpers/result-doc.ts';

const FIXTURE = fileURLToPath(new URL('../fixtures/result-downtime.json', import.meta.url));
const failed = (): ResultDocument => parseResult(readFileSync(FIXTURE, 'utf8'));
const passed = () => syntheticResult({ seconds: 5, rate: 2, endpoints: [{ name: 'health' }] });

interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** A local HTTP server that records what it receives and answers with scripted statuses. */
class Sink {
  readonly received: Received[] = [];
  /** Statuses for the next requests, in order; 200 once used up. */
  script: number[] = [];
  private readonly server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      this.received.push({
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks),
      });
      res.statusCode = this.script.shift() ?? 200;
      res.end(res.statusCode === 200 ? 'ok' : 'no');
    });
  });

  async start(): Promise<this> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    return this;
  }

  url(path: string): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}${path}`;
  }

  take(prefix: string): Received[] {
    const got = this.received.filter((r) => r.path.startsWith(prefix));
    this.received.splice(0, this.received.length, ...this.received.filter((r) => !got.includes(r)));
    return got;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** A `notify:` section as a config file would say it, with secrets from `env`. */
function notifyOf(yaml: string, env: Record<string, string> = {}): NotifyConfig {
  const raw = parseConfigText(`endpoints: [{ url: http://127.0.0.1:9/ }]\nnotify:\n${yaml}`, env);
  return resolveConfig(raw).notify!;
}

const quiet = { log: () => {}, backoffMs: 20 };

describe('Slack and webhook notifications', () => {
  let sink: Sink;
  before(async () => (sink = await new Sink().start()));
  after(() => sink.close());

  test('Slack gets the verdict, the longest incidents and the report link', async () => {
    const notify = notifyOf(
      `  reportUrl: https://ci.example.com/runs/42\n  slack: { webhookUrl: "\${SLACK_WEBHOOK}" }\n`,
      { SLACK_WEBHOOK: sink.url('/services/T000/B000/secret') },
    );
    const outcomes = await sendNotifications(failed(), notify, quiet);
    assert.deepEqual(outcomes, [{ channel: 'slack', ok: true, attempts: 1 }]);
    const [got] = sink.take('/services/');
    assert.equal(got!.headers['content-type'], 'application/json');
    const msg = JSON.parse(got!.body.toString()) as {
      text: string;
      blocks: { text?: { text: string } }[];
    };
    assert.match(
      msg.text,
      /^zerodown FAIL: Downtime happened: 1 of 2 endpoints over the downtime budget: health\.$/,
    );
    const texts = msg.blocks.map((b) => b.text?.text ?? '').join('\n');
    assert.match(
      texts,
      /\*Incidents\*\n• \*health\* \+2\.65 s → \+4\.10 s: 1\.45 s partial outage during deploy: 72 % of 29 probes failed \(503 x14, timeout x7\) in 2 windows/,
    );
    assert.match(texts, /<https:\/\/ci\.example\.com\/runs\/42\|Open the report>/);
  });

  test('the webhook gets the result document, signed with HMAC-SHA256', async () => {
    const notify = notifyOf(
      `  webhook:\n    url: ${sink.url('/hook')}\n    secret: \${HOOK_SECRET}\n    headers: { X-Team: payments }\n`,
      { HOOK_SECRET: 'hmac-s3cret' },
    );
    const doc = failed();
    await sendNotifications(doc, notify, quiet);
    const [got] = sink.take('/hook');
    assert.deepEqual(JSON.parse(got!.body.toString()), doc);
    assert.equal(got!.body.toString(), renderJson(doc));
    assert.equal(got!.headers['x-zerodown-verdict'], 'fail');
    assert.equal(got!.headers['x-team'], 'payments');
    const signature = String(got!.headers['x-zerodown-signature-256']);
    const expected = `sha256=${createHmac('sha256', 'hmac-s3cret').update(got!.body).digest('hex')}`;
    assert.ok(timingSafeEqual(Buffer.from(signature), Buffer.from(expected)), 'HMAC verifies');
    const forged = `sha256=${createHmac('sha256', 'other').update(got!.body).digest('hex')}`;
    assert.notEqual(signature, forged);
  });

  test('on: failure (the default) stays quiet on a pass; on: always does not', async () => {
    const notify = notifyOf(
      `  slack: { webhookUrl: ${sink.url('/quiet/slack')} }\n  webhook: { url: ${sink.url('/quiet/hook')}, on: always }\n`,
    );
    const outcomes = await sendNotifications(passed(), notify, quiet);
    assert.deepEqual(
      outcomes.map((o) => o.channel),
      ['webhook'],
    );
    assert.equal(sink.take('/quiet/slack').length, 0);
    assert.equal(sink.take('/quiet/hook').length, 1);
  });

  test('a 503 is retried with backoff until it goes through; a 404 is not retried', async () => {
    const logs: string[] = [];
    const notify = notifyOf(`  retries: 3\n  webhook: { url: ${sink.url('/flaky')} }\n`);
    sink.script = [503, 503];
    const t0 = performance.now();
    const [ok] = await sendNotifications(failed(), notify, {
      log: (l) => logs.push(l),
      backoffMs: 50,
    });
    const ms = performance.now() - t0;
    assert.deepEqual(ok, { channel: 'webhook', ok: true, attempts: 3 });
    assert.equal(sink.take('/flaky').length, 3);
    assert.ok(ms >= 50 + 100 - 5, `backoff 50 ms then 100 ms: took ${ms} ms`);
    assert.match(
      logs[0]!,
      /notify webhook \(http:\/\/127\.0\.0\.1:\d+\): attempt 1 of 4 failed: HTTP 503: no; retrying in 50 ms/,
    );
    assert.match(logs.at(-1)!, /: sent on attempt 3$/);

    sink.script = [404];
    const [gone] = await sendNotifications(failed(), notify, {
      log: (l) => logs.push(l),
      backoffMs: 50,
    });
    assert.deepEqual(gone, { channel: 'webhook', ok: false, attempts: 1, error: 'HTTP 404: no' });
    assert.match(logs.at(-1)!, /failed: HTTP 404: no \(the verdict and exit code are unchanged\)/);
  });

  test('an unreachable endpoint: bounded attempts, logged, never thrown; no secret in logs', async () => {
    const dead = new Sink();
    await dead.start();
    const url = dead.url('/services/T/B/very-secret-path');
    await dead.close();
    const logs: string[] = [];
    const notify = notifyOf(`  retries: 1\n  timeout: 1s\n  slack: { webhookUrl: ${url} }\n`);
    const [outcome] = await sendNotifications(failed(), notify, {
      log: (l) => logs.push(l),
      backoffMs: 10,
    });
    assert.equal(outcome!.ok, false);
    assert.equal(outcome!.attempts, 2);
    assert.match(outcome!.error!, /ECONNREFUSED/);
    assert.equal(logs.length, 2);
    assert.ok(
      logs.every((l) => !l.includes('very-secret-path')),
      logs.join('\n'),
    );
  });
});

describe('email notifications', () => {
  let smtp: SMTPServer;
  let port: number;
  const messages: Buffer[] = [];
  let rejectNext = 0;

  before(async () => {
    smtp = new SMTPServer({
      logger: false,
      disabledCommands: ['STARTTLS'],
      allowInsecureAuth: true,
      onAuth(auth, _session, callback) {
        if (auth.username === 'ci' && auth.password === 'mail-s3cret')
          callback(null, { user: 'ci' });
        else callback(new Error('invalid credentials'));
      },
      onData(stream, _session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          if (rejectNext > 0) {
            rejectNext--;
            callback(Object.assign(new Error('mailbox busy, try later'), { responseCode: 451 }));
            return;
          }
          messages.push(Buffer.concat(chunks));
          callback();
        });
      },
    });
    smtp.listen(0, '127.0.0.1');
    await once(smtp.server, 'listening');
    port = (smtp.server.address() as AddressInfo).port;
  });
  after(() => new Promise<void>((resolve) => smtp.close(() => resolve())));

  const emailNotify = () =>
    notifyOf(
      `  reportUrl: https://ci.example.com/runs/42\n  email:\n    smtp: { host: 127.0.0.1, port: ${port}, user: ci, pass: "\${SMTP_PASS}" }\n    from: zerodown@ci.example.com\n    to: [oncall@example.com, team@example.com]\n`,
      { SMTP_PASS: 'mail-s3cret' },
    );

  test('the message arrives with the verdict, the text report, the link and the HTML report', async () => {
    const [outcome] = await sendNotifications(failed(), emailNotify(), quiet);
    assert.deepEqual(outcome, { channel: 'email', ok: true, attempts: 1 });
    const mail = await PostalMime.parse(messages.pop()!);
    assert.equal(mail.subject, 'zerodown FAIL: downtime on health (1.05 s)');
    assert.equal(mail.from?.address, 'zerodown@ci.example.com');
    assert.deepEqual(
      mail.to?.map((a) => a.address),
      ['oncall@example.com', 'team@example.com'],
    );
    assert.match(
      mail.text!,
      /^Report: https:\/\/ci\.example\.com\/runs\/42\n\nzerodown 0\.1\.0: Downtime happened/,
    );
    assert.match(
      mail.text!,
      /incident 1: \+2\.65 s → \+4\.10 s, 1\.45 s partial outage during deploy: 72 % of 29/,
    );
    assert.equal(mail.attachments.length, 1);
    const report = mail.attachments[0]!;
    assert.equal(report.filename, 'zerodown-report.html');
    assert.equal(report.mimeType, 'text/html');
    const html =
      typeof report.content === 'string'
        ? report.content
        : new TextDecoder().decode(report.content);
    assert.match(html, /<title>zerodown FAIL: Downtime happened<\/title>/);
  });

  test('a temporary SMTP refusal (451) is retried; wrong credentials are not', async () => {
    rejectNext = 1;
    const logs: string[] = [];
    const [outcome] = await sendNotifications(failed(), emailNotify(), {
      log: (l) => logs.push(l),
      backoffMs: 20,
    });
    assert.deepEqual(outcome, { channel: 'email', ok: true, attempts: 2 });
    assert.match(logs[0]!, /notify email \(127\.0\.0\.1:\d+\): attempt 1 of 3 failed: .*451/);
    assert.ok(messages.length > 0);

    const wrong = notifyOf(
      `  email:\n    smtp: { host: 127.0.0.1, port: ${port}, user: ci, pass: wrong }\n    from: a@example.com\n    to: b@example.com\n`,
    );
    const [denied] = await sendNotifications(failed(), wrong, quiet);
    assert.equal(denied!.ok, false);
    assert.equal(denied!.attempts, 1, 'a 535 is permanent');
  });
});
