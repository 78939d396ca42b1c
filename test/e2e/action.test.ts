/**
 * The GitHub Action as the runner runs it: `node action/dist/index.js` (the committed bundle) with
 * the inputs as `INPUT_<NAME>` variables and `$GITHUB_OUTPUT` to write to, against a real local
 * target with real outages. And the bundle is what `npm run build:action` makes of the sources
 * today, action.yml declares what the entry point reads and writes.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { parse } from 'yaml';
import { INPUTS } from '../../action/src/inputs.ts';
import { OUTPUTS, parseOutputs } from '../../action/src/outputs.ts';
import { ACTION_DIST, buildAction, listFiles } from '../../scripts/build-action.ts';
import type { ResultDocument } from '../../src/result.ts';
import { FaultServer, sleep } from '../helpers/fault-server.ts';
import { freePort } from '../helpers/serve.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ENTRY = join(ROOT, 'action/dist/index.js');

interface ActionYml {
  inputs: Record<string, { description: string; default?: string }>;
  outputs: Record<string, { description: string }>;
  runs: { using: string; main: string };
}
const actionYml = parse(readFileSync(join(ROOT, 'action.yml'), 'utf8')) as ActionYml;

/** Ends a server the action started with serve: true (the runner would leave it running). */
function stopDetached(pidFile: string): void {
  try {
    process.kill(Number(readFileSync(pidFile, 'utf8')), 'SIGTERM');
  } catch {
    // already gone
  }
}

interface ActionRun {
  code: number | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
}

/**
 * Runs the action's entry point as the runner does: `INPUT_<NAME>` for each input given (the
 * name upper-cased, hyphens kept), `$GITHUB_OUTPUT`, and this test's Node as the runner's.
 */
function runAction(
  cwd: string,
  inputs: Record<string, string>,
  env: Record<string, string> = {},
  onStart?: (pid: number) => void,
): Promise<ActionRun> {
  const output = join(mkdtempSync(join(tmpdir(), 'zd-action-out-')), 'output');
  writeFileSync(output, '');
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(INPUT_|GITHUB_|RUNNER_)/.test(k)),
  );
  const inputEnv = Object.fromEntries(
    Object.entries(inputs).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v]),
  );
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [ENTRY], {
      cwd,
      env: { ...base, GITHUB_OUTPUT: output, ...env, ...inputEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, outputs: parseOutputs(readFileSync(output, 'utf8')) });
    });
    if (child.pid !== undefined) onStart?.(child.pid);
  });
}

describe('the bundle and action.yml', () => {
  test('action/dist is byte for byte what npm run build:action makes now', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'zd-build-action-'));
    try {
      const built = await buildAction(tmp);
      assert.deepEqual(listFiles(ACTION_DIST), built, 'the same files (run npm run build:action)');
      for (const file of built) {
        assert.ok(
          readFileSync(join(tmp, file)).equals(readFileSync(join(ACTION_DIST, file))),
          `action/dist/${file} is stale: run npm run build:action and commit it`,
        );
      }
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  test('no file of the bundle is git-ignored (a fresh clone has all of it)', (t) => {
    const files = listFiles(ACTION_DIST).map((f) => join('action/dist', f));
    // Exit 1: none of them ignored; 0: some (listed); 128: not a git checkout.
    const r = spawnSync('git', ['check-ignore', '--no-index', ...files], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    if (r.status === 128 || r.error) return t.skip('not a git checkout');
    assert.equal(r.stdout, '', 'ignored by .gitignore');
    assert.equal(r.status, 1);
  });

  test('a node24 action whose main is the bundle', () => {
    assert.equal(actionYml.runs.using, 'node24');
    assert.equal(actionYml.runs.main, 'action/dist/index.js');
    assert.ok(existsSync(join(ROOT, actionYml.runs.main)));
  });

  test('action.yml declares every input the entry point reads, with the same default', () => {
    assert.deepEqual(Object.keys(actionYml.inputs).sort(), Object.keys(INPUTS).sort());
    for (const [name, spec] of Object.entries(INPUTS)) {
      assert.equal(actionYml.inputs[name]!.default ?? '', spec.default, `default of ${name}`);
    }
    // Inputs are read through inputs.ts alone (by these names), nowhere else.
    for (const file of ['main.ts', 'outputs.ts']) {
      const source = readFileSync(join(ROOT, 'action/src', file), 'utf8');
      assert.doesNotMatch(source, /INPUT_|process\.env\.INPUT/, file);
    }
  });

  test('action.yml declares every output the entry point writes', () => {
    assert.deepEqual(Object.keys(actionYml.outputs).sort(), [...OUTPUTS].sort());
    assert.match(
      actionYml.outputs.verdict!.description,
      /pass, fail, degraded, deploy-failed, blocked, rolled-back, inconclusive or interrupted/,
    );
  });
});

describe('the action against a real target', () => {
  let target: FaultServer;
  before(async () => (target = await FaultServer.start()));
  after(() => target.close());

  test('mode run: downtime fails the step and sets every output; fail-on-downtime: false lets it pass', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'zd-action-'));
    for (const failOn of ['true', 'false']) {
      const summary = join(cwd, `summary-${failOn}.md`);
      const r = await runAction(
        cwd,
        {
          mode: 'run',
          urls: `${target.url('/a')}\n  ${target.url('/b')}  \n`,
          rate: '50',
          warmup: '500ms',
          settle: '500ms',
          connection: 'fresh',
          command: `curl -s '${target.controlUrl(503, 300)}' >/dev/null; sleep 0.6`,
          result: `result-${failOn}.json`,
          html: `report-${failOn}.html`,
          junit: `junit-${failOn}.xml`,
          markdown: `report-${failOn}.md`,
          'fail-on-downtime': failOn,
        },
        { GITHUB_STEP_SUMMARY: summary, GITHUB_ACTIONS: 'true' },
      );
      assert.equal(r.code, failOn === 'true' ? 1 : 0, r.stdout + r.stderr);
      assert.deepEqual(r.outputs, {
        verdict: 'fail',
        'exit-code': '1',
        result: `result-${failOn}.json`,
        html: `report-${failOn}.html`,
        junit: `junit-${failOn}.xml`,
        markdown: `report-${failOn}.md`,
      });
      const doc = JSON.parse(readFileSync(join(cwd, r.outputs.result), 'utf8')) as ResultDocument;
      assert.deepEqual(
        doc.endpoints.map((e) => [e.name, e.connection, e.verdict]),
        [
          ['/a', 'fresh', 'fail'],
          ['/b', 'fresh', 'fail'],
        ],
      );
      assert.match(readFileSync(join(cwd, r.outputs.html), 'utf8'), /^<!doctype html>/i);
      // The machine that probed, in the document and as JUnit's hostname.
      assert.equal(doc.host, hostname());
      assert.match(
        readFileSync(join(cwd, r.outputs.junit), 'utf8'),
        new RegExp(`<testsuite [^>]*hostname="${hostname()}"`),
      );
      assert.match(readFileSync(join(cwd, r.outputs.markdown), 'utf8'), /\/a/);
      assert.match(readFileSync(summary, 'utf8'), /\/a/, 'the job summary');
      assert.match(r.stdout, /^::error /m, 'an annotation');
    }
  });

  test('mode run with the guard: abort-on-downtime stops the deploy, the rollback runs (exit 5)', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'zd-action-'));
    const r = await runAction(cwd, {
      urls: target.url('/g'),
      rate: '50',
      warmup: '300ms',
      settle: '500ms',
      'version-header': 'x-version',
      command: `curl -s '${target.controlUrl(503, 400)}' >/dev/null; sleep 5`,
      'abort-on-downtime': '100ms',
      rollback: 'echo rolled back > rollback.txt',
    });
    assert.equal(r.code, 5, r.stdout + r.stderr);
    assert.equal(r.outputs.verdict, 'rolled-back');
    assert.equal(r.outputs['exit-code'], '5');
    assert.equal(r.outputs.html, '', 'no report asked for, none said');
    assert.equal(readFileSync(join(cwd, 'rollback.txt'), 'utf8'), 'rolled back\n');
    const doc = JSON.parse(readFileSync(join(cwd, r.outputs.result!), 'utf8')) as ResultDocument;
    assert.equal(doc.guard?.aborted, true);
  });

  test('a cancelled job (SIGINT to the action) still writes the partial result: interrupted, 130', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'zd-action-'));
    const r = await runAction(
      cwd,
      { urls: target.url('/c'), rate: '50', warmup: '200ms', command: 'sleep 30' },
      {},
      // The runner signals the action's process alone (not its group); 1.5 s: well into the deploy.
      (pid) => void sleep(1500).then(() => process.kill(pid, 'SIGINT')),
    );
    assert.equal(r.code, 130, r.stdout + r.stderr);
    assert.equal(r.outputs.verdict, 'interrupted');
    assert.equal(r.outputs['exit-code'], '130');
    assert.doesNotMatch(r.stderr, /second SIGINT/);
  });

  test('modes start (with serve) and stop, with a token', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'zd-action-'));
    const port = String(await freePort());
    const base = { urls: target.url('/s'), server: `http://127.0.0.1:${port}`, token: 's3cret' };
    const start = await runAction(cwd, { ...base, mode: 'start', serve: 'true', port });
    try {
      assert.equal(start.code, 0, start.stdout + start.stderr);
      assert.match(start.stdout, /Started load at/);
      assert.match(start.stdout, /^::add-mask::s3cret$/m);
      assert.equal(start.outputs.verdict, '');
      assert.equal(start.outputs.result, '');
      await sleep(500);
      const stop = await runAction(cwd, { ...base, mode: 'stop', junit: 'stop.xml' });
      assert.equal(stop.code, 0, stop.stdout + stop.stderr);
      assert.equal(stop.outputs.verdict, 'pass');
      assert.equal(stop.outputs.result, 'zerodown-result.json');
      assert.equal(stop.outputs.junit, 'stop.xml');
      // Without the token the server refuses: the step fails with zerodown's code, and the
      // result file from before is not reported as this step's.
      const refused = await runAction(cwd, { ...base, token: '', mode: 'stats' });
      assert.equal(refused.code, 2, refused.stdout + refused.stderr);
      assert.match(refused.stderr, /401/);
      assert.equal(refused.outputs.result, '');
      assert.equal(refused.outputs.verdict, '');
    } finally {
      stopDetached(join(cwd, '.zerodown/serve.pid'));
    }
  });

  test('inputs that make no sense fail the step with exit 2 and say which, or warn', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'zd-action-'));
    const bad = await runAction(cwd, { mode: 'deploy' });
    assert.equal(bad.code, 2);
    assert.match(bad.stdout, /^::error title=zerodown::input mode: expected one of run, start/m);
    assert.equal(bad.outputs['exit-code'], '2');
    const noCommand = await runAction(cwd, { mode: 'run', urls: target.url('/x') });
    assert.equal(noCommand.code, 2);
    assert.match(noCommand.stdout, /input command: mode run needs the deploy command/);
    const notBoolean = await runAction(cwd, { mode: 'stats', 'fail-on-downtime': 'no' });
    assert.equal(notBoolean.code, 2);
    assert.match(notBoolean.stdout, /input fail-on-downtime: expected true or false, got "no"/);
    // A run input in mode stats is a warning; the step goes on (no server here: exit 2).
    const port = await freePort();
    const warned = await runAction(cwd, {
      mode: 'stats',
      server: `http://127.0.0.1:${port}`,
      rollback: './undo.sh',
    });
    assert.match(
      warned.stdout,
      /^::warning title=zerodown::input rollback means nothing in mode stats/m,
    );
    assert.equal(warned.code, 2);
    assert.match(warned.stderr, /cannot reach the control server/);
  });
});
