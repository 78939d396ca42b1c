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
 * endpoint i of n starts at `i / n` of its own interval (capped at 1 s), rounded down to a whole
 * millisecond. The engine wakes on 1 ms timers, so a schedule that falls half-way between two
 * wakes is sent later on average, and that lateness is part of the latency: two identical
 * endpoints at x.0 and x.5 ms measured medians 0.74 and 0.94 ms, enough for a canary comparison
 * to call one of them slower. Whole-millisecond offsets give every endpoint the same phase.
 */
export function staggerOffsets(rates: readonly number[]): number[] {
  const n = rates.length;
  return rates.map((rate, i) => Math.floor((Math.min(1000 / rate, 1000) * i) / n));
}

/**
 * Limits how fast an endpoint sends, so that catching up after it fell behind (a stall of
 * zerodown's own event loop, a cold start) never reaches the target as a burst. Every probe takes
 * a token from a bucket that refills at `factor` × the rate; a probe finding the bucket empty
 * waits for the next token. On schedule an endpoint uses 1/`factor` of the refill, so the bucket
 * stays full and timer jitter within the bucket's `bucketMs` costs nothing (a wake 3 ms late at
 * 1000/s sends 2 probes at once and the third ~1 ms later); a backlog goes out at `factor` × the
 * rate.
 * Because on-schedule and late probes draw from the same bucket, any `w` ms hold at most the
 * bucket's size plus `factor` × the rate × `w` probes, whatever mix of the two they are (at
 * 1000/s × 1.2 with a 2 ms bucket: 14 in any 10 ms, 10 of them on schedule).
 *
 * The bucket holds `bucketMs` worth, or 1.5 typical gaps between calls when the loop ticks less
 * often than that (a busy machine): otherwise each slow tick would refill less than the rate
 * and the backlog would never drain. A stall is not a typical gap: each gap counts at most twice
 * the typical one, so one long stall does not widen the bucket into a burst. It always holds at
 * least one token plus a millisecond of refill, so at low rates a probe due finds its token.
 * Pure: the caller passes the clock.
 */
export class CatchUp {
  private readonly perMs: number;
  private readonly bucketMs: number;
  private tokens: number;
  private at: number;
  /** Typical time between calls that advance the clock (ms), an exponential average. */
  private gapMs = 1;

  constructor(rate: number, factor: number, bucketMs: number, nowMs: number) {
    this.perMs = (rate * factor) / 1000;
    this.bucketMs = bucketMs;
    this.tokens = this.cap();
    this.at = nowMs;
  }

  /**
   * The bucket's size. Not rounded up: at 1000/s × 1.2, 2 ms' worth is 2.4 tokens, so never 3 at
   * once.
   */
  private cap(): number {
    const windowMs = Math.max(this.bucketMs, 1.5 * this.gapMs);
    return Math.max(1 + this.perMs, this.perMs * windowMs);
  }

  /** May a probe go at `nowMs`? Takes a token when it may. */
  take(nowMs: number): boolean {
    const dt = nowMs - this.at;
    if (dt > 0) {
      this.gapMs += 0.2 * (Math.min(dt, 2 * this.gapMs) - this.gapMs);
      this.tokens = Math.min(this.cap(), this.tokens + dt * this.perMs);
      this.at = nowMs;
    }
    if (this.tokens < 1) return false;
    this.tokens--;
    return true;
  }

  /** When the next token is there (after a failed {@link take}). */
  nextAtMs(): number {
    return this.at + Math.max(0, 1 - this.tokens) / this.perMs;
  }
}
