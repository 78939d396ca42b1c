/**
 * The history store: where runs are recorded and read back. Two engines behind one interface —
 * an embedded SQLite file (Node's built-in `node:sqlite`) by default, PostgreSQL (`pg`) when
 * several pipelines share one history. Each is loaded only when a run uses it.
 *
 * Both keep one table of endpoint runs, `zerodown_runs`, unique on (run_id, endpoint), and a
 * `zerodown_schema_version` table; migrations run themselves when a store is opened, under a
 * lock (SQLite's write lock, a PostgreSQL advisory lock), so many processes may open a new
 * database at once.
 */
import { ZerodownError } from '../errors.ts';
import { Redactor } from '../redact.ts';
import type { HistoryKey } from './learn.ts';
import type { RunRecord } from './record.ts';

/** A run as listed (`zerodown history`): the record without its histogram. */
export type ListedRun = Omit<RunRecord, 'histogram'>;

/** A finer key and how many runs it has. */
export interface KeyCount {
  key: Required<HistoryKey>;
  runs: number;
}

/** Filters of `list` and `keys`. */
export interface HistoryFilter {
  service?: string | undefined;
  endpoint?: string | undefined;
  /** Runs that started at or after this, epoch ms. */
  sinceMs?: number | undefined;
}

/** One history database, open. */
export interface HistoryStore {
  readonly kind: 'sqlite' | 'postgres';
  /** Where it is, for messages (a password in a URL masked). */
  readonly where: string;
  /** Stores one run's records in one transaction; a record already there is kept. Returns how many were new. */
  record(records: readonly RunRecord[]): Promise<number>;
  /**
   * The summed downtime (ms) of each judged run under `key` (a coarser key: any agent and
   * connection) since `sinceMs`: what budgets are learned from.
   */
  downtimes(key: HistoryKey, sinceMs: number): Promise<number[]>;
  /** The latency histograms of the latest `limit` judged runs under `key` since `sinceMs`. */
  histograms(key: HistoryKey, sinceMs: number, limit: number): Promise<string[]>;
  /** Runs, newest first. */
  list(filter: HistoryFilter, limit: number): Promise<ListedRun[]>;
  /** The finer keys with judged runs since `filter.sinceMs`, and how many. */
  keys(filter: HistoryFilter): Promise<KeyCount[]>;
  /** Deletes runs that started before `beforeMs`; returns how many. */
  prune(beforeMs: number): Promise<number>;
  close(): Promise<void>;
}

/** True when a history target names a PostgreSQL database. */
export function isPostgresUrl(target: string): boolean {
  return /^postgres(ql)?:\/\//i.test(target);
}

/** A target as messages show it: a password or secret query value in a URL masked. */
export function describeTarget(target: string): string {
  return isPostgresUrl(target) ? new Redactor().url(target) : target;
}

/**
 * Opens (creating and migrating when needed) the store at `target`: a `postgres://` URL, else a
 * SQLite file path. Throws `ZD_HISTORY` when it cannot.
 */
export async function openHistoryStore(target: string): Promise<HistoryStore> {
  try {
    if (isPostgresUrl(target)) {
      const { openPostgresStore } = await import('./postgres.ts');
      return await openPostgresStore(target);
    }
    const { openSqliteStore } = await import('./sqlite.ts');
    return openSqliteStore(target);
  } catch (err) {
    throw historyError(`cannot open the history ${describeTarget(target)}`, err);
  }
}

/** A `ZD_HISTORY` error: `what: cause` (a `ZD_HISTORY` cause is passed through). */
export function historyError(what: string, cause: unknown): ZerodownError {
  if (cause instanceof ZerodownError) return cause;
  return new ZerodownError('ZD_HISTORY', `${what}: ${causeText(cause)}`, { cause });
}

/** An error's message, on one line (with an errno code when the message lacks it). */
export function causeText(err: unknown): string {
  if (err instanceof AggregateError && err.errors.length > 0) return causeText(err.errors[0]);
  const e = err as { message?: unknown; code?: unknown };
  const message = typeof e?.message === 'string' && e.message ? e.message : String(err);
  const code = typeof e?.code === 'string' ? e.code : undefined;
  const text = code !== undefined && !message.includes(code) ? `${message} (${code})` : message;
  return text.replace(/\s+/g, ' ').trim();
}

/** Returns `version`, or throws when a newer zerodown made the database. */
export function tooNew(version: number, where: string, known: number): number {
  if (version <= known) return version;
  throw new ZerodownError(
    'ZD_HISTORY',
    `the history ${where} has schema version ${version}, newer than this zerodown knows (${known}): upgrade zerodown`,
  );
}
