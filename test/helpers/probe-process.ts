/**
 * One `zerodown probe` of the built CLI in a process of its own, with its peak memory: a hook
 * loaded with --import prints `process.resourceUsage().maxRSS` (getrusage's high-water mark of
 * the resident set, the same figure as VmHWM in /proc/<pid>/status) as the process exits, so
 * nothing after the last sample is missed and nothing of the test runner, or of the hostile
 * servers it hosts, is counted.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EndpointResult, ResultDocument } from '../../src/result.ts';
import { CLI } from './cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'zd-probe-process-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const HOOK = join(dir, 'peak-rss.mjs');
writeFileSync(
  HOOK,
  `process.on('exit', () => process.stderr.write('PEAK_RSS_KB ' + process.resourceUsage().maxRSS + '\\n'));\n`,
);

/** What one probing process measured, and what it cost. */
export interface ProbeProcess {
  code: number | null;
  endpoint: EndpointResult;
  /** The process's peak resident set, MiB. */
  peakRssMb: number;
  /** From spawn to exit, ms (start-up, warm-up and reporting included). */
  wallMs: number;
  stderr: string;
}

let runs = 0;

/**
 * Runs `zerodown probe <args> --json <file>` and reads its result. `wrap` is a command line the
 * node process is started under (e.g. `unshare …`), its last element followed by node's path.
 */
export async function probeProcess(
  args: readonly string[],
  options: { wrap?: readonly string[]; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<ProbeProcess> {
  const json = join(dir, `result-${++runs}.json`);
  const argv = [process.execPath, CLI, 'probe', '--no-progress', '--json', json, ...args];
  const [command, ...rest] = [...(options.wrap ?? []), ...argv] as [string, ...string[]];
  const started = performance.now();
  const child = spawn(command, rest, {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, ...options.env, NODE_OPTIONS: `--import=${HOOK}` },
  });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (c) => resolve(c));
  });
  clearTimeout(timer);
  const wallMs = performance.now() - started;
  const peak = /PEAK_RSS_KB (\d+)/.exec(stderr);
  if (!peak) throw new Error(`no peak memory reported (exit ${code}): ${stderr}`);
  let doc: ResultDocument;
  try {
    doc = JSON.parse(readFileSync(json, 'utf8')) as ResultDocument;
  } catch (err) {
    throw new Error(`no result (exit ${code}): ${stderr}`, { cause: err });
  }
  return { code, endpoint: doc.endpoints[0]!, peakRssMb: Number(peak[1]) / 1024, wallMs, stderr };
}
