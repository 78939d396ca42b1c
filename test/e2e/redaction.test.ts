/**
 * Secrets never leave in an output: planted in query strings (built-in names and one added by
 * `redact:`), URL user-info, request headers, the Slack webhook URL, the webhook's URL, secret
 * and headers, and the SMTP password, they appear in no output of a `run` (stdout, stderr, every
 * report file, the GitHub job summary and annotations, Slack, the webhook, the email and its HTML
 * attachment) nor of a `serve` run (its answers, /metrics, /report, its log, its data dir).
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SMTPServer } from 'smtp-server';
import { runCli } from '../helpers/cli.ts';
import { FaultServer } from '../helpers/fault-server.ts';
import { startServe } from '../helpers/serve.ts';

const dir = mkdtempSync(join(tmpdir(), 'zerodown-redact-'));

/** Every planted secret shares this prefix, so one search finds any of them. */
const MARK = 'PLANTED';

/** Fails naming the output and the first secret in it. */
function assertClean(what: string, text: string): void {
  const at = text.indexOf(MARK);
  assert.equal(at, -1, `${what} leaks a secret: …${text.slice(Math.max(0, at - 60), at + 40)}…`);
}

/** Records every request (Slack and the webhook post here). */
async function sink(): Promise<{ url: string; bodies: string[]; close: () => void }> {
  const bodies: string[] = [];
  const server = http.createServer((req, res) => {
    let body = `${req.method} ${req.url}\n${JSON.stringify(req.headers)}\n`;
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      bodies.push(body);
      res.end('ok');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, bodies, close: () => server.close() };
}

describe('no secret leaves in any output', () => {
  let target: FaultServer;
  let hooks: Awaited<ReturnType<typeof sink>>;
  let smtp: SMTPServer;
  let smtpPort: number;
  const mails: string[] = [];
  let config: string;

  before(async () => {
    target = await FaultServer.start();
    hooks = await sink();
    smtp = new SMTPServer({
      authOptional: true,
      allowInsecureAuth: true,
      disabledCommands: ['STARTTLS'],
      onAuth: (_auth, _session, cb) => cb(null, { user: 'u' }),
      onData: (stream, _session, cb) => {
        let m = '';
        stream.on('data', (c: Buffer) => (m += c.toString()));
        stream.on('end', () => {
          mails.push(m);
          cb();
        });
      },
    });
    smtp.listen(0, '127.0.0.1');
    await once(smtp.server, 'listening');
    smtpPort = (smtp.server.address() as AddressInfo).port;
    const origin = new URL(target.url('/')).host;
    config = join(dir, 'zerodown.yml');
    writeFileSync(
      config,
      `baseUrl: http://deploy:${MARK}pass1@${origin}
defaults:
  rate: 50
  headers: { Authorization: "Bearer ${MARK}token2", X-Api-Key: ${MARK}key3 }
endpoints:
  - url: /health?api_key=${MARK}key4&page=1
  - url: /fn?code=${MARK}code5&X-Amz-Signature=${MARK}sig6
  - url: /t?tenant=${MARK}tenant7
redact: { query: [tenant] }
notify:
  on: always
  slack: { webhookUrl: "${hooks.url}/services/T000/B000/${MARK}slack8" }
  webhook:
    url: "${hooks.url}/hook?token=${MARK}hook9"
    secret: ${MARK}hmac10
    headers: { Authorization: "Bearer ${MARK}hookauth11" }
  email:
    smtp: { host: 127.0.0.1, port: ${smtpPort}, secure: false, user: u, pass: ${MARK}smtp12 }
    from: zerodown@example.com
    to: oncall@example.com
`,
    );
  });
  after(async () => {
    await target.close();
    hooks.close();
    await new Promise<void>((r) => smtp.close(() => r()));
  });

  test('a run with downtime: stdout, stderr, every report, GitHub, Slack, webhook, email', async () => {
    const files = ['json', 'html', 'markdown', 'junit'].map((f) => join(dir, `out.${f}`));
    const summary = join(dir, 'summary.md');
    writeFileSync(summary, '');
    const breaks = `curl -s -o /dev/null '${target.controlUrl(503, 300)}&key=${MARK}cmd13'`;
    const r = await runCli(
      [
        'run',
        '-c',
        config,
        '--warmup',
        '500ms',
        '--settle',
        '500ms',
        '--no-progress',
        ...['--json', '--html', '--markdown', '--junit'].flatMap((f, i) => [f, files[i]!]),
        '--',
        breaks,
      ],
      { env: { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summary } },
    );
    assert.equal(r.code, 1, r.stdout + r.stderr);
    // The probes did carry the secrets: redaction is of outputs, not of what is sent.
    const sent = [...target.seen].find(([url]) => url.includes(`api_key=${MARK}key4`));
    assert.ok(sent, [...target.seen.keys()].join(' '));
    assert.equal(sent[1]['x-api-key'], `${MARK}key3`);
    // User-info goes as Basic auth (as curl sends it) unless a header says otherwise.
    assert.equal(sent[1].authorization, `Bearer ${MARK}token2`);
    assertClean('stdout', r.stdout);
    assertClean('stderr', r.stderr);
    for (const f of [...files, summary]) assertClean(f, readFileSync(f, 'utf8'));
    const doc = readFileSync(files[0]!, 'utf8');
    assert.match(doc, /api_key=\*\*\*&page=1/);
    assert.match(doc, /tenant=\*\*\*/);
    assert.match(doc, /"command": "curl -s -o \/dev\/null 'http:\/\/[^']*key=\*\*\*'"/);
    assert.equal(hooks.bodies.length, 2, 'Slack and the webhook');
    for (const b of hooks.bodies.map((b) => b.split('\n').slice(2).join('\n'))) {
      assertClean('a notification body', b);
    }
    assert.equal(mails.length, 1);
    assertClean('the email', mails[0]!);
  });

  test('a serve run: answers, /metrics, /report, its log and its data dir', async () => {
    const data = mkdtempSync(join(dir, 'data-'));
    const serve = await startServe(['-c', config, '--data-dir', data]);
    try {
      const get = async (path: string, method = 'GET') => {
        const res = await fetch(`${serve.url}${path}`, { method });
        return `${res.status} ${await res.text()}`;
      };
      assertClean('/start', await get('/start', 'POST'));
      await new Promise((r) => setTimeout(r, 600));
      for (const path of ['/stats', '/verdict', '/metrics', '/report']) {
        assertClean(path, await get(path));
      }
      assertClean('/stop', await get('/stop', 'POST'));
      for (const f of readdirSync(data)) assertClean(f, readFileSync(join(data, f), 'utf8'));
    } finally {
      await serve.stop();
    }
    assertClean('the server log', serve.output());
  });
});
