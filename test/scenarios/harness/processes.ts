/**
 * Every process a scenario starts is registered as a file `<scenario dir>/pids/<pid>` (content:
 * `group <label>` for a process group the harness started, or `backend <name>` written by a
 * backend itself, even one a deploy script started). Ending a scenario ends everything listed
 * there; a watchdog process does the same if the test process dies without cleaning up.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

interface Registered {
  pid: number;
  /** Signal the whole process group (`-pid`), not just the process. */
  group: boolean;
  label: string;
}

/** The processes registered under `dir`, alive or not. */
export function registered(dir: string): Registered[] {
  const pids = join(dir, 'pids');
  if (!existsSync(pids)) return [];
  const out: Registered[] = [];
  for (const file of readdirSync(pids)) {
    const pid = Number(file);
    if (!Number.isInteger(pid) || pid <= 1) continue;
    let text: string;
    try {
      text = readFileSync(join(pids, file), 'utf8').trim();
    } catch {
      continue; // removed meanwhile: the process exited
    }
    out.push({ pid, group: text.startsWith('group '), label: text });
  }
  return out;
}

/** Starts a command in its own process group and registers it under `dir`. */
export function spawnRegistered(
  dir: string,
  label: string,
  command: string,
  args: readonly string[],
  options: SpawnOptions = {},
): ChildProcess {
  const child = spawn(command, args, { stdio: 'ignore', ...options, detached: true });
  if (child.pid === undefined) throw new Error(`could not start ${command}`);
  mkdirSync(join(dir, 'pids'), { recursive: true });
  const file = join(dir, 'pids', String(child.pid));
  writeFileSync(file, `group ${label}\n`);
  child.once('exit', () => rmSync(file, { force: true }));
  return child;
}

/**
 * True while `pid` runs. A zombie does not count: an orphaned backend is reparented to PID 1,
 * which in a container may never reap it.
 */
export function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

function signal(r: Registered, sig: NodeJS.Signals): void {
  try {
    process.kill(r.group ? -r.pid : r.pid, sig);
  } catch {
    // already gone
  }
}

/**
 * Ends every process registered under `dir`: SIGTERM, then SIGKILL for what is still there
 * after `graceMs`. Resolves when they are gone (or after the SIGKILL).
 */
export async function endRegistered(dir: string, graceMs = 2000): Promise<void> {
  const list = registered(dir);
  for (const r of list) signal(r, 'SIGTERM');
  const until = Date.now() + graceMs;
  while (list.some((r) => alive(r.pid)) && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 20));
  }
  for (const r of list) if (alive(r.pid)) signal(r, 'SIGKILL');
  rmSync(join(dir, 'pids'), { recursive: true, force: true });
}

/** SIGKILL to everything registered under `dir`, synchronously (for `process.on('exit')`). */
export function killRegisteredSync(dir: string): void {
  for (const r of registered(dir)) signal(r, 'SIGKILL');
}

const WATCHDOG = fileURLToPath(new URL('./watchdog.ts', import.meta.url));

/**
 * Starts the watchdog for scenario folders under `root`: when this process is gone (even
 * SIGKILLed), it SIGKILLs everything registered there. Returns a function that stops it.
 */
export function startWatchdog(root: string): () => void {
  const child = spawn(process.execPath, [WATCHDOG, String(process.pid), root], {
    detached: true,
    stdio: 'ignore',
  });
  child.unref();
  return () => {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  };
}
