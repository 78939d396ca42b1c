/**
 * The third verdict: an endpoint that stayed up (within its downtime budget) but broke a latency
 * objective or lost a comparison is `degraded`. Part of assembling the result (session.ts), on
 * endpoint results just built; the run's verdict then follows from them (outcome.ts).
 */
import { LatencyHistogram } from '../analysis/histogram.ts';
import type { GuardConfig } from '../guard/resolve.ts';
import type { ComparisonRecord, EndpointResult } from '../result.ts';

/** A latency objective: `percentile` (e.g. 99) at most `max` ms. */
export type LatencyObjective = NonNullable<NonNullable<GuardConfig['degraded']>['latency']>;

/**
 * Marks the passing endpoints that are degraded, with the reason appended. `more` may give
 * another reason for the i-th endpoint (its latency far above history: history/regression.ts).
 */
export function markDegraded(
  endpoints: readonly EndpointResult[],
  objective: LatencyObjective | undefined,
  comparisons: readonly ComparisonRecord[],
  more?: (e: EndpointResult, index: number) => string | undefined,
): void {
  for (const [i, e] of endpoints.entries()) {
    if (e.verdict !== 'pass') continue;
    const reasons: string[] = [];
    if (objective && e.totalRequests > 0) {
      const value = new LatencyHistogram(e.histogram).percentileMs(objective.percentile) ?? 0;
      if (value > objective.max) {
        reasons.push(
          `p${objective.percentile} latency ${value.toFixed(1)} ms over the objective of ${objective.max} ms`,
        );
      }
    }
    for (const c of comparisons) {
      const mine = c.kind === 'canary' ? c.canary === e.name : c.canary === `${e.name} (settle)`;
      if (!mine || c.verdict !== 'fail') continue;
      const which = c.errorRate.verdict === 'fail' ? c.errorRate.reason : c.latency.reason;
      reasons.push(
        c.kind === 'canary'
          ? `worse than its baseline ${c.baseline}: ${which}`
          : `slower after the deploy than before: ${which}`,
      );
    }
    const extra = more?.(e, i);
    if (extra !== undefined) reasons.push(extra);
    if (reasons.length > 0) {
      e.verdict = 'degraded';
      e.reason = `${e.reason}; degraded: ${reasons.join('; ')}`;
    }
  }
}
