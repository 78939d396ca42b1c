/**
 * Reports and notifications from the built binary: `report --format` for every renderer, the
 * report flags and `report:` keys of run/probe/serve, the GitHub job summary and annotations,
 * and notifications that fail without touching the exit code.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { ResultDocument } from '../../src/result.ts';
import { runCli } from '../helpers/cli.ts';
import { FaultServer, sleep } from '../helpers/fault-server.ts';
import { startServe } from '../helpers/serve.ts';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const FIXTURE = here('../fixtures/result-downtime.json');
const dir = mkdtempSync(join(tmpdir(), 'zd-reports-'));

/** A webhook receiver answering `status` to everything. */
async function hookSink(status: number) {
  const bodies: string[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      bodies.push(body);
      res.statusCode = status;
      res.end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    bodies,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

describe('zerodown report --format', () => {
  for (const [format, check] of [
    [
      'markdown',
      (out: string) =>
        assert.equal(out, readFileSync(here('../golden/result-downtime.md.golden'), 'utf8')),
    ],
    [
      'junit',
      (out: string) =>
        assert.equal(out, readFileSync(here('../golden/result-downtime.junit.xml'), 'utf8')),
    ],
    [
      'html',
      (out: string) =>
        assert.match(
          out,
          /^<!doctype html>[\s\S]*<title>zerodown FAIL: Downtime happened<\/title>/,
        ),
    ],
    [
      'json',
      (out: string) => assert.deepEqual(JSON.parse(out), JSON.parse(readFileSync(FIXTURE, 'utf8'))),
    ],
    ['text', (out: string) => assert.match(out, /^zerodown 0\.1\.0: Downtime happened/)],
  ] as const) {
    test(`${format}: renders the saved result of a failed run, exits 0`, async () => {
      const r = await runCli(['report', FIXTURE, '--format', format]);
      assert.equal(r.code, 0, r.stderr);
      check(r.stdout);
    });
  }

  test('-o writes the file and exits 0; --fail exits with the verdict', async () => {
    const out = join(dir, 'again.html');
    const r = await runCli(['report', FIXTURE, '--format', 'html', '-o', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(readFileSync(out, 'utf8'), /var uPlot=function/);
    const failing = await runCli(['report', FIXTURE, '--format', 'html', '-o', out, '--fail']);
    assert.equal(failing.code, 1, "the failed result's own exit code");
    assert.match(readFileSync(out, 'utf8'), /var uPlot=function/, 'rendered all the same');
  });
});

describe('run and probe write the reports', () => {
  let target: FaultServer;
  before(async () => (target = await FaultServer.start()));
  after(() => target.close());

  test('probe --html --markdown --junit --json, on GitHub Actions: summary and annotations', async () => {
    const files = Object.fromEntries(
      ['html', 'markdown', 'junit', 'json'].map((k) => [k, join(dir, `probe.${k}`)]),
    );
    const summary = join(dir, 'step-summary.md');
    writeFileSync(summary, '# earlier step\n');
    const outage = (async () => {
      // 0.5 s into the run, counted by the target: priming sends ~13 requests before time zero.
      while (target.requests < 13 + 25) await sleep(5);
      await target.outage({ kind: 'status', status: 503 }, 300);
    })();
    const r = await runCli(
      [
        'probe',
        '-u',
        target.url('/p'),
        '--rate',
        '50',
        '--duration',
        '2s',
        '--no-progress',
        ...Object.entries(files).flatMap(([k, f]) => [`--${k}`, f]),
      ],
      { env: { GITHUB_STEP_SUMMARY: summary, GITHUB_ACTIONS: 'true' } },
    );
    await outage;
    assert.equal(r.code, 1, r.stderr);
    assert.match(
      r.stdout,
      /^::error title=Downtime::\/p \(GET http:\/\/127\.0\.0\.1:\d+\/p\): 1 window, /m,
    );
    for (const f of Object.values(files)) assert.ok(existsSync(f), f);
    assert.match(
      readFileSync(files.html!, 'utf8'),
      /<title>zerodown FAIL: Downtime happened<\/title>/,
    );
    assert.match(readFileSync(files.junit!, 'utf8'), /<failure message="1 window, /);
    const md = readFileSync(files.markdown!, 'utf8');
    assert.equal(
      readFileSync(summary, 'utf8'),
      `# earlier step\n${md}\n`,
      'appended, not replaced',
    );
    assert.match(md, /^## ❌ zerodown 0\.1\.0: Downtime happened/);
    const again = await runCli(['report', files.json!, '--format', 'markdown']);
    assert.equal(again.stdout, md, 'the same Markdown from the saved result');
  });

  test('report: keys in the config; a failing webhook is retried, logged, and changes nothing', async () => {
    const sink = await hookSink(500);
    const cfg = join(dir, 'zerodown.yml');
    writeFileSync(
      cfg,
      [
        'endpoints: [{ url: ' + target.url('/r') + ' }]',
        'report:',
        `  html: ${join(dir, 'cfg.html')}`,
        `  junit: ${join(dir, 'cfg.xml')}`,
        'notify:',
        '  retries: 1',
        '  webhook:',
        `    url: ${sink.url}`,
        '    on: always',
      ].join('\n'),
    );
    try {
      const r = await runCli([
        'run',
        '-c',
        cfg,
        '--rate',
        '20',
        '--warmup',
        '300ms',
        '--settle',
        '300ms',
        '--no-progress',
        '--',
        'true',
      ]);
      assert.equal(r.code, 0, `no downtime: exit 0 whatever the webhook says\n${r.stderr}`);
      assert.ok(existsSync(join(dir, 'cfg.html')) && existsSync(join(dir, 'cfg.xml')));
      assert.equal(sink.bodies.length, 2, 'one retry');
      assert.equal((JSON.parse(sink.bodies[0]!) as ResultDocument).verdict, 'pass');
      assert.match(
        r.stderr,
        /notify webhook \(http:\/\/127\.0\.0\.1:\d+\): attempt 1 of 2 failed: HTTP 500; retrying in 1 s/,
      );
      assert.match(
        r.stderr,
        /failed after 2 attempts: HTTP 500 \(the verdict and exit code are unchanged\)/,
      );
    } finally {
      await sink.close();
    }
  });
});

describe('serve writes the reports and notifies when a run stops', () => {
  let target: FaultServer;
  before(async () => (target = await FaultServer.start()));
  after(() => target.close());

  test('report files, the webhook, and the stop command’s job summary', async () => {
    const sink = await hookSink(200);
    const cfg = join(dir, 'serve.yml');
    writeFileSync(
      cfg,
      [
        `endpoints: [{ url: ${target.url('/s')} }]`,
        'defaults: { rate: 20 }',
        `report: { html: ${join(dir, 'serve.html')}, markdown: ${join(dir, 'serve.md')}, junit: ${join(dir, 'serve.xml')} }`,
        `notify: { webhook: { url: ${sink.url}, on: always } }`,
      ].join('\n'),
    );
    const serve = await startServe(['-c', cfg, '--data-dir', join(dir, 'serve-data')]);
    try {
      const env = {
        ZERODOWN_SERVER: serve.url,
        GITHUB_STEP_SUMMARY: join(dir, 'serve-summary.md'),
      };
      assert.equal((await runCli(['start'], { env })).code, 0);
      await sleep(600);
      const stop = await runCli(['stop', '-q'], { env });
      assert.equal(stop.code, 0, stop.stderr);
      assert.match(readFileSync(join(dir, 'serve-summary.md'), 'utf8'), /^## ✅ zerodown/);
      for (let i = 0; i < 50 && sink.bodies.length === 0; i++) await sleep(100);
      assert.equal(sink.bodies.length, 1);
      assert.equal((JSON.parse(sink.bodies[0]!) as ResultDocument).running, false);
      for (const f of ['serve.html', 'serve.md', 'serve.xml'])
        assert.ok(existsSync(join(dir, f)), f);
    } finally {
      await serve.stop();
      await sink.close();
    }
  });
});
