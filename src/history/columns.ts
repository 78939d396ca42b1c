/**
 * The columns of `zerodown_runs`, shared by the SQLite and PostgreSQL stores: their order, a
 * record's values in that order, and a row read back as a record.
 */
import type { DowntimeIncident } from '../result.ts';
import { LEARNING_VERDICTS, type HistoryKey } from './learn.ts';
import type { RunRecord } from './record.ts';
import type { HistoryFilter, ListedRun } from './store.ts';

/** The stored columns, in insert order (the id is the database's own). */
export const COLUMNS = [
  'run_id',
  'service',
  'endpoint',
  'agent',
  'connection',
  'label',
  'url',
  'started_at',
  'duration_ms',
  'run_verdict',
  'verdict',
  'downtime_ms',
  'windows',
  'incidents',
  'requests',
  'errors',
  'p50_ms',
  'p90_ms',
  'p95_ms',
  'p99_ms',
  'histogram',
  'budget_kind',
  'budget_ms',
  'tool_version',
] as const;

/** Every column but the histogram: what `list` reads. */
export const LISTED = COLUMNS.filter((c) => c !== 'histogram').join(', ');

/** A stored value: `started_at` stays epoch ms here; each store converts it. */
export type Value = string | number | null;

/** A record's values in `COLUMNS` order (incidents as JSON text). */
export function valuesOf(r: RunRecord): Value[] {
  return [
    r.runId,
    r.service,
    r.endpoint,
    r.agent,
    r.connection,
    r.label,
    r.url,
    r.startedAtMs,
    r.durationMs,
    r.runVerdict,
    r.verdict,
    r.downtimeMs,
    r.windows,
    JSON.stringify(r.incidents),
    r.requests,
    r.errors,
    r.p50Ms,
    r.p90Ms,
    r.p95Ms,
    r.p99Ms,
    r.histogram,
    r.budgetKind,
    r.budgetMs,
    r.toolVersion,
  ];
}

/** A listed row back as a record; `startedAtMs` given by the store (it knows its type). */
export function listedOf(row: Record<string, unknown>, startedAtMs: number): ListedRun {
  const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  const text = (v: unknown) => (typeof v === 'string' ? v : null);
  const incidents: unknown = row.incidents;
  return {
    runId: String(row.run_id),
    service: String(row.service),
    endpoint: String(row.endpoint),
    agent: String(row.agent),
    connection: String(row.connection),
    label: text(row.label),
    url: String(row.url),
    startedAtMs,
    durationMs: Number(row.duration_ms),
    runVerdict: String(row.run_verdict),
    verdict: String(row.verdict),
    downtimeMs: Number(row.downtime_ms),
    windows: Number(row.windows),
    incidents: (typeof incidents === 'string'
      ? JSON.parse(incidents)
      : (incidents ?? [])) as DowntimeIncident[],
    requests: Number(row.requests),
    errors: Number(row.errors),
    p50Ms: num(row.p50_ms),
    p90Ms: num(row.p90_ms),
    p95Ms: num(row.p95_ms),
    p99Ms: num(row.p99_ms),
    budgetKind: text(row.budget_kind),
    budgetMs: num(row.budget_ms),
    toolVersion: String(row.tool_version),
  };
}

/**
 * A WHERE clause and its parameters, with `param(i)` writing the i-th placeholder (`?` or `$i`)
 * and `time` converting epoch ms to the store's `started_at` type.
 */
export function whereOf(
  parts: { key?: HistoryKey; filter?: HistoryFilter; sinceMs?: number; judged?: boolean },
  param: (i: number) => string,
  time: (ms: number) => unknown,
): { sql: string; params: unknown[] } {
  const clauses: string[] = [];
  const params: unknown[] = [];
  const add = (column: string, value: unknown, op = '=') => {
    params.push(value);
    clauses.push(`${column} ${op} ${param(params.length)}`);
  };
  const k = parts.key;
  const f = parts.filter;
  const service = k?.service ?? f?.service;
  const endpoint = k?.endpoint ?? f?.endpoint;
  if (service !== undefined) add('service', service);
  if (endpoint !== undefined) add('endpoint', endpoint);
  if (k?.agent !== undefined) add('agent', k.agent);
  if (k?.connection !== undefined) add('connection', k.connection);
  const since = parts.sinceMs ?? f?.sinceMs;
  if (since !== undefined) add('started_at', time(since), '>=');
  if (parts.judged) {
    clauses.push(`run_verdict IN (${LEARNING_VERDICTS.map((v) => `'${v}'`).join(', ')})`);
  }
  return { sql: clauses.length === 0 ? '' : `WHERE ${clauses.join(' AND ')}`, params };
}
