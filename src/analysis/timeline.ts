/**
 * Per-interval timeline of one endpoint (ok / failed counts, latency p50/p99/max), bucketed by
 * scheduled send time and fed in sequence order. Only the current bucket keeps a histogram.
 */
import type { TimelinePoint } from '../result.ts';
import { LatencyHistogram } from './histogram.ts';

/** Builds the `timeline` of an endpoint result. */
export class TimelineAccumulator {
  readonly intervalMs: number;
  private readonly points: TimelinePoint[] = [];
  private current: TimelinePoint | undefined;
  private readonly histogram = new LatencyHistogram();

  constructor(intervalMs = 1000) {
    this.intervalMs = intervalMs;
  }

  add(scheduledMs: number, ok: boolean, latencyMs: number): void {
    const startMs = Math.floor(scheduledMs / this.intervalMs) * this.intervalMs;
    if (this.current?.startMs !== startMs) {
      this.flush();
      this.current = { startMs, ok: 0, failed: 0, p50Ms: null, p99Ms: null, maxMs: null };
    }
    if (ok) this.current.ok++;
    else this.current.failed++;
    this.histogram.recordMs(latencyMs);
  }

  /** All points so far, the current (incomplete) one included. */
  snapshot(): TimelinePoint[] {
    return this.current ? [...this.points, this.readCurrent()] : [...this.points];
  }

  private flush(): void {
    if (!this.current) return;
    this.points.push(this.readCurrent());
    this.histogram.reset();
    this.current = undefined;
  }

  private readCurrent(): TimelinePoint {
    const c = this.current!;
    return {
      ...c,
      p50Ms: this.histogram.percentileMs(50),
      p99Ms: this.histogram.percentileMs(99),
      maxMs: this.histogram.maxMs,
    };
  }
}
