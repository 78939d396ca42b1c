/**
 * Resolving the history settings (`history:`, `service:`, `budget.learn`, `budget.file`, an
 * endpoint's `budget.learn`, `--history`, `--service`, `--label`) into a `HistoryConfig`. Pure.
 */
import { configError } from '../errors.ts';
import type { RawConfig } from '../config/schema.ts';
import { LEARN_DEFAULTS, type LearnRule } from './learn.ts';
import type { RawEndpointBudget, RawLearn } from './schema.ts';

/** Where history is kept when it is on and no place is given. */
export const DEFAULT_HISTORY_FILE = '.zerodown/history.db';

/** Run history and learned budgets, fully resolved. */
export interface HistoryConfig {
  /**
   * Where each run is recorded and budgets are learned from: a SQLite file or a `postgres://`
   * URL. Undefined with only `budget.file`: budgets come from the file and nothing is recorded.
   */
  readonly target: string | undefined;
  /** The first part of every history key. */
  readonly service: string;
  /** The deploy label recorded with each run (default: the deploy command). */
  readonly label: string | undefined;
  /** Per endpoint (config order): how its budget is learned; undefined: the configured budget. */
  readonly learn: readonly (LearnRule | undefined)[];
  /** `budget.file`: budgets exported by `zerodown history export`, read instead of the database. */
  readonly file: string | undefined;
}

/** The command-line values that win over the file. */
export interface HistoryOverrides {
  history?: string | undefined;
  service?: string | undefined;
  label?: string | undefined;
}

/**
 * Resolves the history settings; undefined when none is given (nothing is recorded or learned).
 * `endpointBudgets` holds each endpoint's own `budget:` (config order; empty for `--url`s), and
 * `firstUrl` names the default service: the host of `baseUrl` or of the first endpoint.
 */
export function resolveHistory(
  raw: RawConfig,
  overrides: HistoryOverrides,
  endpointBudgets: readonly (RawEndpointBudget | undefined)[],
  endpointCount: number,
  firstUrl: string | undefined,
): HistoryConfig | undefined {
  const h = typeof raw.history === 'string' ? { url: raw.history } : raw.history;
  const global = raw.budget?.learn;
  const learn = Array.from({ length: endpointCount }, (_, i) =>
    learnRule(global, endpointBudgets[i]?.learn, i),
  );
  const learning = learn.some((r) => r !== undefined);
  const file = raw.budget?.file;
  // `service` alone records nothing: history is asked for, or needed to learn.
  const on = overrides.history !== undefined || h !== undefined || learning || file !== undefined;
  if (!on) return undefined;
  if (h?.service !== undefined && raw.service !== undefined && h.service !== raw.service) {
    throw configError('history.service', `differs from service (${raw.service}): give one`);
  }
  // With only budget.file, nothing is recorded: a pipeline without a database.
  const named = overrides.history ?? h?.url;
  const target =
    named ?? (file !== undefined && h === undefined ? undefined : DEFAULT_HISTORY_FILE);
  const service = overrides.service ?? h?.service ?? raw.service ?? hostOf(firstUrl);
  return Object.freeze({
    target,
    service,
    label: overrides.label ?? h?.label,
    learn: Object.freeze(learn),
    file,
  });
}

/** The rule of one endpoint: its own `budget.learn` over the global one. */
export function learnRule(
  global: RawLearn | undefined,
  own: RawLearn | undefined,
  index = 0,
): LearnRule | undefined {
  if (own === false || (own === undefined && (global === undefined || global === false))) {
    return undefined;
  }
  const base = typeof global === 'object' ? global : {};
  const mine = typeof own === 'object' ? own : {};
  const r = { ...base, ...mine };
  const fallback = r.fallback === false ? undefined : (r.fallback ?? LEARN_DEFAULTS.fallback);
  const percentile = r.percentile ?? LEARN_DEFAULTS.percentile;
  const minRuns = r.minRuns ?? LEARN_DEFAULTS.minRuns;
  if (fallback && fallback.minRuns > minRuns) {
    const field = own !== undefined ? `endpoints[${index}].budget.learn` : 'budget.learn';
    throw configError(
      `${field}.fallback.minRuns`,
      `${fallback.minRuns} is more than minRuns (${minRuns}): the fallback is the tier with fewer runs`,
    );
  }
  const latency =
    r.latency === false
      ? undefined
      : {
          ratio:
            (typeof r.latency === 'object' ? r.latency.ratio : undefined) ??
            LEARN_DEFAULTS.latency!.ratio,
          minMs:
            (typeof r.latency === 'object' ? r.latency.min : undefined) ??
            LEARN_DEFAULTS.latency!.minMs,
          alpha:
            (typeof r.latency === 'object' ? r.latency.alpha : undefined) ??
            LEARN_DEFAULTS.latency!.alpha,
        };
  return Object.freeze({
    percentile,
    minRuns,
    fallback,
    days: r.days ?? LEARN_DEFAULTS.days,
    margin: {
      ratio: r.margin?.ratio ?? LEARN_DEFAULTS.margin.ratio,
      minMs: r.margin?.min ?? LEARN_DEFAULTS.margin.minMs,
    },
    latency,
  });
}

function hostOf(url: string | undefined): string {
  if (url === undefined || !URL.canParse(url)) return 'default';
  return new URL(url).hostname || 'default';
}
