/**
 * How busy the machine was during a trial (from /proc/stat and /proc/PID/stat), so figures taken
 * while other work ran on the same cores can be told apart; and a bounded wait for a quiet
 * machine before a trial.
 */
import { readFileSync } from 'node:fs';
import { delay } from './proc.ts';

interface Snapshot {
  /** Busy and total jiffies of the whole machine. */
  busy: number;
  total: number;
  /** CPU ticks of the watched processes. */
  watched: number;
  /** Jiffies the hypervisor gave to other guests while this machine wanted to run. */
  steal: number;
}

/** Machine load during a trial, in % of one core (a 2-core machine tops out at 200). */
export interface CpuLoad {
  /** Every core's busy time. */
  machinePct: number;
  /** The watched processes (the target server). */
  serverPct: number;
  /**
   * Busy time not accounted for by the target server and the tool: other processes on the
   * machine (and the kernel's network work). High values mean the trial was disturbed.
   */
  othersPct: number;
  /**
   * Time the virtual machine's CPUs were taken by the hypervisor (steal, summed over cores),
   * ms. Any steal can pause every process at once for tens of ms: a burst then is the host's.
   */
  stealMs: number;
}

/** Measures machine busy time from `start()` to `stop(toolCpuSeconds)`. */
export class CpuMeter {
  private readonly watch: () => readonly number[];
  private first: Snapshot | undefined;
  private t0 = 0;

  /** `watch` returns the pids whose CPU counts as the server's (read at start and stop). */
  constructor(watch: () => readonly number[]) {
    this.watch = watch;
  }

  start(): void {
    this.first = snapshot(this.watch());
    this.t0 = performance.now();
  }

  /** `toolCpuSeconds`: the tool's own CPU time over the same period. */
  stop(toolCpuSeconds: number): CpuLoad {
    const a = this.first ?? snapshot([]);
    const b = snapshot(this.watch());
    const wallS = (performance.now() - this.t0) / 1000;
    const machinePct = ((b.busy - a.busy) / TICKS / wallS) * 100;
    const serverPct = ((b.watched - a.watched) / TICKS / wallS) * 100;
    const toolPct = (toolCpuSeconds / wallS) * 100;
    return {
      machinePct: Math.round(machinePct),
      serverPct: Math.round(serverPct),
      othersPct: Math.max(0, Math.round(machinePct - serverPct - toolPct)),
      stealMs: Math.round(((b.steal - a.steal) / TICKS) * 1000),
    };
  }
}

/** Clock ticks per second of /proc (USER_HZ; 100 on Linux). */
const TICKS = 100;

function snapshot(pids: readonly number[]): Snapshot {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal (guest time is already in user)
  const idle = (f[3] ?? 0) + (f[4] ?? 0);
  const total = f.slice(0, 8).reduce((s, x) => s + x, 0);
  let watched = 0;
  for (const pid of pids) watched += processTicks(pid);
  return { busy: total - idle, total, watched, steal: f[7] ?? 0 };
}

function processTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

/** Busy time of the whole machine over the next `ms`, in % of one core. */
export async function machineBusyPct(ms: number): Promise<number> {
  const a = snapshot([]);
  await delay(ms);
  const b = snapshot([]);
  return ((b.busy - a.busy) / TICKS / (ms / 1000)) * 100;
}

let quietBudgetMs = 0;

/** Sets the total time all `waitForQuiet` calls together may spend waiting. */
export function setQuietBudget(ms: number): void {
  quietBudgetMs = ms;
}

/**
 * Waits (in 1 s looks, at most `maxMs` and within the overall budget) until the machine is
 * quieter than `busyPct` % of one core. Returns how long it waited, ms.
 */
export async function waitForQuiet(maxMs: number, busyPct = 30): Promise<number> {
  const t0 = performance.now();
  const limit = Math.min(maxMs, quietBudgetMs);
  for (let i = 0; i < 120; i++) {
    const pct = await machineBusyPct(300);
    const waited = performance.now() - t0;
    if (pct < busyPct || waited >= limit) break;
    await delay(200);
  }
  const waited = performance.now() - t0;
  quietBudgetMs = Math.max(0, quietBudgetMs - waited);
  return Math.round(waited);
}
