/**
 * One-box / canary comparison: is the canary worse than the baseline it runs beside?
 *
 * Two questions, two tests, each matched to its data:
 *
 * - error rates are counts of rare events → Fisher's exact test, one-sided (`compareErrorRates`);
 * - latencies are continuous and skewed → Mann-Whitney U, one-sided (`compareLatencies`).
 *
 * Both verdicts need a significant p-value AND an effect large enough to matter; both say
 * `inconclusive` rather than `pass` when the samples are too small to see that effect at all.
 * Pure functions, no I/O; `LatencySample` keeps a fixed-memory sample to feed `compareLatencies`.
 */

import {
  checkAlpha,
  checkCounts,
  checkFinite,
  fisherExactTest,
  logChoose,
  mannWhitneyTest,
  type FisherResult,
  type ProbeCounts,
} from './stats.ts';

export {
  EXACT_BELOW,
  fisherExactTest,
  LatencySample,
  logChoose,
  logFactorial,
  mannWhitneyTest,
  normalUpperTail,
  type FisherResult,
  type MannWhitneyResult,
  type ProbeCounts,
} from './stats.ts';

/** The outcome of a comparison: `inconclusive` means "not enough data to say", never "fine". */
export type CompareVerdict = 'pass' | 'fail' | 'inconclusive';

/** Options for `compareErrorRates`. */
export interface ErrorRateOptions {
  /** Significance level (default 0.01). */
  alpha?: number;
  /** The smallest absolute increase in error rate that matters, in (0, 1] (default 0.01). */
  minEffect?: number;
  /** Use the mid-p value (P(X > a) + ½·P(X = a)) instead of Fisher's P(X ≥ a) (default false). */
  midP?: boolean;
}

/** What `compareErrorRates` found. Rates are fractions (0.05 = 5 %), null without probes. */
export interface ErrorRateComparison {
  verdict: CompareVerdict;
  /** One-sided p-value for "the canary fails more often" (1 when a side has no probes). */
  pValue: number;
  baselineRate: number | null;
  canaryRate: number | null;
  reason: string;
}

/** Options for `compareLatencies`. */
export interface LatencyOptions {
  /** Significance level (default 0.01). */
  alpha?: number;
  /** How much slower the canary's median must be to matter: 0.1 = 10 % slower (default 0.1). */
  minShiftRatio?: number;
}

/** What `compareLatencies` found. Medians are null for an empty sample. */
export interface LatencyComparison {
  verdict: CompareVerdict;
  /** One-sided p-value for "the canary is slower" (1 when a side is empty). */
  pValue: number;
  baselineMedianMs: number | null;
  canaryMedianMs: number | null;
  /** canaryMedianMs / baselineMedianMs (1 when both are 0, Infinity when only the baseline is). */
  medianRatio: number | null;
  /**
   * Rank-biserial correlation, −1…1: 2·P(canary > baseline) + P(tie) − 1 over all pairs, i.e.
   * 2U/(n₁n₂) − 1. 0 is no difference; 1 is every canary value above every baseline value.
   */
  effect: number | null;
  /** How the p-value was computed; `none` when a side is empty. */
  method: 'exact' | 'normal' | 'none';
  reason: string;
}

/** Below this many values on either side, `compareLatencies` is inconclusive. */
export const MIN_LATENCY_SAMPLES = 10;

/**
 * Compares error rates: does the canary fail more often than the baseline?
 *
 * The test is Fisher's exact test, one-sided: given the total failures, the canary's failure
 * count is hypergeometric under "same rate", and p = P(X ≥ canary failures). It is exact at any
 * count, which matters because errors are rare: a normal approximation needs ~5+ expected
 * failures per side and a healthy baseline often has none.
 *
 * Why not a rank test (Mann-Whitney) on per-probe 0/1 error indicators, as automated canary
 * analysis such as Kayenta does on its metrics? With sparse errors almost every value is 0: the
 * test sees one huge block of ties and a handful of ones. The location effect it estimates (the
 * median, or the Hodges-Lehmann shift that Kayenta's classifier thresholds) is exactly 0 while
 * fewer than half the probes fail, so a canary failing 3 % of its probes against a clean
 * baseline classifies as "pass"; and its p-value leans on a normal approximation to that
 * tie-dominated distribution, poor at small counts. Counts deserve a count test.
 *
 * Verdict:
 * - `fail`: p < alpha AND canaryRate − baselineRate ≥ minEffect.
 * - `inconclusive`: a side has no probes; or the samples cannot detect minEffect at all —
 *   a canary showing exactly the baseline's rate + minEffect (⌈(b/n₀ + minEffect)·n₁⌉ failures,
 *   the baseline as observed) would still not reach p < alpha, or that rate exceeds 1.
 *   (3 failures of 50 vs 0 of 50: even 1 of 50 vs 0 gives p = 0.5, so 50 probes cannot see a
 *   1-point rise.) A result that is `fail` by the rule above is never downgraded.
 * - `pass`: otherwise — no significant increase, or one smaller than minEffect.
 */
export function compareErrorRates(
  baseline: ProbeCounts,
  canary: ProbeCounts,
  options: ErrorRateOptions = {},
): ErrorRateComparison {
  checkCounts(baseline, 'baseline');
  checkCounts(canary, 'canary');
  const alpha = checkAlpha(options.alpha ?? 0.01);
  const minEffect = options.minEffect ?? 0.01;
  if (!(minEffect > 0 && minEffect <= 1)) {
    throw new RangeError(`minEffect ${minEffect}: not in (0, 1]`);
  }
  const pick = (r: FisherResult): number => (options.midP ? r.midPValue : r.pValue);

  if (baseline.total === 0 || canary.total === 0) {
    const baselineRate = baseline.total === 0 ? null : baseline.failures / baseline.total;
    const canaryRate = canary.total === 0 ? null : canary.failures / canary.total;
    const reason = `no probes yet (baseline ${baseline.total}, canary ${canary.total})`;
    return { verdict: 'inconclusive', pValue: 1, baselineRate, canaryRate, reason };
  }
  const baselineRate = baseline.failures / baseline.total;
  const canaryRate = canary.failures / canary.total;
  const pValue = pick(fisherExactTest(canary, baseline));
  const rise = canaryRate - baselineRate;
  const rates = `canary ${percent(canaryRate)} vs baseline ${percent(baselineRate)}`;
  const result = (verdict: CompareVerdict, reason: string): ErrorRateComparison => ({
    verdict,
    pValue,
    baselineRate,
    canaryRate,
    reason,
  });

  // Tolerate float noise: 0.06 − 0.05 is 0.009999… and should count as a 1-point rise.
  if (pValue < alpha && rise >= minEffect - 1e-12) {
    return result('fail', `${rates} errors (${points(rise)}), p = ${fmtP(pValue)} < ${alpha}`);
  }
  const targetFailures = Math.ceil((baselineRate + minEffect) * canary.total - 1e-9);
  if (targetFailures > canary.total) {
    return result('inconclusive', `${rates} errors: a rise of ${points(minEffect)} is impossible`);
  }
  const bestP = pick(fisherExactTest({ failures: targetFailures, total: canary.total }, baseline));
  if (bestP >= alpha) {
    const even = `even ${targetFailures} canary failure${targetFailures === 1 ? '' : 's'}`;
    return result(
      'inconclusive',
      `too few probes (${canary.total} canary, ${baseline.total} baseline) to see a rise of ` +
        `${points(minEffect)}: ${even} would give p = ${fmtP(bestP)} ≥ ${alpha} ` +
        `(${rates} errors, p = ${fmtP(pValue)})`,
    );
  }
  if (pValue < alpha) {
    return result(
      'pass',
      `${rates} errors: significant (p = ${fmtP(pValue)}) but ${points(rise)} is below ` +
        `${points(minEffect)}`,
    );
  }
  return result('pass', `${rates} errors: no significant rise (p = ${fmtP(pValue)})`);
}

/**
 * Compares latencies: is the canary slower than the baseline?
 *
 * The test is Mann-Whitney U, one-sided (canary stochastically larger), on the raw values: no
 * assumption about the distribution's shape, robust to the long tail latencies have. The p-value
 * is exact (the permutation distribution of the rank sum, ties included) when the smaller sample
 * has fewer than `EXACT_BELOW` values and the computation fits a small budget; otherwise normal,
 * with tie and continuity corrections — see `mannWhitneyTest`.
 *
 * Verdict:
 * - `inconclusive`: fewer than `MIN_LATENCY_SAMPLES` (10) values on either side, or samples so
 *   small that even complete separation (every canary value above every baseline value,
 *   p = 1/C(n₀+n₁, n₁)) could not reach p < alpha.
 * - `fail`: p < alpha AND canary median ≥ (1 + minShiftRatio) × baseline median.
 * - `pass`: otherwise.
 *
 * Latencies are for successful probes only: a failure's latency (a fast 503, a 10 s timeout)
 * belongs to `compareErrorRates`. Values must be finite, in ms.
 */
export function compareLatencies(
  baselineMs: readonly number[],
  canaryMs: readonly number[],
  options: LatencyOptions = {},
): LatencyComparison {
  checkFinite(baselineMs, 'baselineMs');
  checkFinite(canaryMs, 'canaryMs');
  const alpha = checkAlpha(options.alpha ?? 0.01);
  const minShiftRatio = options.minShiftRatio ?? 0.1;
  if (!(minShiftRatio >= 0 && Number.isFinite(minShiftRatio))) {
    throw new RangeError(`minShiftRatio ${minShiftRatio}: not a finite number ≥ 0`);
  }
  const baselineMedianMs = median(baselineMs);
  const canaryMedianMs = median(canaryMs);
  const sizes = `${canaryMs.length} canary, ${baselineMs.length} baseline`;
  if (baselineMedianMs === null || canaryMedianMs === null) {
    const reason = `no latencies yet (${sizes})`;
    return {
      verdict: 'inconclusive',
      pValue: 1,
      baselineMedianMs,
      canaryMedianMs,
      medianRatio: null,
      effect: null,
      method: 'none',
      reason,
    };
  }
  const medianRatio = ratio(canaryMedianMs, baselineMedianMs);
  const mw = mannWhitneyTest(canaryMs, baselineMs);
  const effect = (2 * mw.u) / (canaryMs.length * baselineMs.length) - 1;
  const { pValue, method } = mw;
  const result = (verdict: CompareVerdict, reason: string): LatencyComparison => ({
    verdict,
    pValue,
    baselineMedianMs,
    canaryMedianMs,
    medianRatio,
    effect,
    method,
    reason,
  });
  const medians =
    `canary median ${fmtMs(canaryMedianMs)} vs ${fmtMs(baselineMedianMs)} ` +
    `(x${fmtRatio(medianRatio)})`;

  const n = canaryMs.length + baselineMs.length;
  const bestP = Math.exp(-logChoose(n, canaryMs.length));
  if (Math.min(canaryMs.length, baselineMs.length) < MIN_LATENCY_SAMPLES || bestP >= alpha) {
    return result(
      'inconclusive',
      `too few latencies (${sizes}; need ${MIN_LATENCY_SAMPLES} each and a reachable ` +
        `p < ${alpha}): ${medians}`,
    );
  }
  const threshold = 1 + minShiftRatio;
  if (pValue < alpha && medianRatio >= threshold - 1e-12) {
    return result('fail', `${medians} ≥ x${fmtRatio(threshold)}, p = ${fmtP(pValue)} < ${alpha}`);
  }
  if (pValue < alpha) {
    return result(
      'pass',
      `${medians}: significant (p = ${fmtP(pValue)}) but below x${fmtRatio(threshold)}`,
    );
  }
  return result('pass', `${medians}: no significant slowdown (p = ${fmtP(pValue)})`);
}

/** The median, or null for an empty sample. */
function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = Float64Array.from(values).sort();
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function ratio(canary: number, baseline: number): number {
  if (baseline > 0) return canary / baseline;
  return canary > baseline ? Infinity : 1;
}

function percent(rate: number): string {
  return `${(rate * 100).toFixed(2)}%`;
}

function points(diff: number): string {
  return `${diff >= 0 ? '+' : ''}${(diff * 100).toFixed(2)} points`;
}

function fmtP(p: number): string {
  return p < 1e-4 ? p.toExponential(1) : String(Number(p.toPrecision(2)));
}

function fmtMs(ms: number): string {
  return `${Number(ms.toPrecision(4))} ms`;
}

function fmtRatio(r: number): string {
  return Number.isFinite(r) ? r.toFixed(2) : '∞';
}
