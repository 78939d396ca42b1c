/**
 * Assembling the result document from endpoint accumulators and the run's facts: the ONE place
 * that does it, for a live session (session.ts) and for a run rebuilt from its probe stream
 * (analysis/replay.ts). Endpoint results are judged against their budget, marked degraded
 * (latency objective, the guard's comparisons, latency history), then `decideOutcome` gives the
 * verdict. Callers pass everything they know; nothing patches the document later.
 */
import type { EndpointStats } from './analysis/endpoint-stats.ts';
import { round3 } from './analysis/histogram.ts';
import { markDegraded, type LatencyObjective } from './guard/degraded.ts';
import type { SessionHistory } from './history/plan.ts';
import { latencyRegression } from './history/regression.ts';
import { decideOutcome } from './outcome.ts';
import { redactTree, type Redactor } from './redact.ts';
import {
  SCHEMA_VERSION,
  type DeployRecord,
  type EngineReport,
  type GuardRecord,
  type PhaseSpan,
  type ResultDocument,
} from './result.ts';

/** Result keys whose values are data, not text (left alone by redaction). */
const OPAQUE = new Set(['histogram', 'timeline']);

/** Extra parts of the result a caller (run, server, a replay) adds. */
export interface ResultExtras {
  deploy?: DeployRecord | undefined;
  guard?: GuardRecord | undefined;
  interrupted?: boolean | undefined;
  blocked?: { reason: string } | undefined;
  /** The run's name (a control-server run started with `/start?name=`). */
  name?: string | undefined;
  /**
   * Why an `interrupted` run ended: the control server's `superseded` / `max-run`, or a probe
   * stream rebuilt without its end (`stream-cut`) or with probes lost (`stream-dropped`).
   */
  endedBy?: ResultDocument['endedBy'] | undefined;
}

/** The run-level facts of a result document (everything not measured by the accumulators). */
export interface RunFacts {
  toolVersion: string;
  /** The machine that probed; undefined when not known (an agent's, seen from the hub). */
  host: string | undefined;
  agent: string;
  running: boolean;
  startedAt: string;
  endedAt: string | null;
  /** Ms since time zero as of this result (the run's length once it has ended). */
  nowMs: number;
  /** Phases in order; an `endMs` of NaN is the phase going on (ends at `nowMs`). */
  phases: readonly PhaseSpan[];
  engine: EngineReport;
  budget: {
    maxDowntimeMs: number | undefined;
    maxIncidentMs: number | undefined;
    mergeGapMs: number;
  };
  /** Learned budgets, latency baselines, trends (history/plan.ts); undefined: none. */
  history: SessionHistory | undefined;
  /** `guard.degraded.latency`. */
  latencyObjective: LatencyObjective | undefined;
  /** Masks the config's secrets in free text. */
  redactor: Redactor;
}

/** The result document of `stats` (one per endpoint, config order) with `facts` and `extras`. */
export function assembleResult(
  stats: readonly EndpointStats[],
  facts: RunFacts,
  extras: ResultExtras = {},
): ResultDocument {
  const now = facts.nowMs;
  const phases = facts.phases.map((p) => ({
    name: p.name,
    startMs: round3(p.startMs),
    endMs: round3(Number.isNaN(p.endMs) ? now : p.endMs),
  }));
  const engine = facts.engine;
  const budget = facts.budget;
  const h = facts.history;
  const endpoints = stats.map((s, i) => {
    const learned = h?.budgets[i];
    const own = learned ? { ...budget, ...learned } : budget;
    return s.toResult({ budget: own, phases, stalls: engine.stalls, history: h?.trend[i] });
  });
  markDegraded(endpoints, facts.latencyObjective, extras.guard?.comparisons ?? [], (e, i) => {
    const baseline = h?.latency[i];
    return baseline && latencyRegression(e, baseline);
  });
  const doc: ResultDocument = {
    schemaVersion: SCHEMA_VERSION,
    tool: { name: 'zerodown', version: facts.toolVersion },
    ...(facts.host === undefined ? {} : { host: facts.host }),
    agent: facts.agent,
    verdict: 'pass',
    running: facts.running,
    startedAt: facts.startedAt,
    endedAt: facts.endedAt,
    durationMs: round3(now),
    phases,
    budget: {
      maxDowntimeMs: budget.maxDowntimeMs ?? null,
      mergeGapMs: budget.mergeGapMs,
      maxIncidentMs: budget.maxIncidentMs ?? null,
    },
    endpoints,
    engine,
  };
  if (extras.deploy) doc.deploy = extras.deploy;
  if (extras.guard) doc.guard = extras.guard;
  if (extras.interrupted) doc.interrupted = true;
  if (extras.endedBy) doc.endedBy = extras.endedBy;
  if (extras.blocked) doc.blocked = extras.blocked;
  if (extras.name !== undefined) doc.name = extras.name;
  doc.verdict = decideOutcome(doc).verdict;
  // Commands, reasons and rollback output are free text: no known secret leaves in them.
  return redactTree(doc, facts.redactor, OPAQUE);
}
