/**
 * Latency far above history: a run whose latency distribution sits well above what its past runs
 * saw is `degraded` (guard/degraded.ts marks it), even when no probe failed. Pure.
 *
 * The test is the canary comparison's (guard/compare.ts): one-sided Mann-Whitney U, with the
 * past runs as the baseline and this run as the canary. Both sides are read from HDR histograms
 * (the history's merged from its latest runs, this run's own) as fixed-size samples of evenly
 * spaced quantiles, so the p-value does not shrink merely because a run was long. It fails
 * only when the shift is also large: the median at least `ratio` (2) times history's and `min`
 * (25 ms) more — "far above", not the jitter of a busy CI machine.
 */
import { LatencyHistogram } from '../analysis/histogram.ts';
import { compareLatencies } from '../guard/compare.ts';
import type { EndpointResult } from '../result.ts';
import type { LearnRule } from './learn.ts';

/** Values per side of the rank test. */
export const LATENCY_SAMPLE_SIZE = 500;
/** How many of the latest runs make the history's latency. */
export const LATENCY_RUNS = 50;

/** The latency an endpoint's past runs saw. */
export interface LatencyBaseline {
  /** The history key it was read under. */
  key: string;
  /** How many runs' histograms were merged. */
  runs: number;
  /** Quantiles of the merged histogram, ms, ascending. */
  sampleMs: number[];
  rule: NonNullable<LearnRule['latency']>;
}

/** The baseline from a merged histogram of `runs` runs; undefined when it holds nothing. */
export function latencyBaseline(
  key: string,
  merged: { runs: number; histogram: string },
  rule: NonNullable<LearnRule['latency']>,
): LatencyBaseline | undefined {
  const sampleMs = new LatencyHistogram(merged.histogram).quantilesMs(LATENCY_SAMPLE_SIZE);
  if (sampleMs.length === 0) return undefined;
  return { key, runs: merged.runs, sampleMs, rule };
}

/** Merges encoded histograms into one (encoded); undefined for none. */
export function mergeHistograms(encoded: readonly string[]): string | undefined {
  if (encoded.length === 0) return undefined;
  const merged = new LatencyHistogram(encoded[0]);
  for (const e of encoded.slice(1)) merged.merge(new LatencyHistogram(e));
  return merged.encode();
}

/**
 * Why an endpoint's latency is far above its history, or undefined when it is not (or there is
 * too little to say).
 */
export function latencyRegression(e: EndpointResult, b: LatencyBaseline): string | undefined {
  if (e.totalRequests === 0) return undefined;
  const current = new LatencyHistogram(e.histogram).quantilesMs(LATENCY_SAMPLE_SIZE);
  const c = compareLatencies(b.sampleMs, current, {
    alpha: b.rule.alpha,
    minShiftRatio: b.rule.ratio - 1,
  });
  if (c.verdict !== 'fail' || c.canaryMedianMs === null || c.baselineMedianMs === null) {
    return undefined;
  }
  if (c.canaryMedianMs - c.baselineMedianMs < b.rule.minMs) return undefined;
  const p = c.pValue < 1e-4 ? c.pValue.toExponential(1) : String(Number(c.pValue.toPrecision(2)));
  return (
    `latency far above its history: median ${ms(c.canaryMedianMs)} against ${ms(c.baselineMedianMs)} ` +
    `in the last ${b.runs} run${b.runs === 1 ? '' : 's'} of ${b.key} (Mann-Whitney p = ${p})`
  );
}

function ms(value: number): string {
  return `${Number(value.toPrecision(3))} ms`;
}
