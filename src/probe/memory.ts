/**
 * Keeps a long probing run's memory small and flat, for the command line. Two V8 defaults cost a
 * probing process about 25 MiB it does not need at modest rates (measured at 1000 probes/s:
 * 110–121 MiB of RSS, moving by 10 MiB as V8 resized its heap; 86 MiB with both settings):
 *
 * - The young generation grows from 1 to 16 MiB per semi-space under any steady allocation, and
 *   shrinks only when the process is idle, which a probing run never is. Its growth factor is set
 *   to 1 before anything else is loaded, so it stays at its initial size.
 * - undici's HTTP parser is WebAssembly. Once it is hot, V8 recompiles it with its optimizing
 *   compiler on a background thread; compiling that one large state machine takes ~10 MiB of
 *   malloc'd memory, which the thread's malloc arena keeps after it is freed. With tier-up off the
 *   parser stays on V8's baseline WebAssembly compiler (Liftoff): ~4 % more CPU per probe.
 *
 * Both trade CPU for memory, which is the wrong trade at high rates (more frequent scavenges, a
 * slower parser; measured at 10 000/s: slower start-up and bursts after it). So the command line
 * calls {@link startLean} first thing, and each run calls {@link fitMemoryToRate} before it warms
 * up: above {@link LEAN_MAX_RATE} probes/s in total the young generation may grow again and the
 * parser is optimized as usual. The parser is compiled once per process, so in a long-lived
 * `serve` process the first run decides it. A process that did not call {@link startLean} (zerodown
 * used as a library) keeps V8's defaults.
 */
import { setFlagsFromString } from 'node:v8';

/** Total probe rate (per second, all endpoints) up to which a run keeps memory small. */
export const LEAN_MAX_RATE = 2000;

let lean = false;

/** Command line only, before other modules load: the young generation stays at its initial size. */
export function startLean(): void {
  setFlagsFromString('--semi-space-growth-factor=1');
  lean = true;
}

/**
 * Fits the process to a run of `totalRate` probes/s before it warms up (see the header). Does
 * nothing unless {@link startLean} was called.
 */
export function fitMemoryToRate(totalRate: number): void {
  if (!lean) return;
  const small = totalRate <= LEAN_MAX_RATE;
  // V8's default growth factor is 2.
  setFlagsFromString(`--semi-space-growth-factor=${small ? 1 : 2}`);
  setFlagsFromString(small ? '--no-wasm-dynamic-tiering' : '--wasm-dynamic-tiering');
  setFlagsFromString(small ? '--no-wasm-tier-up' : '--wasm-tier-up');
}
