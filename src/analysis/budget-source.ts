/**
 * How an endpoint's reason names its budget when history is in play (`budget.learn`): the learned
 * budget with the runs and days behind it, or the configured one and why nothing was learned.
 * Pure; judgeEndpoint (verdict.ts) puts the clause into the reason, so every report says it.
 */
import { formatDuration } from '../config/duration.ts';
import type { BudgetSource } from '../result.ts';

/**
 * The budget clause of a reason. `over` is undefined when there was no downtime to judge.
 *
 *     within its learned budget of 410 ms (P99 of 120 runs, 21 days)
 *     over its learned budget of 246 ms (P95 of 25 runs, 21 days, of service=shop endpoint=/api …)
 *     within the budget of 5 s (configured; learning: 12 of 20 runs)
 *     no budget learned yet and none configured (learning: 12 of 20 runs)
 */
export function budgetClause(source: BudgetSource, over: boolean | undefined): string {
  const budget = source.maxDowntimeMs;
  if (source.kind === 'learned' && budget !== null) {
    const basis = `P${source.percentile ?? '?'} of ${source.runs} run${source.runs === 1 ? '' : 's'}, ${source.days} day${source.days === 1 ? '' : 's'}`;
    // Failing names the history that set the budget: someone has to go and look at it.
    const of = over === true ? `, of ${source.key}` : '';
    return `${word(over)} its learned budget of ${formatDuration(budget)} (${basis}${of})`;
  }
  const note = source.note === undefined ? '' : `; ${source.note}`;
  if (budget === null) {
    return `no budget learned yet and none configured (${source.note ?? 'no history'})`;
  }
  return `${word(over)} the budget of ${formatDuration(budget)} (configured${note})`;
}

function word(over: boolean | undefined): string {
  return over === true ? 'over' : 'within';
}
