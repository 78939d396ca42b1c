/**
 * Constant-rate pacing (open model): probe `seq` of an endpoint is due at
 * `offsetMs + seq * 1000 / rate`, whatever happened to earlier probes. Pure.
 */
export class Pacer {
  readonly intervalMs: number;
  readonly offsetMs: number;
  /** The next sequence number to send. */
  next = 0;

  constructor(rate: number, offsetMs = 0) {
    this.intervalMs = 1000 / rate;
    this.offsetMs = offsetMs;
  }

  /** When probe `seq` is due, in ms since the run started. */
  scheduledMs(seq: number): number {
    return this.offsetMs + seq * this.intervalMs;
  }

  /** When the next probe is due. */
  get nextMs(): number {
    return this.scheduledMs(this.next);
  }
}

/**
 * Offsets that spread endpoints across one interval so they do not all fire on the same tick:
 * endpoint i of n starts at `i / n` of its own interval (capped at 1 s).
 */
export function staggerOffsets(rates: readonly number[]): number[] {
  const n = rates.length;
  return rates.map((rate, i) => (Math.min(1000 / rate, 1000) * i) / n);
}
