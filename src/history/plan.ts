/**
 * Before a run: each learning endpoint's budget and latency baseline, read from its history (the
 * store, or an exported `budget.file`). The session judges with them from the first result on —
 * nothing is patched into the document afterwards.
 */
import type { BudgetSource, HistoryPoint } from '../result.ts';
import {
  chooseBudget,
  coarseKey,
  configured,
  keyText,
  runsNeeded,
  summarize,
  type HistoryKey,
  type KeySummary,
  type LearnRule,
} from './learn.ts';
import {
  latencyBaseline,
  LATENCY_RUNS,
  mergeHistograms,
  type LatencyBaseline,
} from './regression.ts';
import type { HistoryStore } from './store.ts';

/** One endpoint's budget, planned: what judges it, and where that came from. */
export interface PlannedBudget {
  maxDowntimeMs: number | undefined;
  source: BudgetSource;
}

/** What a session needs from history, per endpoint in config order (undefined: not learning). */
export interface SessionHistory {
  readonly budgets: readonly (PlannedBudget | undefined)[];
  readonly latency: readonly (LatencyBaseline | undefined)[];
  /** Recent runs of the endpoint (any agent), oldest first: the HTML report's trend. */
  readonly trend: readonly (HistoryPoint[] | undefined)[];
}

/** Where learned budgets are read from: a store, or an exported file. */
export interface BudgetBasis {
  readonly from: NonNullable<BudgetSource['from']>;
  /** The judged runs' downtime (ms) under `key` since `sinceMs`. */
  downtimes(key: HistoryKey, sinceMs: number): Promise<number[]>;
  /** The latest `limit` judged runs' latency under `key`, merged; undefined: none. */
  latency(
    key: HistoryKey,
    sinceMs: number,
    limit: number,
  ): Promise<{ runs: number; histogram: string } | undefined>;
  /** The latest `limit` runs of the endpoint, oldest first. */
  trend(key: HistoryKey, limit: number): Promise<HistoryPoint[]>;
}

/** How many past runs the trend shows. */
export const TREND_RUNS = 30;
const DAY_MS = 86_400_000;

/** One endpoint to plan: its finer key, rule, and configured budget. */
export interface EndpointToPlan {
  key: Required<HistoryKey>;
  rule: LearnRule | undefined;
  configuredMs: number | undefined;
}

/** Plans every endpoint's budget from `basis` as of `nowMs`. */
export async function planHistory(
  endpoints: readonly EndpointToPlan[],
  basis: BudgetBasis,
  nowMs: number,
): Promise<SessionHistory> {
  const planned = [];
  for (const e of endpoints)
    planned.push(e.rule ? await planEndpoint(e, e.rule, basis, nowMs) : undefined);
  return {
    budgets: planned.map((p) => p?.budget),
    latency: planned.map((p) => p?.latency),
    trend: planned.map((p) => p?.trend),
  };
}

async function planEndpoint(e: EndpointToPlan, rule: LearnRule, basis: BudgetBasis, nowMs: number) {
  const sinceMs = nowMs - rule.days * DAY_MS;
  const keys = [e.key, coarseKey(e.key)];
  const summaries: KeySummary[] = [];
  // Finer first; the coarser key is read only when the finer one has too few runs.
  for (const key of keys) {
    const s = summarize(keyText(key), await basis.downtimes(key, sinceMs), rule);
    summaries.push(s);
    if (s.tier) break;
  }
  const budget = chooseBudget(summaries, e.configuredMs, rule, basis.from);
  let latency: LatencyBaseline | undefined;
  const enough = summaries.findIndex((s) => s.runs >= runsNeeded(rule));
  if (rule.latency && enough >= 0) {
    const merged = await basis.latency(keys[enough]!, sinceMs, LATENCY_RUNS);
    if (merged) latency = latencyBaseline(summaries[enough]!.key, merged, rule.latency);
  }
  const trend = await basis.trend(e.key, TREND_RUNS);
  return { budget, latency, trend };
}

/** Every learning endpoint judged by its configured budget, because history could not be read. */
export function unavailable(
  endpoints: readonly EndpointToPlan[],
  why: string,
  from: BudgetSource['from'],
): SessionHistory {
  const budgets = endpoints.map((e) =>
    e.rule
      ? configured(e.configuredMs, e.rule, { key: keyText(e.key), runs: 0, note: why }, from)
      : undefined,
  );
  return { budgets, latency: budgets.map(() => undefined), trend: budgets.map(() => undefined) };
}

/** A store as a basis. */
export function storeBasis(store: HistoryStore): BudgetBasis {
  return {
    from: store.kind,
    downtimes: (key, sinceMs) => store.downtimes(key, sinceMs),
    async latency(key, sinceMs, limit) {
      const list = await store.histograms(key, sinceMs, limit);
      const histogram = mergeHistograms(list);
      return histogram === undefined ? undefined : { runs: list.length, histogram };
    },
    async trend(key, limit) {
      const runs = await store.list({ service: key.service, endpoint: key.endpoint }, limit);
      return runs.reverse().map((r) => ({
        startedAt: new Date(r.startedAtMs).toISOString(),
        downtimeMs: r.downtimeMs,
        verdict: r.verdict,
      }));
    },
  };
}
