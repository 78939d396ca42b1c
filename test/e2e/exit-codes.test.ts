/**
 * End-to-end runs of the built binary: each exit code of the contract (§1), the result file and
 * the report it renders again.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ResultDocument } from '../../src/result.ts';
import { runCli } from '../helpers/cli.ts';
import { FaultServer } from '../helpers/fault-server.ts';

const dir = mkdtempSync(join(tmpdir(), 'zerodown-e2e-'));
const FAST = ['--rate', '50', '--warmup', '500ms', '--settle', '500ms', '--no-progress'];

describe('zerodown run: exit codes', () => {
  let server: FaultServer;
  let url: string;
  before(async () => {
    server = await FaultServer.start();
    url = server.url('/health');
  });
  after(() => server.close());

  test('0: no downtime, deploy succeeded; the deploy output streams through', async () => {
    const r = await runCli([
      'run',
      '-u',
      url,
      ...FAST,
      '--',
      'sh',
      '-c',
      'echo deploying-now; sleep 0.3',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /deploying-now/);
    assert.match(r.stdout, /No downtime happened/);
    assert.match(r.stdout, /Verdict: PASS/);
  });

  test('1: downtime during the deploy, with the window in the JSON result', async () => {
    const json = join(dir, 'down.json');
    // The deploy command breaks the target for 600 ms, as a bad deploy would.
    const deploy = `await fetch('${server.controlUrl(503, 600)}'); await new Promise(r => setTimeout(r, 800))`;
    const r = await runCli([
      'run',
      '-u',
      url,
      ...FAST,
      '--json',
      json,
      '--',
      process.execPath,
      '-e',
      deploy,
    ]);
    const real = await server.outages.at(-1)!;
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /Downtime happened/);
    const doc = JSON.parse(readFileSync(json, 'utf8')) as ResultDocument;
    assert.equal(doc.verdict, 'fail');
    assert.deepEqual(
      doc.phases.map((p) => p.name),
      ['warmup', 'deploy', 'settle'],
    );
    const w = doc.endpoints[0]!.downtime.windows;
    assert.equal(w.length, 1);
    assert.ok(
      Math.abs(w[0]!.durationMs - real.durationMs) <= 40,
      `${w[0]!.durationMs} vs ${real.durationMs}`,
    );
    assert.deepEqual(Object.keys(w[0]!.errorCodes), ['503']);
    assert.equal(doc.deploy!.exitCode, 0);
  });

  test('2: a config mistake names its field and nothing is probed', async () => {
    const cfg = join(dir, 'bad.yml');
    writeFileSync(
      cfg,
      `endpoints:\n  - url: ${url}\n  - url: ${url}2\n    expect: { stauts: 200 }\n`,
    );
    const before = server.requests;
    const r = await runCli(['run', '-c', cfg, '--', 'true']);
    assert.equal(r.code, 2);
    assert.equal(
      r.stderr.trim(),
      'zerodown: endpoints[1].expect.stauts: unknown key (did you mean status?)',
    );
    assert.equal(server.requests, before);
  });

  test('2: a bad flag value', async () => {
    const r = await runCli(['run', '-u', url, '--warmup', 'soon', '--', 'true']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--warmup: not a duration: "soon"/);
  });

  test('3: the deploy command failed and there was no downtime', async () => {
    const r = await runCli(['run', '-u', url, ...FAST, '--', 'sh', '-c', 'exit 7']);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stdout, /exit code 7/);
  });

  for (const [how, command, exitCode] of [
    ['run directly', ['/no/such/command'], null],
    ['a shell line', ['no-such-deploy-command-xyz --prod'], 127],
    ['sh -c, as the GitHub Action runs it', ['sh', '-c', 'no-such-deploy-command-xyz'], 127],
  ] as const) {
    test(`3: a deploy command that does not exist ends the run at once (${how})`, async () => {
      const json = join(dir, `no-such-${command.length}.json`);
      const started = performance.now();
      const r = await runCli([
        'run',
        '-u',
        url,
        '--rate',
        '50',
        '--warmup',
        '1s',
        '--settle',
        '30s',
        '--no-progress',
        '--json',
        json,
        '--',
        ...command,
      ]);
      const tookMs = performance.now() - started;
      assert.equal(r.code, 3, r.stderr);
      // Start-up (~0.5 s) and the 1 s warm-up: the 30 s settle is skipped.
      assert.ok(tookMs < 10_000, `took ${tookMs} ms`);
      assert.match(r.stdout, /could not start: ENOENT/);
      const doc = JSON.parse(readFileSync(json, 'utf8')) as ResultDocument;
      assert.match(doc.deploy!.error!, /^ENOENT: /);
      assert.equal(doc.deploy!.exitCode, exitCode);
      assert.deepEqual(
        doc.phases.map((p) => p.name),
        ['warmup', 'deploy'],
      );
    });
  }

  test('4: an endpoint failing during warm-up blocks the deploy', async () => {
    const marker = join(dir, 'deployed');
    server.mode = { kind: 'status', status: 503 };
    try {
      const r = await runCli(['run', '-u', url, ...FAST, '--', 'touch', marker]);
      assert.equal(r.code, 4, r.stderr);
      assert.match(r.stdout, /warm-up failed .*\/health \(503 x\d+\); the deploy was not started/);
      assert.throws(() => readFileSync(marker), /ENOENT/);
    } finally {
      server.mode = { kind: 'ok' };
    }
  });

  test('5: --abort-on-downtime stops a breaking deploy and --rollback restores the target', async () => {
    const json = join(dir, 'aborted.json');
    const r = await runCli([
      'run',
      '-u',
      url,
      ...FAST,
      '--json',
      json,
      '--abort-on-downtime',
      '200ms',
      '--rollback',
      `curl -s '${server.modeUrl('ok')}'`,
      '--',
      'sh',
      '-c',
      `curl -s '${server.modeUrl(503)}'; sleep 30`,
    ]);
    server.mode = { kind: 'ok' };
    assert.equal(r.code, 5, r.stdout + r.stderr);
    assert.match(
      r.stdout,
      /ABORTED: {2}\d+ ms of downtime on \/health during the deploy \(max 200 ms\)/,
    );
    assert.match(r.stdout, /Verdict: ROLLED BACK — Aborted: /);
    const doc = JSON.parse(readFileSync(json, 'utf8')) as ResultDocument;
    assert.equal(doc.guard!.aborted, true);
    assert.equal(doc.guard!.rollback!.exitCode, 0);
    assert.equal(doc.guard!.recovered, true);
  });

  test('130: SIGINT stops the deploy, and the partial result is still written', async () => {
    const json = join(dir, 'interrupted.json');
    const trap = join(dir, 'trapped');
    const r = await runCli(
      [
        'run',
        '-u',
        url,
        ...FAST,
        '--json',
        json,
        '--',
        'sh',
        '-c',
        `trap 'touch ${trap}; exit 9' INT; sleep 30 & wait`,
      ],
      // 2 s: the CLI's start-up and priming (~0.5 s) come before time zero.
      { onStart: (pid) => setTimeout(() => process.kill(pid, 'SIGINT'), 2000) },
    );
    assert.equal(r.code, 130, r.stderr);
    const doc = JSON.parse(readFileSync(json, 'utf8')) as ResultDocument;
    assert.equal(doc.interrupted, true);
    assert.ok(doc.endpoints[0]!.totalRequests >= 40);
    assert.equal(doc.deploy!.exitCode, 9, 'the deploy received the SIGINT');
    readFileSync(trap);
    assert.match(r.stdout, /^zerodown [\d.]+: Interrupted: partial result$/m);
  });
});

describe('zerodown probe and report', () => {
  let server: FaultServer;
  before(async () => (server = await FaultServer.start()));
  after(() => server.close());

  test('probe --duration, then report renders the saved result again', async () => {
    const json = join(dir, 'probe.json');
    const r = await runCli([
      'probe',
      '-u',
      server.url('/a'),
      '-r',
      '20',
      '--duration',
      '1s',
      '--json',
      json,
    ]);
    assert.equal(r.code, 0, r.stderr);
    const again = await runCli(['report', json]);
    assert.equal(again.code, 0);
    assert.equal(again.stdout, r.stdout);
    const asJson = await runCli(['report', json, '--format', 'json']);
    assert.deepEqual(JSON.parse(asJson.stdout), JSON.parse(readFileSync(json, 'utf8')));
  });

  test('probe until SIGTERM is a normal end (exit 0)', async () => {
    const r = await runCli(['probe', '-u', server.url('/a'), '-r', '20'], {
      onStart: (pid) => setTimeout(() => process.kill(pid, 'SIGTERM'), 1200),
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /No downtime happened/);
  });

  test('probe cut short by SIGTERM before its duration is interrupted (130)', async () => {
    const r = await runCli(['probe', '-u', server.url('/a'), '-r', '20', '--duration', '30s'], {
      onStart: (pid) => setTimeout(() => process.kill(pid, 'SIGTERM'), 1200),
    });
    assert.equal(r.code, 130, r.stderr);
  });

  test('wait: until the new version answers, N times in a row, with the right body', async () => {
    server.version = 'v1';
    setTimeout(() => (server.version = 'v2'), 2000); // after the CLI has started up
    const started = performance.now();
    const r = await runCli([
      'wait',
      '--url',
      server.url('/'),
      '--version',
      'v2',
      '--consecutive',
      '3',
      '--interval',
      '100ms',
      '--body-contains',
      'ok',
      '--timeout',
      '5s',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(performance.now() - started >= 2200, 'not before v2 answered 3 times');
    assert.match(r.stderr, /\(version v1\)/);
    const body = await runCli([
      'wait',
      '--url',
      server.url('/'),
      '--body-contains',
      'healthy',
      '--timeout',
      '500ms',
      '--interval',
      '100ms',
    ]);
    assert.equal(body.code, 1);
    assert.match(body.stderr, /body does not contain the text/);
  });

  test('report of a file that is not a result is a clear error', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"hello": 1}');
    const r = await runCli(['report', bad]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /not a zerodown result document/);
  });

  test('wait: ready at once (0), never ready (1)', async () => {
    const ok = await runCli(['wait', '--url', server.url('/'), '--timeout', '2s']);
    assert.equal(ok.code, 0, ok.stderr);
    const no = await runCli([
      'wait',
      '--url',
      server.url('/'),
      '--status',
      '204',
      '--timeout',
      '700ms',
      '--interval',
      '100ms',
    ]);
    assert.equal(no.code, 1);
    assert.match(no.stderr, /not ready before the timeout/);
  });
});
