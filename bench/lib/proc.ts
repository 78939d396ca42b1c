/**
 * Child processes for the benchmark: spawned on a chosen core (taskset), tracked so that every
 * one of them is stopped on error or SIGINT, each with a hard time limit, plus readings from
 * /proc (RSS, CPU time of reaped children).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Children still running, by pid. */
const live = new Map<number, ChildProcess>();

/** Temp folders made by `makeTempDir` and not yet removed. */
const tempDirs = new Set<string>();

/** Makes a temp folder that `removeTempDir` or `removeAllTempDirs` (on exit) deletes. */
export function makeTempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}

/** Has a folder made elsewhere deleted like a temp folder. */
export function trackTempDir(dir: string): void {
  tempDirs.add(dir);
}

/** Deletes a temp folder made by `makeTempDir`. */
export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  tempDirs.delete(dir);
}

/** Deletes every temp folder still there (synchronous: safe in `process.on('exit')`). */
export function removeAllTempDirs(): void {
  for (const dir of tempDirs) removeTempDir(dir);
}

/** Whether `taskset` is usable and there are at least two cores to pin to. */
export const canPin: boolean =
  spawnSync('taskset', ['-c', '0', 'true']).status === 0 &&
  (spawnSync('nproc').stdout?.toString().trim() ?? '1') !== '1';

/** Core of the target server (nginx, the outage server). */
export const SERVER_CPU = 0;
/** Core of the load tool under test (zerodown, autocannon, loadtest). */
export const TOOL_CPU = 1;

/** A finished child. */
export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  wallMs: number;
  /** User + system CPU seconds of the child (from this process's reaped-children times). */
  cpuSeconds: number;
  /** The hard limit was reached and the child was killed. */
  killed: boolean;
}

/** Options of `runChild` / `startChild`. */
export interface ChildOptions {
  /** Pin to this core when pinning is possible. */
  cpu?: number;
  /** Hard limit: SIGTERM at this time, SIGKILL 3 s later. */
  limitMs: number;
  env?: NodeJS.ProcessEnv;
  /** Collect stdout (default true; false discards it). */
  keepStdout?: boolean;
}

/** A started child with its output collected. */
export interface Started {
  child: ChildProcess;
  pid: number;
  /** Resolves when the child has exited and been reaped. */
  done: Promise<Finished>;
  /** Calls `fn` with each complete stdout line. */
  onLine(fn: (line: string) => void): void;
}

/** Set once the benchmark is stopping: no new child may start. */
let closing = false;

/** Starts `command args` (on core `cpu` when possible), tracked and time-limited. */
export function startChild(command: string, args: readonly string[], opts: ChildOptions): Started {
  if (closing) throw new Error('the benchmark is stopping');
  const pinned = opts.cpu !== undefined && canPin;
  const file = pinned ? 'taskset' : command;
  const argv = pinned ? ['-c', String(opts.cpu), command, ...args] : [...args];
  const cpuBefore = reapedChildrenCpuSeconds();
  const t0 = performance.now();
  const child = spawn(file, argv, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: opts.env ?? process.env,
  });
  if (child.pid === undefined) throw new Error(`cannot start ${command}`);
  const pid = child.pid;
  live.set(pid, child);
  const out: string[] = [];
  const err: string[] = [];
  const lineListeners: ((line: string) => void)[] = [];
  let partial = '';
  const keep = opts.keepStdout !== false;
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    if (keep) out.push(chunk);
    if (lineListeners.length === 0) return;
    partial += chunk;
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) for (const fn of lineListeners) fn(line);
  });
  child.stderr.on('data', (chunk: string) => {
    if (err.length < 1000) err.push(chunk);
  });
  let killed = false;
  const limit = setTimeout(() => {
    killed = true;
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 3000).unref();
  }, opts.limitMs);
  const done = new Promise<Finished>((resolve) => {
    child.on('close', (code, signal) => {
      clearTimeout(limit);
      live.delete(pid);
      resolve({
        code,
        signal,
        stdout: out.join(''),
        stderr: err.join(''),
        wallMs: performance.now() - t0,
        cpuSeconds: reapedChildrenCpuSeconds() - cpuBefore,
        killed,
      });
    });
  });
  return { child, pid, done, onLine: (fn) => lineListeners.push(fn) };
}

/** Runs a child to its end. */
export function runChild(
  command: string,
  args: readonly string[],
  opts: ChildOptions,
): Promise<Finished> {
  return startChild(command, args, opts).done;
}

/** Signals every child still running (used on error and SIGINT); synchronous. */
export function killAllChildren(signal: NodeJS.Signals = 'SIGTERM'): void {
  for (const child of live.values()) {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}

/** Stops every child still running: SIGTERM, waiting up to `graceMs` for them to exit. */
export async function stopAllChildren(graceMs = 3000): Promise<void> {
  closing = true;
  const waiting = [...live.values()].map(
    (child) => new Promise<void>((resolve) => child.once('close', () => resolve())),
  );
  killAllChildren('SIGTERM');
  await Promise.race([Promise.all(waiting), delay(graceMs)]);
  killAllChildren('SIGKILL');
}

/**
 * CPU seconds (user + system) of this process's children that have exited and been waited for
 * (`cutime + cstime` of /proc/self/stat). The difference around one child's life is its CPU time,
 * as long as no other child exits meanwhile (the benchmark runs one tool at a time).
 */
export function reapedChildrenCpuSeconds(): number {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // After "pid (comm) ": state is field 3, so field n is fields[n - 3]; cutime 16, cstime 17.
    const ticks = Number(fields[13]) + Number(fields[14]);
    return ticks / CLOCK_TICKS;
  } catch {
    return NaN;
  }
}

const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK']).stdout?.toString().trim()) || 100;

/** Resident set size of a process in bytes (VmRSS), or undefined once it has gone. */
export function rssBytes(pid: number): number | undefined {
  return statusField(pid, 'VmRSS');
}

/** Peak resident set size of a process in bytes (VmHWM). */
export function peakRssBytes(pid: number): number | undefined {
  return statusField(pid, 'VmHWM');
}

function statusField(pid: number, name: string): number | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text);
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** A TCP port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Resolves after `ms`. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
