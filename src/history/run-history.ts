/**
 * A run's history, at the edge: before the run, read its learned budgets (the session judges
 * with them); after it, record the final result. Neither ever changes what the run measured: a
 * history that cannot be read leaves the configured budgets (and says so in each endpoint's
 * `budgetSource`), and one that cannot be written loses the record, never the verdict.
 */
import { randomUUID } from 'node:crypto';
import { agentName } from '../agent.ts';
import type { ZerodownConfig } from '../config/resolve.ts';
import type { ResultDocument } from '../result.ts';
import { fileBasis } from './budget-file.ts';
import {
  planHistory,
  storeBasis,
  unavailable,
  type EndpointToPlan,
  type SessionHistory,
} from './plan.ts';
import { recordsOf } from './record.ts';
import { causeText, describeTarget, isPostgresUrl, openHistoryStore } from './store.ts';

/**
 * Why a store could not be used, without repeating where (the caller says that): the cause
 * `openHistoryStore` wrapped, or zerodown's own message (a schema too new, no node:sqlite).
 */
function why(err: unknown): string {
  const cause = (err as { cause?: unknown }).cause;
  return causeText(cause ?? err);
}

/** What happened to a run's record: `message` is one line for stderr (none when not recorded). */
export interface RecordOutcome {
  ok: boolean;
  message: string | undefined;
}

/** One run's history: its budgets, and recording its result. */
export interface RunHistory {
  /** What the session judges with; undefined when no endpoint learns. */
  readonly session: SessionHistory | undefined;
  /** Lines for stderr about reading history (it was unavailable…). */
  readonly notes: readonly string[];
  /** Records the final result (one transaction). Never throws. */
  record(doc: ResultDocument): Promise<RecordOutcome>;
}

/** The agent part of history keys when none is given: as `agentName` (agent.ts) without a flag. */
export function defaultAgent(env: Readonly<Record<string, string | undefined>> = process.env) {
  return agentName(undefined, env);
}

/**
 * Prepares a run's history: reads the learned budgets of its learning endpoints. Undefined when
 * the config has no history. Throws only for a `budget.file` that cannot be read (a config
 * error: the pipeline's own file), never because the database is down.
 */
export async function prepareHistory(
  config: ZerodownConfig,
  options: { agent?: string; nowMs?: number } = {},
): Promise<RunHistory | undefined> {
  const h = config.history;
  if (!h) return undefined;
  const agent = options.agent ?? defaultAgent();
  const endpoints: EndpointToPlan[] = config.endpoints.map((e, i) => ({
    key: { service: h.service, endpoint: e.name, agent, connection: e.connection },
    rule: h.learn[i],
    configuredMs: config.maxDowntimeMs,
  }));
  const notes: string[] = [];
  let session: SessionHistory | undefined;
  const nowMs = options.nowMs ?? Date.now();
  if (endpoints.some((e) => e.rule)) {
    if (h.file !== undefined) session = await planHistory(endpoints, fileBasis(h.file), nowMs);
    else session = await planFromStore(h.target!, endpoints, nowMs, notes);
  }
  const runId = randomUUID();
  return {
    session,
    notes,
    record: (doc) =>
      h.target === undefined
        ? Promise.resolve({ ok: true, message: undefined })
        : recordRun(h.target, doc, {
            runId,
            service: h.service,
            agent,
            // The document's text is redacted already; a label from the command line is not.
            label: h.label === undefined ? undefined : config.redactor.text(h.label),
          }),
  };
}

async function planFromStore(
  target: string,
  endpoints: EndpointToPlan[],
  nowMs: number,
  notes: string[],
): Promise<SessionHistory> {
  const from = isPostgresUrl(target) ? 'postgres' : 'sqlite';
  let store;
  try {
    store = await openHistoryStore(target);
    return await planHistory(endpoints, storeBasis(store), nowMs);
  } catch (err) {
    const reason = why(err);
    notes.push(
      `history unavailable (${describeTarget(target)}): ${reason}; judging by the configured budget`,
    );
    return unavailable(endpoints, `history unavailable: ${reason}`, from);
  } finally {
    await store?.close();
  }
}

/** Records a final result; the outcome's message says where, or why it failed. */
export async function recordRun(
  target: string,
  doc: ResultDocument,
  ctx: { runId: string; service: string; agent: string; label: string | undefined },
): Promise<RecordOutcome> {
  const records = recordsOf(doc, ctx);
  if (records.length === 0) return { ok: true, message: undefined };
  let store;
  try {
    store = await openHistoryStore(target);
    await store.record(records);
    return { ok: true, message: `run recorded in the history ${store.where}` };
  } catch (err) {
    return {
      ok: false,
      message: `history write failed (${describeTarget(target)}): ${why(err)}; the run's verdict and result stand`,
    };
  } finally {
    await store?.close();
  }
}
