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
import type { NumberedWindow } from './incidents.ts';

/** One probe as far as windows care, fed in sequence order. */
export interface WindowInput {
  scheduledMs: number;
  ok: boolean;
  code: string;
  check?: string | undefined;
}

/** Accumulates downtime windows from in-order probes. */
export class DowntimeDetector {
  private readonly closed: NumberedWindow[] = [];
  private current: NumberedWindow | undefined;
  private lastMs = 0;
  private closedTotalMs = 0;
  /** Probes seen so far, in order: the next probe's number. */
  private probes = 0;

  add(p: WindowInput): void {
    this.lastMs = p.scheduledMs;
    const n = this.probes++;
    if (p.ok) {
      if (this.current) {
        const w = this.current.window;
        w.endMs = p.scheduledMs;
        w.durationMs = round3(p.scheduledMs - w.startMs);
        this.closedTotalMs += w.durationMs;
        this.current.endProbe = n;
        this.closed.push(this.current);
        this.current = undefined;
      }
      return;
    }
    this.current ??= {
      window: {
        startMs: round3(p.scheduledMs),
        endMs: round3(p.scheduledMs),
        durationMs: 0,
        open: true,
        failures: 0,
        errorCodes: {},
      },
      firstProbe: n,
      endProbe: n + 1,
    };
    const w = this.current.window;
    w.failures++;
    w.errorCodes[p.code] = (w.errorCodes[p.code] ?? 0) + 1;
    if (p.check !== undefined) addCheck((w.checks ??= {}), p.check, 1);
  }

  /** True while the latest probe in order failed. */
  get isDown(): boolean {
    return this.current !== undefined;
  }

  /** The windows so far; an ongoing one is `open` and ends at the last probe. Copies. */
  windows(): DowntimeWindow[] {
    return this.numberedWindows().map((n) => n.window);
  }

  /** The windows with the probe numbers around them (for incidents). Copies. */
  numberedWindows(): NumberedWindow[] {
    const out = this.closed.map((n) => ({ ...n, window: copy(n.window, false) }));
    if (this.current) {
      const c = this.current;
      const endMs = round3(this.lastMs);
      const window = {
        ...copy(c.window, true),
        endMs,
        durationMs: round3(endMs - c.window.startMs),
      };
      out.push({ window, firstProbe: c.firstProbe, endProbe: this.probes });
    }
    return out;
  }

  /** Summed window time so far, in ms. */
  totalMs(): number {
    const open = this.current ? this.lastMs - this.current.window.startMs : 0;
    return round3(this.closedTotalMs + open);
  }
}

function copy(w: DowntimeWindow, open: boolean): DowntimeWindow {
  const out: DowntimeWindow = { ...w, errorCodes: { ...w.errorCodes }, open };
  if (w.checks) out.checks = { ...w.checks };
  return out;
}

/**
 * Distinct check keys kept per window or incident: a check names what was received, and a
 * changing value (a timestamp) must not grow a map without bound.
 */
export const MAX_CHECK_KEYS = 20;

/** The key further distinct checks are counted under. */
export const OTHER_CHECKS = '(other checks)';

/** Counts `n` failures of `check` into `checks`, past `MAX_CHECK_KEYS` keys under one key. */
export function addCheck(checks: Record<string, number>, check: string, n: number): void {
  const key = check in checks || Object.keys(checks).length < MAX_CHECK_KEYS ? check : OTHER_CHECKS;
  checks[key] = (checks[key] ?? 0) + n;
}
