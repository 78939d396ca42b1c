/**
 * Tracks how well zerodown keeps its own schedule: send lateness (actual minus scheduled), skipped
 * probes, and the periods when it fell behind (stalls), so those are never read as the target's
 * downtime.
 */
import { LatencyHistogram, round3 } from '../analysis/histogram.ts';
import type { EngineStall } from '../result.ts';

/** A send later than this marks a stall (ms). */
export const STALL_LATENESS_MS = 25;
/** Late sends closer together than this belong to one stall (ms). */
const STALL_GAP_MS = 1000;

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
    if (lateMs > STALL_LATENESS_MS) this.mark(scheduledMs, scheduledMs + lateMs, lateMs, 0);
  }

  /** A probe due at `scheduledMs` was not sent at all (noticed at `nowMs`). */
  skip(scheduledMs: number, nowMs: number): void {
    this.skipped++;
    this.mark(scheduledMs, nowMs, nowMs - scheduledMs, 1);
  }

  private mark(startMs: number, endMs: number, lateMs: number, skipped: number): void {
    const c = this.current;
    if (c && startMs - c.endMs <= STALL_GAP_MS) {
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
