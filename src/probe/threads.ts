/**
 * Keeps V8's background threads from delaying probes. V8 compiles hot code and marks the heap on
 * its own worker threads ("V8Worker"); when they share a core with the main thread (a pinned or
 * busy CI runner), the kernel lets them run for 3–8 ms slices while the main thread waits, and
 * every probe due in that time goes out late. Measured with `perf sched` on one pinned core:
 * 5 ms gaps in the send schedule during start-up, all of them V8Worker slices.
 *
 * On Linux a thread has its own nice value, so the workers are lowered {@link WORKER_NICE}
 * steps below the main thread (at most to 19): the main thread wins the core when it is due, and
 * the workers still get the CPU that is idle (at the machine's full load they get ~10 % of the
 * core, so compilation and marking slow down rather than stop). A worker already lower stays as
 * it is. Elsewhere, on a libuv that does not name its threads (before Node 22.14), or when /proc
 * is not readable, nothing changes.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

/** How many nice steps V8's worker threads are put below the main thread (19 is the lowest). */
export const WORKER_NICE = 10;

let done = false;

/**
 * Lowers the priority of this process's V8 worker threads (see the header), once per process.
 * Call it from the main thread. Returns how many threads it changed. Best effort: never throws.
 */
export function deprioritizeV8Workers(): number {
  if (done || process.platform !== 'linux') return 0;
  done = true;
  let changed = 0;
  let tids: string[];
  let target: number;
  try {
    tids = readdirSync('/proc/self/task');
    // On Linux, getpriority(PRIO_PROCESS, 0) is the calling (main) thread's nice value.
    target = Math.min(19, getPriority() + WORKER_NICE);
  } catch {
    return 0;
  }
  for (const tid of tids) {
    try {
      if (readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim() !== 'V8Worker') continue;
      if (getPriority(Number(tid)) >= target) continue;
      setPriority(Number(tid), target);
      changed++;
    } catch {
      // The thread ended, or the system refuses: leave it as it is.
    }
  }
  return changed;
}
