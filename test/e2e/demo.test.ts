/**
 * `zerodown demo` end to end: the built binary, its sample service, both deploys, the reports,
 * the summary, the saved result documents and the exit code.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ResultDocument } from '../../src/result.ts';

const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
  elapsedMs: number;
}

/** Runs the built CLI with this Node; kills it after `limitMs` (a hang is a failure). */
function runCli(args: string[], limitMs: number): Promise<Finished> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), limitMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, elapsedMs: performance.now() - started });
    });
  });
}

void test(
  'zerodown demo: the naive restart fails with 502s, the rolling one passes',
  {
    timeout: 150_000,
  },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zerodown-demo-'));
    try {
      // The demo takes ~16 s; the limit leaves room for a loaded 2-core machine.
      const run = await runCli(['demo', '--json', dir], 120_000);
      const context = `exit ${run.code} after ${Math.round(run.elapsedMs)} ms\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`;
      assert.equal(run.code, 0, context);

      const second = run.stdout.indexOf('=== Deploy 2 of 2: rolling restart with draining ===');
      const summaryAt = run.stdout.indexOf('Summary:');
      assert.ok(run.stdout.includes('=== Deploy 1 of 2: naive restart ==='), context);
      assert.ok(second > 0 && summaryAt > second, context);
      const naive = run.stdout.slice(0, second);
      const rolling = run.stdout.slice(second, summaryAt);
      const summary = run.stdout.slice(summaryAt);

      assert.match(naive, /zerodown \S+: Downtime happened/);
      assert.match(naive, /✗ \/ {2}GET http:\/\/127\.0\.0\.1:\d+\/\n/);
      assert.match(naive, /incident 1: \+[\d.]+ s → \+[\d.]+ s, .* outage during \w+: .*502 x\d+/);
      assert.match(naive, /Verdict: FAIL — 2 of 2 endpoints over the downtime budget/);
      assert.match(naive, /versions: v1 .* → v2 /);

      assert.match(rolling, /zerodown \S+: No downtime happened/);
      assert.doesNotMatch(rolling, /window \d+:/);
      assert.match(rolling, /Verdict: PASS/);
      assert.match(rolling, /versions: v1 .* → v2 /);
      assert.match(rolling, /cutover v1 → v2 at \+[\d.]+ s, mixed for /);

      assert.match(summary, /✗ naive restart: exit code 1 \(downtime\) — the pipeline FAILS here/);
      assert.match(summary, /✓ rolling restart with draining: exit code 0 \(no downtime\)/);
      assert.match(summary, /Both came out as expected/);
      // Progress and the deploy script's own lines go to stderr.
      assert.match(run.stderr, /deploy \+[\d.]+ s: a: drained in \d+ ms/, context);

      const naiveDoc = JSON.parse(readFileSync(join(dir, 'naive.json'), 'utf8')) as ResultDocument;
      const rollingDoc = JSON.parse(
        readFileSync(join(dir, 'rolling.json'), 'utf8'),
      ) as ResultDocument;
      assert.equal(naiveDoc.verdict, 'fail');
      assert.equal(naiveDoc.deploy?.exitCode, 0);
      for (const e of naiveDoc.endpoints) {
        const windows = `${e.name}: ${e.reason}: ${JSON.stringify(e.downtime.windows)}`;
        assert.ok((e.errorCodes['502'] ?? 0) > 0, windows);
        // The new version takes 1.5 s to boot: nothing serves for about that long. Generous:
        // under load, late sends shift a window's scheduled edges by a few hundred ms.
        assert.ok(e.downtime.totalMs >= 750, windows);
        // Caused by the deploy, and over once it reported the service healthy. (A window may
        // carry the phase `warmup` when the probe scheduled just before the deploy went out late.)
        assert.ok(
          e.downtime.windows.every((w) => w.phase !== 'settle' && !w.open),
          windows,
        );
      }
      assert.equal(rollingDoc.verdict, 'pass');
      assert.equal(rollingDoc.deploy?.exitCode, 0);
      for (const e of rollingDoc.endpoints) {
        assert.equal(e.totalErrors, 0, `${e.name}: ${JSON.stringify(e.errorCodes)}`);
        assert.deepEqual(
          e.versions?.map((v) => v.version),
          ['v1', 'v2'],
        );
        assert.ok((e.mixedMs ?? 0) > 0, `${e.name}: no mixed period`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
