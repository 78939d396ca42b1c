/**
 * The third verdict: an endpoint that stayed up (within its downtime budget) but broke a latency
 * objective or lost a comparison is `degraded`. Pure: works on the result document.
 */
import { LatencyHistogram } from '../analysis/histogram.ts';
import { judgeRun } from '../analysis/verdict.ts';
import type { ZerodownConfig } from '../config/resolve.ts';
import type { ComparisonRecord, ResultDocument } from '../result.ts';

/** Marks degraded endpoints and the run's verdict; returns the document. */
export function applyDegraded(
  doc: ResultDocument,
  config: ZerodownConfig,
  comparisons: readonly ComparisonRecord[],
): ResultDocument {
  const objective = config.guard.degraded?.latency;
  for (const e of doc.endpoints) {
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
    if (reasons.length > 0) {
      e.verdict = 'degraded';
      e.reason = `${e.reason}; degraded: ${reasons.join('; ')}`;
    }
  }
  doc.verdict = judgeRun(doc.endpoints.map((e) => e.verdict));
  return doc;
}
