/**
 * What the server saw of one trial, from its access log: arrivals per whole second, the densest
 * 10 ms, connections used. Pure.
 *
 * Seconds are counted from the first arrival, so there is no partial first second; only whole
 * seconds that end at or before the last arrival are kept, so the partial last second (the tail
 * after the last whole second, and the tool's stop) is dropped:
 *
 *   arrivals:  |first ........................................ last|
 *   buckets:   [  0  )[  1  )[  2  ) ... [ n-1 ) (tail, dropped)
 */
import type { Arrival } from './nginx.ts';

/** Arrival statistics of one trial. */
export interface ArrivalStats {
  arrivals: number;
  /** Distinct nginx connection serials: connections that carried at least one request. */
  connections: number;
  non200: number;
  /** Time from first to last arrival, ms. */
  spanMs: number;
  /** Whole seconds counted (see the header). */
  buckets: number[];
  bucketMin: number | null;
  bucketMax: number | null;
  /** Mean of the whole-second buckets: the achieved rate. */
  meanRate: number | null;
  /** Largest |bucket − target| / target, in %. */
  worstDeviationPct: number | null;
  /** Most arrivals in any window of `windowMs` (over all arrivals of the trial). */
  maxInWindow: number;
  /** The same, leaving out the first second (start-up), for diagnosis only. */
  maxInWindowAfterFirstSecond: number;
  windowMs: number;
}

/** Analyses one trial's arrivals against a target rate (per second). */
export function analyzeArrivals(
  all: readonly Arrival[],
  targetRate: number | undefined,
  windowMs = 10,
): ArrivalStats {
  const times = all.map((a) => a.ms).sort((a, b) => a - b);
  const n = times.length;
  const first = times[0] ?? 0;
  const last = times[n - 1] ?? 0;
  const whole = n === 0 ? 0 : Math.floor((last - first) / 1000);
  const buckets = new Array<number>(whole).fill(0);
  for (const t of times) {
    const k = Math.floor((t - first) / 1000);
    if (k < whole) buckets[k]!++;
  }
  let maxInWindow = 0;
  let maxAfterFirst = 0;
  for (let i = 0, j = 0; i < n; i++) {
    while (j < n && times[j]! < times[i]! + windowMs) j++;
    maxInWindow = Math.max(maxInWindow, j - i);
    if (times[i]! >= first + 1000) maxAfterFirst = Math.max(maxAfterFirst, j - i);
  }
  const meanRate = whole > 0 ? buckets.reduce((s, b) => s + b, 0) / whole : null;
  const dev =
    targetRate !== undefined && whole > 0
      ? Math.max(...buckets.map((b) => (Math.abs(b - targetRate) / targetRate) * 100))
      : null;
  return {
    arrivals: n,
    connections: new Set(all.map((a) => a.connection)).size,
    non200: all.filter((a) => a.status !== 200).length,
    spanMs: last - first,
    buckets,
    bucketMin: whole > 0 ? Math.min(...buckets) : null,
    bucketMax: whole > 0 ? Math.max(...buckets) : null,
    meanRate,
    worstDeviationPct: dev,
    maxInWindow,
    maxInWindowAfterFirstSecond: maxAfterFirst,
    windowMs,
  };
}
