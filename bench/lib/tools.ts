/**
 * Running the three load tools as child processes on the tool core, and reading what each one
 * reports: zerodown (the built CLI, `probe --json`), autocannon (`-j`) and loadtest (its text
 * summary; it has no machine-readable output).
 */
import { spawnSync } from 'node:child_process';
import { cpSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ResultDocument } from '../../src/result.ts';
import {
  makeTempDir,
  peakRssBytes,
  removeTempDir,
  rssBytes,
  startChild,
  TOOL_CPU,
  trackTempDir,
  type Finished,
} from './proc.ts';

/** The repository root. */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
let zerodownMain = join(ROOT, 'dist', 'cli', 'main.js');
const AUTOCANNON = join(ROOT, 'node_modules', 'autocannon', 'autocannon.js');
const LOADTEST = join(ROOT, 'node_modules', 'loadtest', 'bin', 'loadtest.js');

/**
 * Copies the built CLI (dist/*.js and package.json) to bench/results/zerodown-snapshot-PID and runs
 * that copy from then on, so a rebuild of dist/ during the benchmark cannot change or break the
 * binary under test. Inside the repository, so its imports still find node_modules.
 */
export function snapshotZerodown(): string {
  // Per process: two benchmarks at once must not delete each other's copy.
  const dir = join(ROOT, 'bench', 'results', `zerodown-snapshot-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  trackTempDir(dir);
  cpSync(join(ROOT, 'dist'), join(dir, 'dist'), {
    recursive: true,
    filter: (src) => !src.endsWith('.map') && !src.endsWith('.d.ts'),
  });
  cpSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
  zerodownMain = join(dir, 'dist', 'cli', 'main.js');
  return dir;
}

/** One RSS reading of a running child. */
export interface RssSample {
  /** Since the child started, ms. */
  tMs: number;
  rssBytes: number;
}

/** A finished zerodown run. */
export interface ZerodownRun {
  result: ResultDocument;
  exit: Finished;
  rss: RssSample[];
  /** VmHWM at the last reading before exit. */
  peakRssBytes: number | undefined;
  /** With `out`: the probe stream's size in bytes, and its rebuild by `report --from-probes`. */
  stream?: { bytes: number; rebuildMs: number; rebuiltEqual: boolean };
}

/** Options of `runZerodown`. */
export interface ZerodownOptions {
  url: string;
  rate: number;
  durationMs: number;
  timeout?: string;
  /** Read the child's VmRSS this often (ms); none when undefined. */
  rssEveryMs?: number;
  /** Called with each RSS sample. */
  onRss?: (s: RssSample) => void;
  /** Write the probe stream (`--out`) too, then time its rebuild (`report --from-probes`). */
  out?: boolean;
}

/** Runs `zerodown probe` (the built CLI) and returns its result document. */
export async function runZerodown(opts: ZerodownOptions): Promise<ZerodownRun> {
  const dir = makeTempDir('zerodown-bench-');
  const jsonFile = join(dir, 'result.json');
  const args = [
    zerodownMain,
    'probe',
    '-u',
    opts.url,
    '-r',
    String(opts.rate),
    '--duration',
    `${opts.durationMs}ms`,
    '--json',
    jsonFile,
    '--no-progress',
  ];
  if (opts.timeout !== undefined) args.push('--timeout', opts.timeout);
  const outFile = join(dir, 'probes.ndjson');
  if (opts.out) args.push('--out', outFile);
  const started = startChild(process.execPath, args, {
    cpu: TOOL_CPU,
    limitMs: opts.durationMs + 60_000,
    keepStdout: false,
  });
  const rss: RssSample[] = [];
  let peak: number | undefined;
  let timer: NodeJS.Timeout | undefined;
  if (opts.rssEveryMs !== undefined) {
    // Readings at exact multiples of rssEveryMs from the child's start (no drift), plus a last
    // one just before the probing ends, so "RSS at minute N" is read at N minutes.
    const every = opts.rssEveryMs;
    const t0 = performance.now();
    const times: number[] = [];
    for (let t = every; t < opts.durationMs - every / 2; t += every) times.push(t);
    times.push(opts.durationMs - 100);
    const read = () => {
      const bytes = rssBytes(started.pid);
      if (bytes !== undefined) {
        peak = peakRssBytes(started.pid) ?? peak;
        const sample = { tMs: Math.round(performance.now() - t0), rssBytes: bytes };
        rss.push(sample);
        opts.onRss?.(sample);
      }
      const next = times.shift();
      if (next !== undefined) timer = setTimeout(read, next - (performance.now() - t0));
    };
    timer = setTimeout(read, times.shift());
  }
  const exit = await started.done;
  if (timer) clearTimeout(timer);
  try {
    const result = JSON.parse(readFileSync(jsonFile, 'utf8')) as ResultDocument;
    const stream = opts.out ? rebuildStream(outFile, join(dir, 'rebuilt.json'), result) : undefined;
    return { result, exit, rss, peakRssBytes: peak, stream };
  } catch {
    throw new Error(
      `zerodown wrote no result (exit ${exit.code ?? exit.signal}): ${exit.stderr.trim()}`,
    );
  } finally {
    removeTempDir(dir);
  }
}

/** Times `report --from-probes` on a run's stream and compares the document it rebuilds. */
function rebuildStream(
  outFile: string,
  rebuiltFile: string,
  result: ResultDocument,
): { bytes: number; rebuildMs: number; rebuiltEqual: boolean } {
  const t0 = performance.now();
  const r = spawnSync(
    process.execPath,
    [zerodownMain, 'report', '--from-probes', outFile, '--json', rebuiltFile],
    { encoding: 'utf8' },
  );
  const rebuildMs = Math.round(performance.now() - t0);
  if (r.status !== 0) throw new Error(`report --from-probes failed: ${r.stderr}`);
  const rebuilt = readFileSync(rebuiltFile, 'utf8');
  return {
    bytes: statSync(outFile).size,
    rebuildMs,
    rebuiltEqual: rebuilt === `${JSON.stringify(result, null, 2)}\n`,
  };
}

/** The parts of autocannon's `-j` output the benchmark reads. */
export interface AutocannonReport {
  connections: number;
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  resets: number;
  '2xx': number;
  requests: { average: number; total: number; sent: number };
  latency: { p50: number; p99: number; max: number };
}

/** A finished autocannon run. */
export interface AutocannonRun {
  report: AutocannonReport;
  exit: Finished;
}

/** Runs autocannon for `durationS` seconds; paced with `rate` (-R), else as fast as it can. */
export async function runAutocannon(opts: {
  url: string;
  durationS: number;
  connections?: number;
  rate?: number;
}): Promise<AutocannonRun> {
  const args = [AUTOCANNON, '-j', '-n', '-d', String(opts.durationS)];
  if (opts.connections !== undefined) args.push('-c', String(opts.connections));
  if (opts.rate !== undefined) args.push('-R', String(opts.rate));
  args.push(opts.url);
  const exit = await startChild(process.execPath, args, {
    cpu: TOOL_CPU,
    limitMs: opts.durationS * 1000 + 60_000,
  }).done;
  const line = exit.stdout
    .split('\n')
    .reverse()
    .find((l) => l.startsWith('{'));
  if (line === undefined) {
    throw new Error(`autocannon printed no result (exit ${exit.code}): ${exit.stderr.trim()}`);
  }
  return { report: JSON.parse(line) as AutocannonReport, exit };
}

/** What loadtest's text summary says. */
export interface LoadtestReport {
  completed: number;
  errors: number;
  effectiveRps: number;
  /** "Total errors" broken down by code (HTTP status or Node error code). */
  errorCodes: Record<string, number>;
}

/** A finished loadtest run. */
export interface LoadtestRun {
  report: LoadtestReport;
  exit: Finished;
}

/** Runs loadtest at `rate` requests/s (keep-alive, one core) for `durationS` seconds. */
export async function runLoadtest(opts: {
  url: string;
  durationS: number;
  rate: number;
}): Promise<LoadtestRun> {
  const args = [LOADTEST, '--rps', String(opts.rate), '-t', String(opts.durationS)];
  args.push('-k', '--cores', '1', opts.url);
  const exit = await startChild(process.execPath, args, {
    cpu: TOOL_CPU,
    limitMs: opts.durationS * 1000 + 60_000,
  }).done;
  return { report: parseLoadtest(exit.stdout), exit };
}

/** Parses loadtest's summary (`Completed requests:  N`, `Total errors: N`, `  503:   N errors`). */
export function parseLoadtest(text: string): LoadtestReport {
  const num = (label: string) => {
    const m = new RegExp(`^${label}:\\s+([\\d.]+)`, 'm').exec(text);
    return m ? Number(m[1]) : NaN;
  };
  const errorCodes: Record<string, number> = {};
  for (const m of text.matchAll(/^\s+(\S+):\s+(\d+) errors$/gm)) errorCodes[m[1]!] = Number(m[2]);
  return {
    completed: num('Completed requests'),
    errors: num('Total errors'),
    effectiveRps: num('Effective rps'),
    errorCodes,
  };
}
