/**
 * Downtime windows: runs of consecutive failed probes in scheduled-send order (contract §3).
 *
 *   probes:  ok ok ✗ ✗ ✗ ok ok ✗ ✗
 *                  ^     ^     ^  ^ last probe
 *                start  end  start end (open)
 *
 * `startMs` is the scheduled time of the first failure, `endMs` that of the first success after
 * it; a window still failing at the end is `open` and ends at the last probe.
 */
import type { DowntimeWindow } from '../result.ts';
import { round3 } from './histogram.ts';

/** One probe as far as windows care, fed in sequence order. */
export interface WindowInput {
  scheduledMs: number;
  ok: boolean;
  code: string;
  check?: string | undefined;
}

/** Accumulates downtime windows from in-order probes. */
export class DowntimeDetector {
  private readonly closed: DowntimeWindow[] = [];
  private current: DowntimeWindow | undefined;
  private lastMs = 0;
  private closedTotalMs = 0;

  add(p: WindowInput): void {
    this.lastMs = p.scheduledMs;
    if (p.ok) {
      if (this.current) {
        this.current.endMs = p.scheduledMs;
        this.current.durationMs = round3(p.scheduledMs - this.current.startMs);
        this.closedTotalMs += this.current.durationMs;
        this.closed.push(this.current);
        this.current = undefined;
      }
      return;
    }
    const w = (this.current ??= {
      startMs: round3(p.scheduledMs),
      endMs: round3(p.scheduledMs),
      durationMs: 0,
      open: true,
      failures: 0,
      errorCodes: {},
    });
    w.failures++;
    w.errorCodes[p.code] = (w.errorCodes[p.code] ?? 0) + 1;
    if (p.check !== undefined) {
      w.checks ??= {};
      w.checks[p.check] = (w.checks[p.check] ?? 0) + 1;
    }
  }

  /** True while the latest probe in order failed. */
  get isDown(): boolean {
    return this.current !== undefined;
  }

  /** The windows so far; an ongoing one is `open` and ends at the last probe. Copies. */
  windows(): DowntimeWindow[] {
    const out = this.closed.map((w) => ({ ...w, open: false }));
    if (this.current) {
      const endMs = round3(this.lastMs);
      out.push({
        ...this.current,
        endMs,
        durationMs: round3(endMs - this.current.startMs),
        open: true,
      });
    }
    return out;
  }

  /** Summed window time so far, in ms. */
  totalMs(): number {
    const open = this.current ? this.lastMs - this.current.startMs : 0;
    return round3(this.closedTotalMs + open);
  }
}
