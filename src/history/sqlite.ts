/**
 * The embedded history store: a SQLite file through Node's built-in `node:sqlite` (no native
 * add-on to build). Many pipelines on one machine may write at once: WAL mode (readers never
 * wait for the writer), a busy timeout (a writer waits up to 10 s for the lock instead of
 * failing), and short transactions — one per run, taken with BEGIN IMMEDIATE so two writers
 * never deadlock upgrading a read lock.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type * as Sqlite from 'node:sqlite';
import { ZerodownError } from '../errors.ts';
import { COLUMNS, LISTED, listedOf, valuesOf, whereOf } from './columns.ts';
import type { HistoryKey } from './learn.ts';
import type { RunRecord } from './record.ts';
import { tooNew, type HistoryFilter, type HistoryStore, type KeyCount } from './store.ts';

/** How long a writer waits for another one's lock, in ms. */
export const SQLITE_BUSY_TIMEOUT_MS = 10_000;

/** The schema, one entry per version: entry i takes a database from version i to i + 1. */
const MIGRATIONS = [
  `CREATE TABLE zerodown_runs (
     id INTEGER PRIMARY KEY,
     run_id TEXT NOT NULL,
     service TEXT NOT NULL,
     endpoint TEXT NOT NULL,
     agent TEXT NOT NULL,
     connection TEXT NOT NULL,
     label TEXT,
     url TEXT NOT NULL,
     started_at INTEGER NOT NULL, -- epoch ms
     duration_ms REAL NOT NULL,
     run_verdict TEXT NOT NULL,
     verdict TEXT NOT NULL,
     downtime_ms REAL NOT NULL,
     windows INTEGER NOT NULL,
     incidents TEXT NOT NULL, -- JSON
     requests INTEGER NOT NULL,
     errors INTEGER NOT NULL,
     p50_ms REAL, p90_ms REAL, p95_ms REAL, p99_ms REAL,
     histogram TEXT NOT NULL,
     budget_kind TEXT,
     budget_ms REAL,
     tool_version TEXT NOT NULL,
     UNIQUE (run_id, endpoint)
   );
   -- Covering the budget query (downtimes of judged runs since a time): read from the index alone.
   CREATE INDEX zerodown_runs_key
     ON zerodown_runs (service, endpoint, agent, connection, started_at, run_verdict, downtime_ms);
   CREATE INDEX zerodown_runs_endpoint
     ON zerodown_runs (service, endpoint, started_at, run_verdict, downtime_ms);
   -- started_at and id: listing newest first (started_at DESC, id DESC) reads the index backwards.
   CREATE INDEX zerodown_runs_started ON zerodown_runs (started_at, id);`,
];

let sqlite: typeof Sqlite | undefined;

/**
 * `node:sqlite`, loaded on first use through `process.getBuiltinModule` (so a bundle needs
 * nothing of its own for it; undefined where Node lacks it). Node 22.13–23 print an
 * ExperimentalWarning when it loads: that one warning is dropped (the module is what this store is
 * built on, not news to a user).
 */
function loadSqlite(): typeof Sqlite {
  if (sqlite) return sqlite;
  const original = Reflect.get(process, 'emitWarning');
  process.emitWarning = (warning: string | Error, ...rest: unknown[]) => {
    const text = typeof warning === 'string' ? warning : warning.message;
    if (/SQLite/i.test(text)) return;
    Reflect.apply(original, process, [warning, ...rest]);
  };
  try {
    sqlite = process.getBuiltinModule('node:sqlite');
  } catch {
    sqlite = undefined;
  } finally {
    process.emitWarning = original;
  }
  if (!sqlite) {
    throw new ZerodownError(
      'ZD_HISTORY',
      `a SQLite history needs node:sqlite (Node 22.13 or later; this is ${process.version}), or use a postgres:// history`,
    );
  }
  return sqlite;
}

/** Opens the SQLite history at `file` (created with its folder when missing). */
export function openSqliteStore(file: string): HistoryStore {
  const { DatabaseSync } = loadSqlite();
  mkdirSync(dirname(resolve(file)), { recursive: true });
  const db = new DatabaseSync(file);
  try {
    db.exec(`PRAGMA busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
    db.exec('PRAGMA journal_mode = WAL');
    db.exec('PRAGMA synchronous = NORMAL');
    migrate(db, file);
  } catch (err) {
    db.close();
    throw err;
  }
  return new SqliteStore(db, file);
}

function schemaVersion(db: Sqlite.DatabaseSync): number {
  const table = db
    .prepare(
      "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'zerodown_schema_version'",
    )
    .get();
  if (table === undefined) return 0;
  const row = db.prepare('SELECT max(version) AS v FROM zerodown_schema_version').get();
  return Number(row?.v ?? 0);
}

/** Brings the schema up to date under the write lock (another process may be doing the same). */
function migrate(db: Sqlite.DatabaseSync, file: string): void {
  if (tooNew(schemaVersion(db), file, MIGRATIONS.length) === MIGRATIONS.length) return;
  db.exec('BEGIN IMMEDIATE');
  try {
    db.exec('CREATE TABLE IF NOT EXISTS zerodown_schema_version (version INTEGER NOT NULL)');
    const insert = db.prepare('INSERT INTO zerodown_schema_version (version) VALUES (?)');
    for (let v = tooNew(schemaVersion(db), file, MIGRATIONS.length); v < MIGRATIONS.length; v++) {
      db.exec(MIGRATIONS[v]!);
      insert.run(v + 1);
    }
    db.exec('COMMIT');
  } catch (err) {
    db.exec('ROLLBACK');
    throw err;
  }
}

const PLACEHOLDERS = COLUMNS.map(() => '?').join(', ');
const param = () => '?';
const time = (ms: number) => ms;

class SqliteStore implements HistoryStore {
  readonly kind = 'sqlite';
  readonly where: string;
  private readonly db: Sqlite.DatabaseSync;
  private closed = false;

  constructor(db: Sqlite.DatabaseSync, where: string) {
    this.db = db;
    this.where = where;
  }

  record(records: readonly RunRecord[]): Promise<number> {
    const insert = this.db.prepare(
      `INSERT INTO zerodown_runs (${COLUMNS.join(', ')}) VALUES (${PLACEHOLDERS})
       ON CONFLICT (run_id, endpoint) DO NOTHING`,
    );
    this.db.exec('BEGIN IMMEDIATE');
    let added = 0;
    try {
      for (const r of records) added += Number(insert.run(...valuesOf(r)).changes);
      this.db.exec('COMMIT');
    } catch (err) {
      this.db.exec('ROLLBACK');
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    return Promise.resolve(added);
  }

  downtimes(key: HistoryKey, sinceMs: number): Promise<number[]> {
    const w = whereOf({ key, sinceMs, judged: true }, param, time);
    const statement = this.db.prepare(`SELECT downtime_ms FROM zerodown_runs ${w.sql}`);
    // Rows as arrays where Node has it (24, 22.16): a key may hold tens of thousands of runs.
    const arrays = statement as { setReturnArrays?: (on: boolean) => void };
    if (typeof arrays.setReturnArrays === 'function') {
      arrays.setReturnArrays(true);
      const rows = statement.all(...(w.params as Sqlite.SQLInputValue[])) as unknown as [number][];
      return Promise.resolve(rows.map((r) => Number(r[0])));
    }
    const rows = statement.all(...(w.params as Sqlite.SQLInputValue[]));
    return Promise.resolve(rows.map((r) => Number(r.downtime_ms)));
  }

  histograms(key: HistoryKey, sinceMs: number, limit: number): Promise<string[]> {
    const w = whereOf({ key, sinceMs, judged: true }, param, time);
    const rows = this.all(
      `SELECT histogram FROM zerodown_runs ${w.sql} ORDER BY started_at DESC LIMIT ${Math.floor(limit)}`,
      w.params,
    );
    return Promise.resolve(rows.map((r) => String(r.histogram)));
  }

  list(filter: HistoryFilter, limit: number) {
    const w = whereOf({ filter }, param, time);
    const rows = this.all(
      `SELECT ${LISTED} FROM zerodown_runs ${w.sql} ORDER BY started_at DESC, id DESC LIMIT ${Math.floor(limit)}`,
      w.params,
    );
    return Promise.resolve(rows.map((r) => listedOf(r, Number(r.started_at))));
  }

  keys(filter: HistoryFilter): Promise<KeyCount[]> {
    const w = whereOf({ filter, judged: true }, param, time);
    const rows = this.all(
      `SELECT service, endpoint, agent, connection, count(*) AS runs FROM zerodown_runs ${w.sql}
       GROUP BY service, endpoint, agent, connection ORDER BY service, endpoint, agent, connection`,
      w.params,
    );
    return Promise.resolve(
      rows.map((r) => ({
        key: {
          service: String(r.service),
          endpoint: String(r.endpoint),
          agent: String(r.agent),
          connection: String(r.connection),
        },
        runs: Number(r.runs),
      })),
    );
  }

  prune(beforeMs: number): Promise<number> {
    const r = this.db.prepare('DELETE FROM zerodown_runs WHERE started_at < ?').run(beforeMs);
    return Promise.resolve(Number(r.changes));
  }

  close(): Promise<void> {
    if (!this.closed) this.db.close();
    this.closed = true;
    return Promise.resolve();
  }

  private all(sql: string, params: unknown[]): Record<string, unknown>[] {
    return this.db.prepare(sql).all(...(params as Sqlite.SQLInputValue[]));
  }
}
