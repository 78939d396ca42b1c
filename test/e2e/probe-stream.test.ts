/**
 * The probe stream from the built binary: `run --out` against a real loopback target with a
 * real outage, rebuilt by `report --from-probes` into the very document `--json` wrote; `--out -`
 * piped into `report --from-probes -` (stdout carries nothing but NDJSON); a SIGKILLed run's
 * stream still rebuilds, with a verdict that is not a pass.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ResultDocument } from '../../src/result.ts';
import { CLI, runCli } from '../helpers/cli.ts';
import { FaultServer, sleep } from '../helpers/fault-server.ts';
import { startServe } from '../helpers/serve.ts';

const dir = mkdtempSync(join(tmpdir(), 'zerodown-stream-'));
const read = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as ResultDocument;

describe('zerodown --out and report --from-probes', () => {
  let server: FaultServer;
  before(async () => (server = await FaultServer.start()));
  after(() => server.close());

  test('run --out rebuilds to the same document as run --json', async () => {
    const json = join(dir, 'run.json');
    const probes = join(dir, 'probes.ndjson');
    const rebuilt = join(dir, 'rebuilt.json');
    // The deploy: a 400 ms outage of 503s on the target, then a short wait.
    const deploy = `fetch(${JSON.stringify(server.controlUrl(503, 400))}).then(() => setTimeout(() => {}, 700))`;
    const run = await runCli([
      'run',
      '-u',
      server.url('/health'),
      '--rate',
      '100',
      '--warmup',
      '500ms',
      '--settle',
      '500ms',
      '--no-progress',
      '--json',
      json,
      '--out',
      probes,
      '--',
      process.execPath,
      '-e',
      deploy,
    ]);
    assert.equal(run.code, 1, run.stderr);
    const again = await runCli(['report', '--from-probes', probes, '--json', rebuilt, '--fail']);
    assert.equal(again.code, 1, again.stderr);
    assert.match(again.stdout, /Verdict: FAIL/);
    const original = read(json);
    assert.equal(original.endpoints[0]!.downtime.windows.length, 1);
    assert.equal(original.deploy?.exitCode, 0);
    // Every field equal: none is allowed to differ.
    assert.deepEqual(read(rebuilt), original);

    // Judged again with a config whose budget allows the outage: a pass.
    const lenient = join(dir, 'lenient.yml');
    writeFileSync(
      lenient,
      `endpoints: [{ url: ${server.url('/health')} }]\nbudget: { maxDowntime: 10s }\n`,
    );
    const judged = await runCli(['report', '--from-probes', probes, '-c', lenient, '--fail']);
    assert.equal(judged.code, 0, judged.stderr);
    assert.match(judged.stdout, /Verdict: PASS — Some probes failed/);
  });

  test('a guarded run (abort, rollback) rebuilds with its guard record', async () => {
    const json = join(dir, 'guard.json');
    const probes = join(dir, 'guard.ndjson');
    const rebuilt = join(dir, 'guard-rebuilt.json');
    const deploy = `fetch(${JSON.stringify(server.controlUrl(503, 600))}).then(() => setTimeout(() => {}, 5000))`;
    const run = await runCli([
      'run',
      '-u',
      server.url('/g'),
      '--rate',
      '100',
      '--warmup',
      '300ms',
      '--settle',
      '800ms',
      '--no-progress',
      '--abort-on-downtime',
      '100ms',
      '--rollback',
      'true',
      '--json',
      json,
      '--out',
      probes,
      '--',
      process.execPath,
      '-e',
      deploy,
    ]);
    assert.equal(run.code, 5, run.stderr);
    const again = await runCli(['report', '--from-probes', probes, '--json', rebuilt, '--fail']);
    assert.equal(again.code, 5, again.stderr);
    const original = read(json);
    assert.equal(original.guard?.aborted, true);
    assert.deepEqual(read(rebuilt), original);
  });

  test('--out - piped into report --from-probes -', async () => {
    const rebuilt = join(dir, 'piped.json');
    const json = join(dir, 'piped-run.json');
    const probe = spawn(
      process.execPath,
      [
        CLI,
        'probe',
        '-u',
        server.url('/'),
        '--rate',
        '200',
        '--duration',
        '800ms',
        '--json',
        json,
        '--out',
        '-',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const report = spawn(
      process.execPath,
      [CLI, 'report', '--from-probes', '-', '--json', rebuilt],
      {
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    let stream = '';
    let probeErr = '';
    probe.stdout.on('data', (c: Buffer) => (stream += c.toString()));
    probe.stderr.on('data', (c: Buffer) => (probeErr += c.toString()));
    probe.stdout.pipe(report.stdin);
    let reportOut = '';
    report.stdout.on('data', (c: Buffer) => (reportOut += c.toString()));
    const code = (p: { on(e: 'close', f: (c: number | null) => void): unknown }) =>
      new Promise<number | null>((r) => p.on('close', r));
    const [probeCode, reportCode] = await Promise.all([code(probe), code(report)]);
    assert.equal(probeCode, 0, probeErr);
    assert.equal(reportCode, 0);
    // Stdout is the stream only: every line JSON; the human report went to stderr.
    const lines = stream.trimEnd().split('\n');
    for (const line of lines) JSON.parse(line);
    assert.equal((JSON.parse(lines[0]!) as { type: string }).type, 'run');
    assert.equal((JSON.parse(lines.at(-1)!) as { type: string }).type, 'end');
    assert.match(probeErr, /Verdict: PASS/);
    assert.match(reportOut, /Verdict: PASS/);
    assert.deepEqual(read(rebuilt), read(json));
  });

  test('a SIGINTed run ends its stream: the same interrupted document', async () => {
    const probes = join(dir, 'sigint.ndjson');
    const json = join(dir, 'sigint.json');
    const rebuilt = join(dir, 'sigint-rebuilt.json');
    const run = runCli(
      [
        'probe',
        '-u',
        server.url('/'),
        '--duration',
        '30s',
        '--rate',
        '200',
        '--no-progress',
        '--json',
        json,
        '--out',
        probes,
      ],
      {
        onStart: (pid) =>
          void (async () => {
            for (let i = 0; i < 200; i++) {
              await sleep(50);
              if (existsSync(probes) && readFileSync(probes, 'utf8').split('\n').length > 100)
                break;
            }
            process.kill(pid, 'SIGINT');
          })(),
      },
    );
    assert.equal((await run).code, 130);
    const again = await runCli(['report', '--from-probes', probes, '--json', rebuilt, '--fail']);
    assert.equal(again.code, 130, again.stderr);
    assert.equal(again.stderr.includes('no "end" line'), false, again.stderr);
    assert.equal(read(json).verdict, 'interrupted');
    assert.deepEqual(read(rebuilt), read(json));
  });

  test('a SIGKILLed run still rebuilds, and not as a pass', async () => {
    const probes = join(dir, 'killed.ndjson');
    const json = join(dir, 'killed.json');
    const run = runCli(
      ['probe', '-u', server.url('/'), '--rate', '200', '--no-progress', '--out', probes],
      {
        onStart: (pid) =>
          void (async () => {
            // Killed once probes are on disk (at most 10 s).
            for (let i = 0; i < 200; i++) {
              await sleep(50);
              if (existsSync(probes) && readFileSync(probes, 'utf8').split('\n').length > 100)
                break;
            }
            process.kill(pid, 'SIGKILL');
          })(),
      },
    );
    assert.equal((await run).signal, 'SIGKILL');
    const again = await runCli(['report', '--from-probes', probes, '--json', json, '--fail']);
    assert.equal(again.code, 130, again.stderr);
    assert.match(again.stderr, /no "end" line: the run was cut off after \d+ probes/);
    const doc = read(json);
    assert.equal(doc.verdict, 'interrupted');
    assert.equal(doc.endedBy, 'stream-cut');
    assert.ok(doc.endpoints[0]!.totalRequests >= 98, `${doc.endpoints[0]!.totalRequests} probes`);
    assert.match(
      again.stdout,
      /Verdict: INTERRUPTED — The run was stopped before it ended \(its probe stream ends without the end line/,
    );
  });

  test('a malformed line: exit 2, naming the line and field', async () => {
    const bad = join(dir, 'bad.ndjson');
    writeFileSync(bad, '{"type":"phase","name":"probe","startMs":0}\n');
    const r = await runCli(['report', '--from-probes', bad]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /bad\.ndjson:1: type: expected the "run" line first/);
  });

  test('serve --out: runs one after another in one stream; the last one rebuilds as /stop gave it', async () => {
    const probes = join(dir, 'serve.ndjson');
    const rebuilt = join(dir, 'serve-rebuilt.json');
    const serve = await startServe(['-u', server.url('/'), '--rate', '100', '--out', probes]);
    let last: ResultDocument | undefined;
    try {
      for (const name of ['first', 'second']) {
        assert.equal(
          (await fetch(`${serve.url}/start?name=${name}`, { method: 'POST' })).status,
          200,
        );
        await sleep(400);
        const stop = await fetch(`${serve.url}/stop?name=${name}`, { method: 'POST' });
        last = (await stop.json()) as ResultDocument;
      }
    } finally {
      assert.equal(await serve.stop(), 0, serve.output());
    }
    const again = await runCli(['report', '--from-probes', probes, '--json', rebuilt]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /2 runs in the stream; the last one is rebuilt \(second,/);
    assert.deepEqual(read(rebuilt), last);
  });
});
