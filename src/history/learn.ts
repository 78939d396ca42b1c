/**
 * Learned budgets: what an endpoint's past runs say is normal downtime for a deploy. Pure.
 *
 * The rule (after OpenShift's disruption tests, which learn allowed disruption from history):
 *
 * 1. Read the runs of the last `days` (21) under the finer key — service, endpoint, agent,
 *    connection mode — that were judged (verdict pass, fail or degraded: not interrupted,
 *    blocked, inconclusive, rolled back, or with a failed deploy).
 * 2. With at least `minRuns` (100) of them, the budget is their `percentile` (P99) of summed
 *    downtime; else, with at least `fallback.minRuns` (20), their `fallback.percentile` (P95).
 * 3. Too few: the same under the coarser key — service and endpoint, any agent or connection.
 * 4. Still too few: the configured `budget.maxDowntime`, and the result says how far learning
 *    has got ("learning: 12 of 20 runs").
 *
 * Percentiles are nearest-rank: the smallest value with at least p % of the runs at or below it,
 * so the budget is always a downtime that really happened. A margin goes on top — the budget is
 * max(value × 1.2, value + 100 ms) — so a history of clean runs (P99 = 0 ms) does not turn a
 * single failed probe into a failure, and a budget learned from a few hundred ms leaves room for
 * a probe interval or two of jitter.
 */
import type { BudgetSource } from '../result.ts';

/** How a budget is learned (`budget.learn`), resolved. */
export interface LearnRule {
  /** The percentile of past downtime (99). */
  readonly percentile: number;
  /** Runs needed for it (100). */
  readonly minRuns: number;
  /** The tier with fewer runs (P95 of ≥ 20), or none. */
  readonly fallback: Readonly<{ percentile: number; minRuns: number }> | undefined;
  /** How far back history is read, in days (21). */
  readonly days: number;
  /** budget = max(value × (1 + ratio), value + minMs). */
  readonly margin: Readonly<{ ratio: number; minMs: number }>;
  /**
   * Latency far above history marks the endpoint degraded: median at least `ratio` × history's
   * and `minMs` more, and a one-sided Mann-Whitney p below `alpha`. Undefined: not checked.
   */
  readonly latency: Readonly<{ ratio: number; minMs: number; alpha: number }> | undefined;
}

/** The default rule: P99 of ≥ 100 runs in 21 days, else P95 of ≥ 20; margin ×1.2 or +100 ms. */
export const LEARN_DEFAULTS: LearnRule = Object.freeze({
  percentile: 99,
  minRuns: 100,
  fallback: Object.freeze({ percentile: 95, minRuns: 20 }),
  days: 21,
  margin: Object.freeze({ ratio: 0.2, minMs: 100 }),
  latency: Object.freeze({ ratio: 2, minMs: 25, alpha: 0.001 }),
});

/** Run verdicts whose downtime counts as history: the run was judged and the deploy ran. */
export const LEARNING_VERDICTS: readonly string[] = ['pass', 'fail', 'degraded'];

/**
 * What a run's endpoint is keyed by. The finer key has all four parts; the coarser one only
 * `service` and `endpoint` (any agent, any connection mode).
 */
export interface HistoryKey {
  readonly service: string;
  readonly endpoint: string;
  readonly agent?: string | undefined;
  readonly connection?: string | undefined;
}

/** `service=shop endpoint=/api agent=ci-1 connection=keepalive` (values with spaces quoted). */
export function keyText(key: HistoryKey): string {
  const parts: [string, string | undefined][] = [
    ['service', key.service],
    ['endpoint', key.endpoint],
    ['agent', key.agent],
    ['connection', key.connection],
  ];
  return parts
    .filter((p): p is [string, string] => p[1] !== undefined)
    .map(([k, v]) => `${k}=${/^[^\s"=]+$/.test(v) ? v : JSON.stringify(v)}`)
    .join(' ');
}

/** The coarser key of a finer one. */
export function coarseKey(key: HistoryKey): HistoryKey {
  return { service: key.service, endpoint: key.endpoint };
}

/** What one key's history says: how many runs, and the tier they reach (if any). */
export interface KeySummary {
  key: string;
  runs: number;
  /** The percentile reached and its value; undefined with too few runs. */
  tier: { percentile: number; valueMs: number } | undefined;
}

/** Nearest-rank percentile `p` (0–100] of ascending values; undefined when there are none. */
export function nearestRank(sortedMs: readonly number[], p: number): number | undefined {
  if (sortedMs.length === 0) return undefined;
  const rank = Math.max(1, Math.ceil((p / 100) * sortedMs.length - 1e-9));
  return sortedMs[Math.min(rank, sortedMs.length) - 1];
}

/** Summarizes one key's past downtimes (ms, any order) under the rule's tiers. */
export function summarize(
  key: string,
  downtimesMs: readonly number[],
  rule: LearnRule,
): KeySummary {
  const sorted = Float64Array.from(downtimesMs).sort();
  const values = Array.from(sorted);
  for (const tier of tiers(rule)) {
    if (values.length >= tier.minRuns) {
      return {
        key,
        runs: values.length,
        tier: { percentile: tier.percentile, valueMs: nearestRank(values, tier.percentile)! },
      };
    }
  }
  return { key, runs: values.length, tier: undefined };
}

/** The learned budget for a percentile value: max(value × (1 + ratio), value + min), whole ms. */
export function withMargin(valueMs: number, margin: LearnRule['margin']): number {
  return Math.ceil(Math.max(valueMs * (1 + margin.ratio), valueMs + margin.minMs) - 1e-9);
}

/** The runs needed before anything is learned: the smallest tier's. */
export function runsNeeded(rule: LearnRule): number {
  return Math.min(...tiers(rule).map((t) => t.minRuns));
}

/**
 * Chooses an endpoint's budget from its keys' summaries, finer first: the first that reached a
 * tier sets a learned budget; none did, the configured one stands, with a note on how far
 * learning has got.
 */
export function chooseBudget(
  summaries: readonly KeySummary[],
  configuredMs: number | undefined,
  rule: LearnRule,
  from?: BudgetSource['from'],
): { maxDowntimeMs: number | undefined; source: BudgetSource } {
  const where = from === undefined ? {} : { from };
  for (const s of summaries) {
    if (s.tier === undefined) continue;
    const maxDowntimeMs = withMargin(s.tier.valueMs, rule.margin);
    return {
      maxDowntimeMs,
      source: {
        kind: 'learned',
        runs: s.runs,
        percentile: s.tier.percentile,
        key: s.key,
        maxDowntimeMs,
        learnedMs: s.tier.valueMs,
        days: rule.days,
        ...where,
      },
    };
  }
  // The key with the most runs is the one closest to learning (the coarser one, when read).
  const most = summaries.reduce<KeySummary | undefined>(
    (a, b) => (a === undefined || b.runs > a.runs ? b : a),
    undefined,
  );
  const runs = most?.runs ?? 0;
  const note = `learning: ${runs} of ${runsNeeded(rule)} runs`;
  return configured(configuredMs, rule, { key: most?.key ?? '', runs, note }, from);
}

/** The configured budget, with a note on why nothing was learned. */
export function configured(
  configuredMs: number | undefined,
  rule: LearnRule,
  why: { key: string; runs: number; note: string },
  from?: BudgetSource['from'],
): { maxDowntimeMs: number | undefined; source: BudgetSource } {
  const { key, runs, note } = why;
  return {
    maxDowntimeMs: configuredMs,
    source: {
      kind: 'configured',
      runs,
      percentile: null,
      key,
      maxDowntimeMs: configuredMs ?? null,
      days: rule.days,
      note,
      ...(from === undefined ? {} : { from }),
    },
  };
}

function tiers(rule: LearnRule): { percentile: number; minRuns: number }[] {
  const list = [{ percentile: rule.percentile, minRuns: rule.minRuns }];
  if (rule.fallback) list.push({ ...rule.fallback });
  return list;
}
