/**
 * The shared history store: PostgreSQL through `pg` (node-postgres), loaded only when a
 * `postgres://` history is used. One connection per process, held only while it is needed (a
 * run reads its budgets at the start and writes its records at the end); one transaction per
 * run. Deadlines everywhere, so a database that is down or stuck costs a run seconds, never
 * its verdict: connecting 5 s, any statement 15 s.
 */
import type * as Pg from 'pg';
import { COLUMNS, LISTED, listedOf, valuesOf, whereOf, type Value } from './columns.ts';
import type { HistoryKey } from './learn.ts';
import type { RunRecord } from './record.ts';
import {
  describeTarget,
  tooNew,
  type HistoryFilter,
  type HistoryStore,
  type KeyCount,
} from './store.ts';

/** Connecting may take this long (ms). */
export const PG_CONNECT_TIMEOUT_MS = 5000;
/** Any statement may take this long (ms). */
export const PG_STATEMENT_TIMEOUT_MS = 15_000;
/** Rows per INSERT statement (24 parameters each; PostgreSQL allows 65535). */
const ROWS_PER_INSERT = 500;
/** Serializes migrations of concurrent processes: pg_advisory_xact_lock(this). */
const MIGRATION_LOCK = 0x7a64_6869; // "zdhi"

/** The schema, one entry per version: entry i takes a database from version i to i + 1. */
const MIGRATIONS = [
  `CREATE TABLE zerodown_runs (
     id BIGSERIAL PRIMARY KEY,
     run_id TEXT NOT NULL,
     service TEXT NOT NULL,
     endpoint TEXT NOT NULL,
     agent TEXT NOT NULL,
     connection TEXT NOT NULL,
     label TEXT,
     url TEXT NOT NULL,
     started_at TIMESTAMPTZ NOT NULL,
     duration_ms DOUBLE PRECISION NOT NULL,
     run_verdict TEXT NOT NULL,
     verdict TEXT NOT NULL,
     downtime_ms DOUBLE PRECISION NOT NULL,
     windows INTEGER NOT NULL,
     incidents JSONB NOT NULL,
     requests BIGINT NOT NULL,
     errors BIGINT NOT NULL,
     p50_ms DOUBLE PRECISION, p90_ms DOUBLE PRECISION, p95_ms DOUBLE PRECISION, p99_ms DOUBLE PRECISION,
     histogram TEXT NOT NULL,
     budget_kind TEXT,
     budget_ms DOUBLE PRECISION,
     tool_version TEXT NOT NULL,
     UNIQUE (run_id, endpoint)
   );
   -- Covering the budget query (downtimes of judged runs since a time): index-only scans.
   CREATE INDEX zerodown_runs_key ON zerodown_runs (service, endpoint, agent, connection, started_at)
     INCLUDE (run_verdict, downtime_ms);
   -- With id: listing newest first (started_at DESC, id DESC) is a backward index scan.
   CREATE INDEX zerodown_runs_endpoint ON zerodown_runs (service, endpoint, started_at, id)
     INCLUDE (run_verdict, downtime_ms);
   CREATE INDEX zerodown_runs_started ON zerodown_runs (started_at, id);`,
];

/** Connects to the database at `url` and brings its schema up to date. */
export async function openPostgresStore(url: string): Promise<HistoryStore> {
  const pg = ((await import('pg')) as unknown as { default: typeof Pg }).default;
  const client = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: PG_CONNECT_TIMEOUT_MS,
    statement_timeout: PG_STATEMENT_TIMEOUT_MS,
    query_timeout: PG_STATEMENT_TIMEOUT_MS + 1000,
    application_name: 'zerodown',
  });
  // A server that goes away between queries emits 'error' on the client: the next query fails
  // with it, so the event itself is not news (and unhandled it would crash the process).
  client.on('error', () => {});
  try {
    await client.connect();
    await migrate(client, describeTarget(url));
  } catch (err) {
    await client.end().catch(() => {});
    throw err;
  }
  return new PostgresStore(client, describeTarget(url));
}

async function schemaVersion(client: Pg.Client): Promise<number> {
  const present = await client.query<{ present: boolean }>(
    "SELECT to_regclass('zerodown_schema_version') IS NOT NULL AS present",
  );
  if (!present.rows[0]?.present) return 0;
  const r = await client.query<{ v: number | null }>(
    'SELECT max(version) AS v FROM zerodown_schema_version',
  );
  return Number(r.rows[0]?.v ?? 0);
}

/** Brings the schema up to date under an advisory lock (other processes may be doing the same). */
async function migrate(client: Pg.Client, where: string): Promise<void> {
  if (tooNew(await schemaVersion(client), where, MIGRATIONS.length) === MIGRATIONS.length) return;
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query(
      'CREATE TABLE IF NOT EXISTS zerodown_schema_version (version INTEGER NOT NULL)',
    );
    const from = tooNew(await schemaVersion(client), where, MIGRATIONS.length);
    for (let v = from; v < MIGRATIONS.length; v++) {
      await client.query(MIGRATIONS[v]!);
      await client.query('INSERT INTO zerodown_schema_version (version) VALUES ($1)', [v + 1]);
    }
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  }
}

const param = (i: number) => `$${i}`;
const time = (ms: number) => new Date(ms);
const STARTED = COLUMNS.indexOf('started_at');
const INCIDENTS = COLUMNS.indexOf('incidents');

class PostgresStore implements HistoryStore {
  readonly kind = 'postgres';
  readonly where: string;
  private readonly client: Pg.Client;

  constructor(client: Pg.Client, where: string) {
    this.client = client;
    this.where = where;
  }

  /** One transaction for the run, however many rows. */
  async record(records: readonly RunRecord[]): Promise<number> {
    await this.client.query('BEGIN');
    let added = 0;
    try {
      for (let i = 0; i < records.length; i += ROWS_PER_INSERT) {
        added += await this.insert(records.slice(i, i + ROWS_PER_INSERT));
      }
      await this.client.query('COMMIT');
    } catch (err) {
      await this.client.query('ROLLBACK').catch(() => {});
      throw err;
    }
    return added;
  }

  private async insert(records: readonly RunRecord[]): Promise<number> {
    const params: unknown[] = [];
    const rows = records.map((r) => {
      const values: unknown[] = valuesOf(r);
      values[STARTED] = new Date(values[STARTED] as number);
      const marks = values.map((v, j) => {
        params.push(v);
        return j === INCIDENTS ? `$${params.length}::jsonb` : `$${params.length}`;
      });
      return `(${marks.join(', ')})`;
    });
    const r = await this.client.query(
      `INSERT INTO zerodown_runs (${COLUMNS.join(', ')}) VALUES ${rows.join(', ')}
       ON CONFLICT (run_id, endpoint) DO NOTHING`,
      params,
    );
    return r.rowCount ?? 0;
  }

  async downtimes(key: HistoryKey, sinceMs: number): Promise<number[]> {
    const w = whereOf({ key, sinceMs, judged: true }, param, time);
    const r = await this.client.query<{ downtime_ms: number }>({
      text: `SELECT downtime_ms FROM zerodown_runs ${w.sql}`,
      values: w.params,
    });
    return r.rows.map((row) => Number(row.downtime_ms));
  }

  async histograms(key: HistoryKey, sinceMs: number, limit: number): Promise<string[]> {
    const w = whereOf({ key, sinceMs, judged: true }, param, time);
    const r = await this.client.query<{ histogram: string }>(
      `SELECT histogram FROM zerodown_runs ${w.sql} ORDER BY started_at DESC LIMIT ${Math.floor(limit)}`,
      w.params,
    );
    return r.rows.map((row) => row.histogram);
  }

  async list(filter: HistoryFilter, limit: number) {
    const w = whereOf({ filter }, param, time);
    const r = await this.client.query<Record<string, unknown>>(
      `SELECT ${LISTED} FROM zerodown_runs ${w.sql} ORDER BY started_at DESC, id DESC LIMIT ${Math.floor(limit)}`,
      w.params,
    );
    return r.rows.map((row) => listedOf(row, (row.started_at as Date).getTime()));
  }

  async keys(filter: HistoryFilter): Promise<KeyCount[]> {
    const w = whereOf({ filter, judged: true }, param, time);
    const r = await this.client.query<Record<string, Value>>(
      `SELECT service, endpoint, agent, connection, count(*) AS runs FROM zerodown_runs ${w.sql}
       GROUP BY service, endpoint, agent, connection ORDER BY service, endpoint, agent, connection`,
      w.params,
    );
    return r.rows.map((row) => ({
      key: {
        service: String(row.service),
        endpoint: String(row.endpoint),
        agent: String(row.agent),
        connection: String(row.connection),
      },
      runs: Number(row.runs),
    }));
  }

  async prune(beforeMs: number): Promise<number> {
    const r = await this.client.query('DELETE FROM zerodown_runs WHERE started_at < $1', [
      new Date(beforeMs),
    ]);
    return r.rowCount ?? 0;
  }

  async close(): Promise<void> {
    await this.client.end().catch(() => {});
  }
}
