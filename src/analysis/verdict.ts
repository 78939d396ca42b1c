/**
 * Endpoint verdicts: an endpoint fails when its downtime is over budget (any failed probe when
 * no budget is set) or, with `budget.maxIncidentMs`, when one incident lasts longer. The reason
 * is one line a person can act on. (The run's verdict and exit code: outcome.ts.)
 */
import { formatDuration } from '../config/duration.ts';
import type { BudgetSource, DowntimeIncident, DowntimeWindow, Verdict } from '../result.ts';
import { budgetClause } from './budget-source.ts';

/** What an endpoint is judged against. */
export interface EndpointBudget {
  /** Summed window time allowed; undefined: any window fails. */
  maxDowntimeMs: number | undefined;
  /** The longest incident allowed; undefined: no such limit. */
  maxIncidentMs?: number | undefined;
  /** With `budget.learn`: where `maxDowntimeMs` came from; the reason then says so. */
  source?: BudgetSource | undefined;
}

/** Judges one endpoint's windows and incidents against its budget. */
export function judgeEndpoint(
  windows: readonly DowntimeWindow[],
  incidents: readonly DowntimeIncident[],
  totalMs: number,
  budget: EndpointBudget,
): { verdict: Verdict; reason: string } {
  const { maxDowntimeMs, maxIncidentMs, source } = budget;
  if (windows.length === 0) {
    return {
      verdict: 'pass',
      reason: source ? `no downtime, ${budgetClause(source, undefined)}` : 'no downtime',
    };
  }
  const longest = Math.max(0, ...incidents.map((i) => i.durationMs));
  const overTotal = maxDowntimeMs === undefined || totalMs > maxDowntimeMs;
  const overIncident = maxIncidentMs !== undefined && longest > maxIncidentMs;
  let reason = `${downtimeText(windows, incidents, totalMs)} (${codesOf(windows)})`;
  if (source) reason += `, ${budgetClause(source, overTotal)}`;
  else if (maxDowntimeMs !== undefined) {
    reason += `, ${overTotal ? 'over' : 'within'} the budget of ${formatDuration(maxDowntimeMs)}`;
  }
  if (overIncident) {
    reason += `; an incident of ${formatDuration(longest)} is longer than the ${formatDuration(maxIncidentMs)} allowed`;
  }
  return { verdict: overTotal || overIncident ? 'fail' : 'pass', reason };
}

/**
 * `1 window, 1.01 s down` when every incident is one window; else the incidents first:
 * `1 partial incident of 1.98 s (50 % failed), 50 windows, 990 ms down`.
 */
function downtimeText(
  windows: readonly DowntimeWindow[],
  incidents: readonly DowntimeIncident[],
  totalMs: number,
): string {
  const n = windows.length;
  const plain = `${n} window${n === 1 ? '' : 's'}, ${formatDuration(totalMs)} down`;
  if (incidents.length === 0 || incidents.length === n) return plain;
  if (incidents.length === 1) {
    const i = incidents[0]!;
    return `1 ${i.kind === 'partial' ? 'partial ' : ''}incident of ${formatDuration(i.durationMs)} (${percent(i.failureRatio)} failed), ${plain}`;
  }
  const longest = incidents.reduce((a, b) => (b.durationMs > a.durationMs ? b : a), incidents[0]!);
  return `${incidents.length} incidents, the longest ${formatDuration(longest.durationMs)} (${percent(longest.failureRatio)} failed), ${plain}`;
}

/** A ratio as people read it: `50 %`, `99.5 %`, `100 %`. */
export function percent(ratio: number): string {
  const p = ratio * 100;
  return `${p >= 99.95 || p < 10 ? Number(p.toFixed(1)) : Math.round(p)} %`;
}

function codesOf(windows: readonly DowntimeWindow[]): string {
  const counts: Record<string, number> = {};
  for (const w of windows) {
    for (const [code, n] of Object.entries(w.errorCodes)) counts[code] = (counts[code] ?? 0) + n;
  }
  return Object.entries(counts)
    .sort((a, b) => b[1] - a[1])
    .map(([code, n]) => `${code} x${n}`)
    .join(', ');
}
