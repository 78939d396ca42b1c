/**
 * Learned budgets as a file, for pipelines without a database: `zerodown history export -o
 * budgets.json` writes, `budget.file: budgets.json` reads. The file carries each key's past
 * downtimes (not only the budget), so a run reading it applies exactly the rule it would apply
 * to the database — the same fallbacks, margin and verdicts — as of the export.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { configError } from '../errors.ts';
import type { HistoryPoint } from '../result.ts';
import {
  coarseKey,
  keyText,
  summarize,
  withMargin,
  type HistoryKey,
  type LearnRule,
} from './learn.ts';
import type { BudgetBasis } from './plan.ts';
import { LATENCY_RUNS, mergeHistograms } from './regression.ts';
import type { HistoryFilter, HistoryStore } from './store.ts';

/** The format's name and version, checked on reading. */
export const BUDGET_FILE_FORMAT = 'zerodown-budgets';
export const BUDGET_FILE_VERSION = 1;

/** One key in the file: a finer key (with agent and connection) or a coarser one. */
export interface BudgetEntry {
  service: string;
  endpoint: string;
  agent?: string;
  connection?: string;
  key: string;
  runs: number;
  /** What the rule makes of it, for people; runs recompute it from `downtimesMs`. */
  budget:
    | { kind: 'learned'; percentile: number; learnedMs: number; maxDowntimeMs: number }
    | { kind: 'learning'; runs: number; needed: number };
  /** The judged runs' summed downtime, ms, ascending. */
  downtimesMs: number[];
  /** The latest runs' latency, merged (HDR, compressed base64). */
  latency?: { runs: number; histogram: string };
}

/** `budgets.json`. */
export interface BudgetFile {
  format: typeof BUDGET_FILE_FORMAT;
  version: number;
  exportedAt: string;
  /** The window read, in days, and the rule the `budget` fields were computed with. */
  days: number;
  rule: LearnRule;
  keys: BudgetEntry[];
}

/** Reads every key (finer and coarser) of the store's last `rule.days` into a budget file. */
export async function exportBudgets(
  store: HistoryStore,
  filter: HistoryFilter,
  rule: LearnRule,
  nowMs: number,
): Promise<BudgetFile> {
  const sinceMs = nowMs - rule.days * 86_400_000;
  const fine = await store.keys({ ...filter, sinceMs });
  const coarse = new Map<string, HistoryKey>();
  for (const k of fine) coarse.set(keyText(coarseKey(k.key)), coarseKey(k.key));
  const keys: BudgetEntry[] = [];
  for (const key of [...fine.map((k) => k.key), ...coarse.values()]) {
    keys.push(await entryOf(store, key, rule, sinceMs));
  }
  return {
    format: BUDGET_FILE_FORMAT,
    version: BUDGET_FILE_VERSION,
    exportedAt: new Date(nowMs).toISOString(),
    days: rule.days,
    rule,
    keys,
  };
}

async function entryOf(
  store: HistoryStore,
  key: HistoryKey,
  rule: LearnRule,
  sinceMs: number,
): Promise<BudgetEntry> {
  const downtimesMs = (await store.downtimes(key, sinceMs)).sort((a, b) => a - b);
  const text = keyText(key);
  const s = summarize(text, downtimesMs, rule);
  const needed = Math.min(rule.minRuns, rule.fallback?.minRuns ?? rule.minRuns);
  const histograms = await store.histograms(key, sinceMs, LATENCY_RUNS);
  const histogram = mergeHistograms(histograms);
  return {
    service: key.service,
    endpoint: key.endpoint,
    ...(key.agent === undefined ? {} : { agent: key.agent }),
    ...(key.connection === undefined ? {} : { connection: key.connection }),
    key: text,
    runs: downtimesMs.length,
    budget: s.tier
      ? {
          kind: 'learned',
          percentile: s.tier.percentile,
          learnedMs: s.tier.valueMs,
          maxDowntimeMs: withMargin(s.tier.valueMs, rule.margin),
        }
      : { kind: 'learning', runs: downtimesMs.length, needed },
    downtimesMs,
    ...(histogram === undefined ? {} : { latency: { runs: histograms.length, histogram } }),
  };
}

const entrySchema = z.object({
  service: z.string(),
  endpoint: z.string(),
  agent: z.string().optional(),
  connection: z.string().optional(),
  downtimesMs: z.array(z.number().min(0)),
  latency: z.object({ runs: z.number().int().min(1), histogram: z.string().min(1) }).optional(),
});
const fileSchema = z.object({
  format: z.literal(BUDGET_FILE_FORMAT),
  version: z.literal(BUDGET_FILE_VERSION),
  keys: z.array(entrySchema),
});

/** The entries of a budget file, read and checked; a config error (`budget.file`) when it is not one. */
export function readBudgetFile(file: string): z.output<typeof entrySchema>[] {
  let tree: unknown;
  try {
    tree = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'ENOENT' ? 'no such file' : e.message;
    throw configError('budget.file', `cannot read ${file}: ${why}`);
  }
  const parsed = fileSchema.safeParse(tree);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw configError(
      'budget.file',
      `${file} is not a budget file of zerodown history export (${issue.path.join('.') || 'top'}: ${issue.message})`,
    );
  }
  return parsed.data.keys;
}

/** A budget file as the basis of a run's budgets. */
export function fileBasis(file: string): BudgetBasis {
  const entries = new Map(readBudgetFile(file).map((e) => [keyText(e), e]));
  const find = (key: HistoryKey) => entries.get(keyText(key));
  return {
    from: 'file',
    downtimes: (key) => Promise.resolve([...(find(key)?.downtimesMs ?? [])]),
    latency: (key) => Promise.resolve(find(key)?.latency),
    trend: () => Promise.resolve<HistoryPoint[]>([]),
  };
}
