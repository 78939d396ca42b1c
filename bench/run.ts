/**
 * zerodown's benchmark (`npm run bench`): rate fidelity beside autocannon and loadtest, the
 * highest rate one process sustains, memory over a long run, and how exactly outages are
 * measured. Every figure is printed as a table and written to bench/results/latest.json.
 *
 * Environment:
 *   BENCH_ONLY=fidelity,maxrate,memory,detection,guard,history,stream,hub   sections (default: all)
 *   BENCH_MEMORY_MINUTES=10                        length of the memory run
 *   BENCH_FIDELITY_SECONDS=10                      length of each fidelity trial
 *   BENCH_STREAM_SECONDS=10                        length of each probe-stream (--out) trial
 *
 * Only 127.0.0.1 is ever contacted. nginx (the Debian package) is installed when missing and is
 * always stopped at the end, on error and on SIGINT/SIGTERM.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, relative } from 'node:path';
import { setQuietBudget } from './lib/cpu.ts';
import { Nginx } from './lib/nginx.ts';
import {
  canPin,
  killAllChildren,
  removeAllTempDirs,
  SERVER_CPU,
  stopAllChildren,
  TOOL_CPU,
} from './lib/proc.ts';
import { ROOT, snapshotZerodown } from './lib/tools.ts';
import { renderDetection, runDetection } from './sections/detection.ts';
import { renderGuard, runGuard } from './sections/guard.ts';
import { renderHistoryBench, runHistoryBench } from './sections/history.ts';
import { renderFidelity, runFidelity } from './sections/fidelity.ts';
import { renderMaxRate, runMaxRate } from './sections/maxrate.ts';
import { renderMemory, runMemory } from './sections/memory.ts';
import { renderHub, runHub } from './sections/hub.ts';
import { renderStream, runStream } from './sections/stream.ts';

const SECTIONS = [
  'fidelity',
  'maxrate',
  'memory',
  'detection',
  'guard',
  'history',
  'stream',
  'hub',
] as const;
type Section = (typeof SECTIONS)[number];

const only = parseOnly(process.env.BENCH_ONLY);
const memoryMinutes = positive('BENCH_MEMORY_MINUTES', 10);
const fidelitySeconds = Math.round(positive('BENCH_FIDELITY_SECONDS', 10));
const streamSeconds = Math.round(positive('BENCH_STREAM_SECONDS', 10));

const figures: Record<string, unknown> = {};
let nginx: Nginx | undefined;

function log(text: string): void {
  process.stdout.write(`${text}\n`);
}

const sectionSeconds: Record<string, number> = {};

function timing(section: string, t0: number): void {
  sectionSeconds[section] = Math.round((performance.now() - t0) / 1000);
  figures.sectionSeconds = sectionSeconds;
}

function heading(text: string): void {
  log(`\n=== ${text} ${'='.repeat(Math.max(3, 96 - text.length))}\n`);
}

function positive(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name}: expected a positive number`);
  return n;
}

function parseOnly(raw: string | undefined): Set<Section> {
  if (raw === undefined || raw.trim() === '') return new Set(SECTIONS);
  const names = raw.split(',').map((s) => s.trim());
  for (const n of names) {
    if (!(SECTIONS as readonly string[]).includes(n)) {
      throw new Error(`BENCH_ONLY: unknown section ${JSON.stringify(n)} (${SECTIONS.join(', ')})`);
    }
  }
  return new Set(names as Section[]);
}

function writeFigures(): string {
  const dir = join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'latest.json');
  writeFileSync(file, `${JSON.stringify(figures, null, 2)}\n`);
  return file;
}

async function cleanup(): Promise<void> {
  await Promise.all([stopAllChildren(), nginx?.stop()]);
  removeAllTempDirs();
}

function onSignal(sig: NodeJS.Signals): void {
  log(`\nbench: ${sig}: stopping nginx and every child, writing the figures so far`);
  figures.interrupted = sig;
  void cleanup().finally(() => {
    writeFigures();
    process.exit(130);
  });
}

async function main(): Promise<void> {
  if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) {
    throw new Error('dist/cli/main.js is missing: run `npm run build` (npm run bench does)');
  }
  const needNginx =
    only.has('fidelity') || only.has('maxrate') || only.has('memory') || only.has('stream');
  if (needNginx && !['/usr/sbin/nginx', '/usr/local/sbin/nginx'].some((p) => existsSync(p))) {
    const r = spawnSync('bash', [join(ROOT, 'scripts', 'system-deps.sh'), 'nginx'], {
      stdio: 'inherit',
    });
    if (r.status !== 0) throw new Error('could not install nginx (scripts/system-deps.sh nginx)');
  }
  const snapshot = snapshotZerodown();
  const started = new Date();
  // Other work may share the machine: each trial waits (≤ 5 s) for a quiet moment, 40 s in all.
  setQuietBudget(40_000);
  figures.machine = {
    startedAt: started.toISOString(),
    node: process.version,
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    loadAverageAtStart: loadavg().map((l) => Math.round(l * 100) / 100),
    pinned: canPin ? { server: SERVER_CPU, tool: TOOL_CPU } : false,
  };
  figures.settings = { sections: [...only], memoryMinutes, fidelitySeconds, streamSeconds };
  log(`zerodown benchmark — ${started.toISOString()}`);
  log(`node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? '?'}`);
  log(
    `load average at start: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  log(
    canPin
      ? `pinning: target server on core ${SERVER_CPU}, load tool on core ${TOOL_CPU} (taskset)`
      : 'pinning: not possible (no taskset or one core): figures are noisier',
  );
  log(`sections: ${[...only].join(', ')}`);
  log(`zerodown under test: a copy of dist/ taken now (${relative(ROOT, snapshot)})`);

  if (needNginx) {
    nginx = await Nginx.start();
    figures.nginx = { version: nginx.version, url: nginx.url };
    log(`target: nginx ${nginx.version} at ${nginx.url} (1 worker, 3-byte 200 answer)`);
  }

  if (only.has('fidelity') && nginx) {
    heading(`1. Rate fidelity (${fidelitySeconds} s per trial)`);
    const t0 = performance.now();
    const r = await runFidelity(nginx, [1000, 5000], fidelitySeconds, log);
    timing('fidelity', t0);
    figures.fidelity = r;
    log(`\n${renderFidelity(r)}`);
  }
  if (only.has('maxrate') && nginx) {
    heading('2. Highest sustained rate of one zerodown process');
    const t0 = performance.now();
    const r = await runMaxRate(nginx, log);
    timing('maxrate', t0);
    figures.maxrate = r;
    log(`\n${renderMaxRate(r)}`);
  }
  if (only.has('memory') && nginx) {
    heading(`3. Memory at 1000 probes/s for ${memoryMinutes} min`);
    const t0 = performance.now();
    const r = await runMemory(nginx, memoryMinutes, log);
    timing('memory', t0);
    figures.memory = r;
    log(`\n${renderMemory(r)}`);
  }
  if (only.has('detection')) {
    heading('4. Detection of 1000 ms outages at 100 probes/s');
    const t0 = performance.now();
    const r = await runDetection(log);
    timing('detection', t0);
    figures.detection = r;
    log(`\n${renderDetection(r)}`);
  }
  if (only.has('guard')) {
    heading('5. Guard: from a breach to the rollback');
    const t0 = performance.now();
    const r = await runGuard(log);
    timing('guard', t0);
    figures.guard = r;
    log(`\n${renderGuard(r)}`);
  }
  if (only.has('history')) {
    heading('6. History: recording a run, reading a learned budget (100 000 runs stored)');
    const t0 = performance.now();
    const r = await runHistoryBench(log);
    timing('history', t0);
    figures.history = r;
    log(`\n${renderHistoryBench(r)}`);
  }
  if (only.has('stream') && nginx) {
    heading(`7. The probe stream (--out) at 1000/s and 10 000/s (${streamSeconds} s per trial)`);
    const t0 = performance.now();
    const r = await runStream(nginx, streamSeconds, log);
    timing('stream', t0);
    figures.stream = r;
    log(`\n${renderStream(r)}`);
  }
  if (only.has('hub')) {
    heading('8. Hub: merge overhead of 10 agents x 1000 probes/s');
    const t0 = performance.now();
    const r = await runHub(log);
    timing('hub', t0);
    figures.hub = r;
    log(`\n${renderHub(r)}`);
  }
  figures.finishedAt = new Date().toISOString();
  figures.wallSeconds = Math.round((Date.now() - started.getTime()) / 1000);
}

process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);
process.on('exit', () => {
  // nginx first: its workers are found through the master, which must still be there.
  nginx?.stopSync('SIGKILL');
  killAllChildren('SIGKILL');
  removeAllTempDirs();
});

try {
  await main();
  await cleanup();
  const parts = Object.entries(sectionSeconds).map(([k, v]) => `${k} ${v} s`);
  log(`\nfigures written to ${writeFigures()}`);
  log(`time: ${String(figures.wallSeconds)} s in all (${parts.join(', ')})`);
} catch (err) {
  await cleanup();
  figures.error = String((err as Error)?.stack ?? err);
  writeFigures();
  process.stderr.write(`bench: ${(err as Error)?.stack ?? String(err)}\n`);
  process.exitCode = 1;
}
