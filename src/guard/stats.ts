/**
 * The statistics under canary comparison: Fisher's exact test (one-sided, hypergeometric tail in
 * log space), Mann-Whitney U (exact for small samples, normal with tie and continuity corrections
 * otherwise), a reservoir sample of latencies, and the numeric helpers they share. Pure.
 */

/** Failed probes out of all probes, for one side of a comparison. */
export interface ProbeCounts {
  failures: number;
  total: number;
}
/** With fewer values than this on the smaller side, Mann-Whitney uses the exact distribution. */
export const EXACT_BELOW = 20;
/** Work budget (cells × values) for the exact Mann-Whitney distribution; above it, normal. */
export const EXACT_BUDGET = 4e7;

/** Fisher's one-sided p-value and its mid-p variant. */
export interface FisherResult {
  /** P(X ≥ a): X = canary failures under "same rate", given both totals and all failures. */
  pValue: number;
  /** P(X > a) + ½·P(X = a): less conservative, closer to alpha on average for discrete data. */
  midPValue: number;
}

/**
 * Fisher's exact test, one-sided: does the canary fail more often than the baseline?
 *
 * For the table [[canary failures, canary successes], [baseline failures, baseline successes]]
 * it returns P(X ≥ canary failures) with X hypergeometric (population = all probes, "successes"
 * = all failures, draws = canary probes) — R's `fisher.test(alternative = "greater")`.
 * Computed in log space from one pmf and the term ratios, O(min margin) at worst and usually far
 * less; relative error about 1e-9 at totals near 1e6.
 */
export function fisherExactTest(canary: ProbeCounts, baseline: ProbeCounts): FisherResult {
  checkCounts(canary, 'canary');
  checkCounts(baseline, 'baseline');
  const population = canary.total + baseline.total;
  const failures = canary.failures + baseline.failures;
  const pValue = hypergeometricUpperTail(canary.failures, population, failures, canary.total);
  const pmf = Math.exp(hypergeometricLogPmf(canary.failures, population, failures, canary.total));
  return { pValue, midPValue: Math.max(0, pValue - pmf / 2) };
}

/**
 * P(X ≥ x) for X ~ Hypergeometric(population, successes, draws). Sums whichever tail lies away
 * from the mode, where terms only shrink, so the sum can stop once they are negligible.
 */
function hypergeometricUpperTail(x: number, population: number, successes: number, draws: number) {
  const lo = Math.max(0, draws - (population - successes));
  const hi = Math.min(successes, draws);
  if (x <= lo) return 1;
  if (x > hi) return 0;
  const others = population - successes;
  const mode = Math.floor(((draws + 1) * (successes + 1)) / (population + 2));
  if (x > mode) {
    // P(j+1)/P(j) = (K−j)(n−j) / ((j+1)(N−K−n+j+1)), decreasing terms above the mode.
    let term = 1;
    let sum = 1;
    for (let j = x; j < hi && term > sum * 1e-17; j++) {
      term *= ((successes - j) * (draws - j)) / ((j + 1) * (others - draws + j + 1));
      sum += term;
    }
    return Math.min(1, sum * Math.exp(hypergeometricLogPmf(x, population, successes, draws)));
  }
  // x ≤ mode: P(X ≥ x) = 1 − P(X ≤ x−1), summing downward from x−1 where terms shrink.
  let term = 1;
  let sum = 1;
  for (let j = x - 1; j > lo && term > sum * 1e-17; j--) {
    term *= (j * (others - draws + j)) / ((successes - j + 1) * (draws - j + 1));
    sum += term;
  }
  const below = sum * Math.exp(hypergeometricLogPmf(x - 1, population, successes, draws));
  return Math.min(1, Math.max(0, 1 - below));
}

function hypergeometricLogPmf(x: number, population: number, successes: number, draws: number) {
  return (
    logChoose(successes, x) +
    logChoose(population - successes, draws - x) -
    logChoose(population, draws)
  );
}

/** Mann-Whitney U of the canary and its one-sided p-value. */
export interface MannWhitneyResult {
  /** Pairs (canary, baseline) with canary > baseline, ties counting ½. */
  u: number;
  /** P(U ≥ u) under "same distribution". */
  pValue: number;
  method: 'exact' | 'normal';
}

/**
 * Mann-Whitney U test, one-sided: are canary values stochastically larger than baseline values?
 * Both samples must be non-empty. R's `wilcox.test(canary, baseline, alternative = "greater")`.
 *
 * - exact when the smaller sample has fewer than `EXACT_BELOW` values and the work fits a
 *   budget (roughly n₀+n₁ ≤ 230 at 19 values, more for fewer): the permutation distribution of
 *   the (mid)rank sum counted by dynamic programming, so ties are handled exactly;
 * - otherwise normal: z = (U − n₀n₁/2 − ½) / σ, σ² = n₀n₁/12 · (N+1 − Σ(t³−t)/(N(N−1))).
 */
export function mannWhitneyTest(
  canaryMs: readonly number[],
  baselineMs: readonly number[],
): MannWhitneyResult {
  const nC = canaryMs.length;
  const nB = baselineMs.length;
  if (nC === 0 || nB === 0) throw new RangeError('mannWhitneyTest: both samples must be non-empty');
  checkFinite(canaryMs, 'canaryMs');
  checkFinite(baselineMs, 'baselineMs');
  const ranks = rankBoth(canaryMs, baselineMs);
  const u = ranks.canaryRankSum2 / 2 - (nC * (nC + 1)) / 2;
  const n = nC + nB;
  const small = Math.min(nC, nB);
  const maxSum2 = 2 * small * n; // an upper bound on any doubled rank sum of `small` values
  if (small < EXACT_BELOW && n * small * maxSum2 <= EXACT_BUDGET) {
    // Count over the smaller group: P(R_c ≥ r) = P(R_b ≤ total − r) when the baseline is smaller.
    const pValue =
      nC <= nB
        ? rankSumTail(ranks.scores2, nC, ranks.canaryRankSum2, 'upper')
        : rankSumTail(ranks.scores2, nB, n * (n + 1) - ranks.canaryRankSum2, 'lower');
    return { u, pValue, method: 'exact' };
  }
  const variance = ((nC * nB) / 12) * (n + 1 - ranks.tieTerm / (n * (n - 1)));
  if (variance <= 0) return { u, pValue: 1, method: 'normal' }; // every value tied
  const z = (u - (nC * nB) / 2 - 0.5) / Math.sqrt(variance);
  return { u, pValue: normalUpperTail(z), method: 'normal' };
}

type Tail = 'upper' | 'lower';

/** Doubled midranks (integers) of the pooled sample, in sorted order, and the canary's sum. */
function rankBoth(canaryMs: readonly number[], baselineMs: readonly number[]) {
  const values = [...canaryMs, ...baselineMs];
  const order = values.map((_, i) => i).sort((a, b) => values[a]! - values[b]!);
  const scores2 = new Array<number>(values.length);
  let canaryRankSum2 = 0;
  let tieTerm = 0;
  let i = 0;
  while (i < order.length) {
    let j = i;
    while (j + 1 < order.length && values[order[j + 1]!] === values[order[i]!]) j++;
    const rank2 = i + j + 2; // 2 × the mean of 1-based ranks i+1 … j+1
    for (let k = i; k <= j; k++) {
      scores2[k] = rank2;
      if (order[k]! < canaryMs.length) canaryRankSum2 += rank2;
    }
    const t = j - i + 1;
    tieTerm += t * t * t - t;
    i = j + 1;
  }
  return { scores2, canaryRankSum2, tieTerm };
}

/**
 * P(sum of `m` scores drawn without replacement ≥ observed) (or ≤, for `lower`), every subset
 * equally likely. counts[k][s] = subsets of size k of the scores seen so far with sum s;
 * scores arrive sorted, so the largest reachable sum is a prefix-sum difference.
 */
function rankSumTail(scores2: readonly number[], m: number, observed: number, tail: Tail) {
  const prefix = [0];
  for (const s of scores2) prefix.push(prefix[prefix.length - 1]! + s);
  const maxSum = prefix[scores2.length]! - prefix[scores2.length - m]!;
  const width = maxSum + 1;
  const counts = new Float64Array((m + 1) * width);
  counts[0] = 1;
  scores2.forEach((v, i) => {
    for (let k = Math.min(i + 1, m); k >= 1; k--) {
      const row = k * width;
      const prev = (k - 1) * width - v;
      for (let s = prefix[i + 1]! - prefix[i + 1 - k]!; s >= v; s--) {
        counts[row + s]! += counts[prev + s]!;
      }
    }
  });
  let total = 0;
  let inTail = 0;
  for (let s = 0; s <= maxSum; s++) {
    const c = counts[m * width + s]!;
    total += c;
    if (tail === 'upper' ? s >= observed : s <= observed) inTail += c;
  }
  return Math.min(1, inTail / total);
}

/**
 * A fixed-memory uniform sample of latencies (reservoir sampling, Algorithm R): after any number
 * of `add`s, every value seen so far is in the sample with equal probability capacity/seen.
 */
export class LatencySample {
  readonly capacity: number;
  private readonly sample: number[] = [];
  private seenCount = 0;
  private readonly random: () => number;

  /** `random` returns uniform values in [0, 1); inject a seeded one for reproducible samples. */
  constructor(capacity = 2000, random: () => number = Math.random) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`capacity ${capacity}: not a positive integer`);
    }
    this.capacity = capacity;
    this.random = random;
  }

  /** Offers one latency in ms; it is kept with probability capacity/seen. */
  add(latencyMs: number): void {
    if (!Number.isFinite(latencyMs)) throw new RangeError(`latency ${latencyMs}: not finite`);
    this.seenCount++;
    if (this.sample.length < this.capacity) {
      this.sample.push(latencyMs);
      return;
    }
    const j = Math.min(Math.floor(this.random() * this.seenCount), this.seenCount - 1);
    if (j < this.capacity) this.sample[j] = latencyMs;
  }

  /** How many latencies were offered. */
  get seen(): number {
    return this.seenCount;
  }

  /** How many latencies are kept: min(seen, capacity). */
  get size(): number {
    return this.sample.length;
  }

  /** The kept latencies in ms (a copy, in no meaningful order). */
  values(): number[] {
    return [...this.sample];
  }
}

/**
 * ln(n!) for an integer n ≥ 0: exact product below 20, Stirling's series (error < 2e-15)
 * from there.
 */
export function logFactorial(n: number): number {
  if (n < 20) {
    let f = 1;
    for (let i = 2; i <= n; i++) f *= i;
    return Math.log(f);
  }
  const inv = 1 / n;
  const inv2 = inv * inv;
  const series = inv * (1 / 12 - inv2 * (1 / 360 - inv2 * (1 / 1260 - inv2 / 1680)));
  return n * Math.log(n) - n + 0.5 * Math.log(2 * Math.PI * n) + series;
}

/** ln C(n, k) for integers 0 ≤ k ≤ n. */
export function logChoose(n: number, k: number): number {
  return logFactorial(n) - logFactorial(k) - logFactorial(n - k);
}

/**
 * P(Z > z) for a standard normal Z: Hart's rational approximation as given by West, "Better
 * approximations to cumulative normal functions" (2005). Absolute error below 1e-16, relative
 * error below 1e-8 out to z = 37 (below 1e-13 for z < 4).
 */
export function normalUpperTail(z: number): number {
  const x = Math.abs(z);
  const density = Math.exp(-(x * x) / 2);
  let lower: number; // P(Z < −|z|)
  if (x > 37) lower = 0;
  else if (x < 7.07106781186547) lower = (density * horner(HART_NUM, x)) / horner(HART_DEN, x);
  else lower = density / (x + 1 / (x + 2 / (x + 3 / (x + 4 / (x + 0.65))))) / 2.506628274631;
  return z >= 0 ? lower : 1 - lower;
}

const HART_NUM = [
  3.52624965998911e-2, 0.700383064443688, 6.37396220353165, 33.912866078383, 112.079291497871,
  221.213596169931, 220.206867912376,
];
const HART_DEN = [
  8.83883476483184e-2, 1.75566716318264, 16.064177579207, 86.7807322029461, 296.564248779674,
  637.333633378831, 793.826512519948, 440.413735824752,
];

function horner(coefficients: readonly number[], x: number): number {
  let y = 0;
  for (const c of coefficients) y = y * x + c;
  return y;
}

export function checkCounts(c: ProbeCounts, side: string): void {
  const ok =
    Number.isInteger(c.failures) &&
    Number.isInteger(c.total) &&
    c.failures >= 0 &&
    c.failures <= c.total;
  if (!ok) throw new RangeError(`${side}: ${c.failures} failures of ${c.total} is not a count`);
}

export function checkAlpha(alpha: number): number {
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha ${alpha}: not in (0, 1)`);
  return alpha;
}

export function checkFinite(values: readonly number[], name: string): void {
  for (const v of values) if (!Number.isFinite(v)) throw new RangeError(`${name}: ${v} not finite`);
}
