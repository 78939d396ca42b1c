/**
 * What history keeps of a run: one record per endpoint, taken from the final result document
 * (whose URLs and commands are already redacted). Pure.
 */
import type { DowntimeIncident, ResultDocument } from '../result.ts';

/** One endpoint of one run, as stored. */
export interface RunRecord {
  /** The run's id: the same for every endpoint of one run; with `endpoint`, unique. */
  runId: string;
  service: string;
  endpoint: string;
  agent: string;
  connection: string;
  /** The deploy label (`--label`, `history.label`, or the deploy command); null for none. */
  label: string | null;
  /** The endpoint's URL as the result document shows it (secrets masked). */
  url: string;
  /** The run's start, epoch ms. */
  startedAtMs: number;
  durationMs: number;
  /** The run's verdict (`pass`, `fail`, `interrupted`…). */
  runVerdict: string;
  /** The endpoint's verdict (`pass`, `fail`, `degraded`). */
  verdict: string;
  /** Summed downtime window time, ms: what budgets are learned from. */
  downtimeMs: number;
  windows: number;
  incidents: DowntimeIncident[];
  requests: number;
  errors: number;
  p50Ms: number | null;
  p90Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
  /** The endpoint's HDR latency histogram (compressed base64), as in the result document. */
  histogram: string;
  /** The budget it was judged against: `learned`, `configured`, or null without learning. */
  budgetKind: string | null;
  budgetMs: number | null;
  toolVersion: string;
}

/** Who recorded a run: the key parts the result document does not hold. */
export interface RecordContext {
  runId: string;
  service: string;
  agent: string;
  label: string | undefined;
}

/**
 * The records of a final result, one per endpoint that was probed; none for a live document.
 * The deploy label defaults to the (redacted) deploy command.
 */
export function recordsOf(doc: ResultDocument, ctx: RecordContext): RunRecord[] {
  if (doc.running) return [];
  const label = ctx.label ?? doc.deploy?.command ?? null;
  const startedAtMs = Date.parse(doc.startedAt);
  return doc.endpoints
    .filter((e) => e.totalRequests > 0)
    .map((e) => ({
      runId: ctx.runId,
      service: ctx.service,
      endpoint: e.name,
      agent: ctx.agent,
      connection: e.connection,
      label,
      url: e.url,
      startedAtMs,
      durationMs: doc.durationMs,
      runVerdict: doc.verdict,
      verdict: e.verdict,
      downtimeMs: e.downtime.totalMs,
      windows: e.downtime.windows.length,
      incidents: e.downtime.incidents ?? [],
      requests: e.totalRequests,
      errors: e.totalErrors,
      p50Ms: e.percentiles['50'],
      p90Ms: e.percentiles['90'],
      p95Ms: e.percentiles['95'],
      p99Ms: e.percentiles['99'],
      histogram: e.histogram,
      budgetKind: e.budgetSource?.kind ?? null,
      budgetMs: e.budgetSource?.maxDowntimeMs ?? null,
      toolVersion: doc.tool.version,
    }));
}
