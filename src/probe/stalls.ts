/**
 * Tracks how well zerodown keeps its own schedule: send lateness (actual minus scheduled), skipped
 * probes, and the periods when it fell behind (stalls), so those are never read as the target's
 * downtime.
 */
import { LatencyHistogram, round3 } from '../analysis/histogram.ts';
import type { EngineStall } from '../result.ts';
import { Deque } from './deque.ts';

/** A send later than this marks a stall (ms). */
export const STALL_LATENESS_MS = 25;
/** Late sends closer together than this belong to one stall (ms). */
const STALL_GAP_MS = 1000;

/** Width of the window in which {@link DensestWindow} counts sends (ms). */
export const DENSITY_WINDOW_MS = 10;

/**
 * The most sends in any {@link DENSITY_WINDOW_MS} of one endpoint: what the target saw of
 * zerodown's pacing at its tightest, measured where it is made (a server's view adds its own
 * pauses: arrivals held back by a paused server are logged together). Sends come in time order;
 * it keeps the send times of the last window.
 */
export class DensestWindow {
  private readonly times = new Deque<number>();
  /** The most sends seen in any window so far. */
  max = 0;

  /** A send at `ms` (not earlier than the previous one). */
  add(ms: number): void {
    const times = this.times;
    while (times.length > 0 && times.peek()! <= ms - DENSITY_WINDOW_MS) times.shift();
    times.push(ms);
    if (times.length > this.max) this.max = times.length;
  }
}

/** Accumulates lateness and stalls. */
export class StallTracker {
  private readonly lateness = new LatencyHistogram();
  private readonly list: EngineStall[] = [];
  private current: EngineStall | undefined;
  skipped = 0;
  sent = 0;

  /** A probe due at `scheduledMs` went out `lateMs` late. */
  sentLate(scheduledMs: number, lateMs: number): void {
    this.sent++;
    this.lateness.recordMs(Math.max(0, lateMs));
    this.lateUntil(scheduledMs, scheduledMs + lateMs);
  }

  /**
   * A probe due at `scheduledMs` went out only at `outMs`: sent late, or held waiting for a
   * connection while zerodown's own loop was busy (it was counted as sent when it entered the
   * pool). Past {@link STALL_LATENESS_MS}, that is a stall of zerodown's, not the target's
   * slowness.
   */
  lateUntil(scheduledMs: number, outMs: number): void {
    const lateMs = outMs - scheduledMs;
    if (lateMs > STALL_LATENESS_MS) this.mark(scheduledMs, outMs, lateMs, 0);
  }

  /** A probe due at `scheduledMs` was not sent at all (noticed at `nowMs`). */
  skip(scheduledMs: number, nowMs: number): void {
    this.skipped++;
    this.mark(scheduledMs, nowMs, nowMs - scheduledMs, 1);
  }

  private mark(startMs: number, endMs: number, lateMs: number, skipped: number): void {
    const c = this.current;
    if (c && startMs - c.endMs <= STALL_GAP_MS) {
      c.startMs = Math.min(c.startMs, round3(startMs));
      c.endMs = Math.max(c.endMs, endMs);
      c.maxLateMs = Math.max(c.maxLateMs, round3(lateMs));
      c.skipped += skipped;
      return;
    }
    this.current = {
      startMs: round3(startMs),
      endMs: round3(endMs),
      maxLateMs: round3(lateMs),
      skipped,
    };
    this.list.push(this.current);
  }

  stalls(): EngineStall[] {
    return this.list.map((s) => ({ ...s, endMs: round3(s.endMs) }));
  }

  latenessMs(): { p50: number; p99: number; max: number } {
    return {
      p50: this.lateness.percentileMs(50) ?? 0,
      p99: this.lateness.percentileMs(99) ?? 0,
      max: this.lateness.maxMs ?? 0,
    };
  }
}
