/**
 * The control server (contract §4) as a pipeline uses it: the built binary in the background,
 * driven with curl and with zerodown's own client commands.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import type { ResultDocument } from '../../src/result.ts';
import { runCli } from '../helpers/cli.ts';
import { FaultServer, sleep } from '../helpers/fault-server.ts';
import { freePort, startServe } from '../helpers/serve.ts';

const exec = promisify(execFile);

/** curl as a pipeline would call it; resolves with its exit code and output. */
async function curl(...args: string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout } = await exec('curl', ['-s', '--max-time', '60', ...args]);
    return { code: 0, out: stdout };
  } catch (err) {
    const e = err as { code: number; stdout: string };
    return { code: e.code, out: e.stdout };
  }
}

describe('the original split-job flow, with curl', () => {
  let target: FaultServer;
  const dir = mkdtempSync(join(tmpdir(), 'zerodown-serve-'));
  before(async () => (target = await FaultServer.start()));
  after(() => target.close());

  test('serve --detach, /start, a real outage, /stats, /stats?fail=1, POST /stop', async () => {
    const started = await runCli([
      'serve',
      '--detach',
      '--port',
      '0',
      '--data-dir',
      dir,
      '-u',
      target.url('/method1'),
      '-u',
      target.url('/method2'),
      '--rate',
      '100',
    ]);
    assert.equal(started.code, 0, started.stderr);
    const base = started.stdout.trim();
    assert.match(base, /^http:\/\/127\.0\.0\.1:\d+$/, 'serve --detach prints where it listens');
    const pid = Number(readFileSync(join(dir, 'serve.pid'), 'utf8'));
    try {
      assert.equal(
        (await curl(`${base}/stats`)).out.includes('"ZD_NO_RUN"'),
        true,
        '404 before any run',
      );
      const early = await curl('-X', 'POST', `${base}/stop`, '-w', '%{http_code}');
      assert.match(early.out, /"code":"ZD_NO_RUN_GOING".*"message":"no run is going[^"]*"}409$/);
      const start = await curl(`${base}/start`);
      assert.match(start.out, /^Started load at \d{13} towards http:\/\/127\.0\.0\.1:\d+\/method1/);
      await sleep(1000);
      const outage = await target.outage({ kind: 'status', status: 503 }, 1000);
      await sleep(800);

      const stats = await curl(`${base}/stats`);
      assert.equal(stats.code, 0);
      const live = JSON.parse(stats.out) as ResultDocument;
      assert.equal(live.running, true);
      for (const e of live.endpoints) {
        assert.equal(
          e.downtime.windows.length,
          1,
          `${e.name}: ${JSON.stringify(e.downtime.windows)}`,
        );
        const w = e.downtime.windows[0]!;
        // 100 probes/s: each edge within one 10 ms interval, plus timer jitter in two processes.
        assert.ok(
          Math.abs(w.durationMs - outage.durationMs) <= 40,
          `${w.durationMs} vs ${outage.durationMs}`,
        );
        assert.deepEqual(Object.keys(w.errorCodes), ['503']);
      }
      const failing = await curl('--fail', `${base}/stats?fail=1`);
      assert.equal(failing.code, 22, 'curl --fail fails the step on a failed verdict');

      const stop = await curl('-X', 'POST', `${base}/stop`);
      const final = JSON.parse(stop.out) as ResultDocument;
      assert.equal(final.running, false);
      assert.equal(final.verdict, 'fail');
      assert.ok(final.endpoints.every((e) => e.downtime.windows.length === 1));
      const after = JSON.parse((await curl(`${base}/stats`)).out) as ResultDocument;
      assert.deepEqual(after, final, '/stats keeps answering with the last run');
      const again = await curl('-X', 'POST', `${base}/stop`, '-w', '%{http_code}');
      assert.match(again.out, /"ZD_NO_RUN_GOING".*409$/, 'no run is going after the last one');
      assert.match((await curl(`${base}/report`)).out, /Downtime happened/);
    } finally {
      process.kill(pid, 'SIGTERM');
    }
  });

  test('zerodown start | stats --fail | stop instead of curl', async () => {
    const serve = await startServe([
      '-u',
      target.url('/x'),
      '--rate',
      '50',
      '--data-dir',
      join(dir, 'client'),
    ]);
    try {
      const env = { ZERODOWN_SERVER: serve.url };
      const start = await runCli(['start'], { env });
      assert.equal(start.code, 0, start.stderr);
      await sleep(500);
      const clean = await runCli(['stats', '--fail'], { env });
      assert.equal(clean.code, 0, clean.stderr);
      assert.match(clean.stdout, /No downtime happened \(still running\)/);
      await target.outage({ kind: 'status', status: 500 }, 300);
      await sleep(300);
      const json = join(dir, 'stats.json');
      const failed = await runCli(['stats', '--fail', '--json', json], { env });
      assert.equal(failed.code, 1);
      assert.match(failed.stdout, /500 x/);
      assert.equal((JSON.parse(readFileSync(json, 'utf8')) as ResultDocument).verdict, 'fail');
      const again = await runCli(['start'], { env });
      assert.equal(again.code, 2);
      assert.match(again.stderr, /409 a run is already going/);
      const stop = await runCli(['stop', '--fail'], { env });
      assert.equal(stop.code, 1);
      assert.doesNotMatch(stop.stdout, /still running/);
      const none = await runCli(['stop'], { env });
      assert.equal(none.code, 2);
      assert.equal(none.stdout, '');
      assert.equal(none.stderr, 'zerodown: POST /stop: 409 no run is going: POST /start first\n');
      assert.equal(await serve.stop('SIGTERM'), 0, 'a server with no run going shuts down cleanly');
    } finally {
      await serve.stop();
    }
  });

  test('an unreachable server is a clear error', async () => {
    const r = await runCli(['stats', '--server', `http://127.0.0.1:${await freePort()}`]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /cannot reach the control server .*ECONNREFUSED/);
  });
});

describe('security and robustness', () => {
  let target: FaultServer;
  before(async () => (target = await FaultServer.start()));
  after(() => target.close());

  test('with a token: 401 without it, 200 with it, /healthz always open', async () => {
    const serve = await startServe(
      ['-u', target.url('/'), '--data-dir', mkdtempSync(join(tmpdir(), 'zd-'))],
      {
        ZERODOWN_TOKEN: 's3cret-token',
      },
    );
    try {
      assert.equal((await fetch(`${serve.url}/healthz`)).status, 200);
      const denied = await fetch(`${serve.url}/start`);
      assert.equal(denied.status, 401);
      assert.equal(denied.headers.get('www-authenticate'), 'Bearer realm="zerodown"');
      const body = (await denied.json()) as { code: string; statusCode: number };
      assert.deepEqual(Object.keys(body).sort(), ['code', 'error', 'message', 'statusCode']);
      assert.equal(body.code, 'ZD_UNAUTHORIZED');
      assert.equal(body.statusCode, 401);
      assert.equal(
        (await fetch(`${serve.url}/metrics`, { headers: { authorization: 'Bearer wrong' } }))
          .status,
        401,
      );
      const ok = await fetch(`${serve.url}/start`, {
        headers: { authorization: 'Bearer s3cret-token' },
      });
      assert.equal(ok.status, 200);
      const stats = await runCli(['stats', '--server', serve.url, '--token', 's3cret-token', '-q']);
      assert.equal(stats.code, 0, stats.stderr);
    } finally {
      await serve.stop();
    }
  });

  test('binding beyond loopback without a token is refused (exit 2)', async () => {
    const r = await runCli([
      'serve',
      '--host',
      '0.0.0.0',
      '--port',
      String(await freePort()),
      '-u',
      target.url('/'),
    ]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /refusing to listen beyond this machine without a token/);
  });

  test('concurrent /start calls start exactly one run', async () => {
    const serve = await startServe([
      '-u',
      target.url('/'),
      '--data-dir',
      mkdtempSync(join(tmpdir(), 'zd-')),
    ]);
    try {
      const answers = await Promise.all(
        Array.from({ length: 20 }, () =>
          fetch(`${serve.url}/start`, { method: 'POST' }).then((r) => r.status),
        ),
      );
      assert.equal(answers.filter((s) => s === 200).length, 1);
      assert.equal(answers.filter((s) => s === 409).length, 19);
    } finally {
      await serve.stop();
    }
  });

  test('malformed and oversized requests get a 4xx and the server stays up', async () => {
    const serve = await startServe([
      '-u',
      target.url('/'),
      '--data-dir',
      mkdtempSync(join(tmpdir(), 'zd-')),
    ]);
    try {
      const big = await fetch(`${serve.url}/start`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ url: 'http://10.0.0.1/', pad: 'x'.repeat(100_000) }),
      });
      assert.equal(big.status, 413);
      // fastify's own errors answer with a registered code, never its FST_ERR_… ones.
      assert.equal(((await big.json()) as { code: string }).code, 'ZD_PAYLOAD_TOO_LARGE');
      const badJson = await fetch(`${serve.url}/stop`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"nope',
      });
      assert.equal(badJson.status, 400);
      assert.equal(((await badJson.json()) as { code: string }).code, 'ZD_BAD_REQUEST');
      const xml = await fetch(`${serve.url}/start`, {
        method: 'POST',
        headers: { 'content-type': 'application/xml' },
        body: '<start/>',
      });
      assert.equal(xml.status, 415);
      assert.equal(((await xml.json()) as { code: string }).code, 'ZD_UNSUPPORTED_MEDIA_TYPE');
      const lost = await fetch(`${serve.url}/nowhere`);
      assert.equal(lost.status, 404);
      assert.equal(((await lost.json()) as { code: string }).code, 'ZD_NOT_FOUND');
      const garbage = await new Promise<string>((resolve) => {
        const s = connect(Number(new URL(serve.url).port), '127.0.0.1', () =>
          s.write('\x00\x01GARBAGE\r\n\r\n'),
        );
        let got = '';
        s.on('data', (c: Buffer) => (got += c.toString()));
        s.on('close', () => resolve(got));
        s.on('error', () => resolve(got));
      });
      assert.match(garbage, /^HTTP\/1\.1 400/);
      assert.equal((await fetch(`${serve.url}/phase/NOT_A_NAME!`, { method: 'POST' })).status, 400);
      assert.equal((await fetch(`${serve.url}/healthz`)).status, 200);
      // /start takes no target from the request: the run probes only the configured endpoint.
      const started = await fetch(`${serve.url}/start?url=http://10.0.0.1/`, { method: 'POST' });
      assert.equal(started.status, 200);
      await sleep(300);
      const doc = (await (await fetch(`${serve.url}/stats`)).json()) as ResultDocument;
      assert.deepEqual(
        doc.endpoints.map((e) => e.url),
        [target.url('/')],
      );
    } finally {
      await serve.stop();
    }
  });

  test('killed with SIGKILL mid-run, restarted on the same data dir: /stats keeps the windows', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'zd-kill-'));
    const args = ['-u', target.url('/k'), '--rate', '100', '--data-dir', dataDir];
    const first = await startServe(args);
    await fetch(`${first.url}/start`);
    await sleep(500);
    const outage = await target.outage({ kind: 'status', status: 503 }, 500);
    await sleep(1500); // at least one flush after the outage
    await first.stop('SIGKILL');
    const second = await startServe(args);
    try {
      const doc = (await (await fetch(`${second.url}/stats`)).json()) as ResultDocument;
      assert.equal(doc.interrupted, true);
      assert.equal(doc.running, false);
      const w = doc.endpoints[0]!.downtime.windows;
      assert.equal(w.length, 1);
      assert.ok(Math.abs(w[0]!.durationMs - outage.durationMs) <= 40);
      assert.equal((await fetch(`${second.url}/start`)).status, 200, 'a new run can start');
    } finally {
      await second.stop();
    }
  });

  test('SIGTERM ends the run cleanly and keeps the final result', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'zd-term-'));
    const serve = await startServe(['-u', target.url('/t'), '--data-dir', dataDir]);
    await fetch(`${serve.url}/start`);
    await sleep(400);
    assert.equal(await serve.stop('SIGTERM'), 0);
    const doc = JSON.parse(
      readFileSync(join(dataDir, 'current-run.json'), 'utf8'),
    ) as ResultDocument;
    assert.equal(doc.running, false);
    assert.equal(doc.interrupted, undefined);
    assert.ok(doc.endpoints[0]!.totalRequests >= 3);
  });
});
