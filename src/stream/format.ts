/**
 * The probe stream (`--out`, NDJSON, one JSON object a line): what a run writes as it probes, and
 * everything `report --from-probes` (analysis/replay.ts) needs to rebuild its result document
 * without the config.
 *
 * ```
 * {"type":"run",   format, tool, startedAt, host, agent, name, budget, latencyObjective, endpoints}
 * {"type":"phase", name, startMs}                 each phase as it begins (the first at 0)
 * {"type":"probe", …}                             each probe, completion order (probe/record.ts)
 * {"type":"end",   endedAt, durationMs, phases, engine, deploy?, guard?, interrupted?, …, dropped}
 * ```
 *
 * The `run` line says each endpoint's resolved, redacted settings and the budget it is judged
 * against (learned budgets and latency baselines included); the `end` line the run-level facts
 * that do not come from probes. A stream without its `end` line was cut (the writer was killed):
 * it rebuilds what it can, and the result says so. Several runs may follow one another in one
 * stream (`serve --out`): each begins with its `run` line.
 */
import type { EndpointIdentity } from '../analysis/endpoint-stats.ts';
import type { ZerodownConfig } from '../config/resolve.ts';
import type { LatencyObjective } from '../guard/degraded.ts';
import type { PlannedBudget, SessionHistory } from '../history/plan.ts';
import type { LatencyBaseline } from '../history/regression.ts';
import type {
  DeployRecord,
  EngineReport,
  GuardRecord,
  HistoryPoint,
  PhaseSpan,
  ResultDocument,
} from '../result.ts';

/** Version of the stream format (the `run` and `end` lines); a reader refuses a newer one. */
export const STREAM_FORMAT = 1;

/** One endpoint as the stream's `run` line says it. */
export interface StreamEndpoint {
  name: string;
  /** The URL as outputs show it (secrets masked). */
  displayUrl: string;
  kind: string;
  method: string;
  rate: number;
  connection: 'keepalive' | 'fresh';
  /** Version tracking: the response header, or the JSON path, read (null: not tracked). */
  versionHeader: string | null;
  versionJson: string | null;
  /** With `budget.learn` (contract §8): the budget planned from history, and whence. */
  learnedBudget?: { maxDowntimeMs: number | null; source: PlannedBudget['source'] };
  /** With `budget.learn`: the latency history it is compared with. */
  latencyBaseline?: LatencyBaseline;
  /** With `budget.learn`: recent runs, for the trend chart. */
  trend?: HistoryPoint[];
}

/** The first line of a run's stream. */
export interface RunLine {
  type: 'run';
  format: number;
  tool: { name: 'zerodown'; version: string };
  /** Time zero, as wall-clock time. */
  startedAt: string;
  host: string;
  agent: string;
  /** The run's name (`serve`: `/start?name=`); null: unnamed. */
  name: string | null;
  budget: { maxDowntimeMs: number | null; mergeGapMs: number; maxIncidentMs: number | null };
  /** `guard.degraded.latency`; null: none. */
  latencyObjective: LatencyObjective | null;
  endpoints: StreamEndpoint[];
}

/** A phase beginning, ms since time zero. */
export interface PhaseLine {
  type: 'phase';
  name: string;
  startMs: number;
}

/** The last line of a run's stream: the run-level facts that do not come from probes. */
export interface EndLine {
  type: 'end';
  endedAt: string | null;
  durationMs: number;
  phases: PhaseSpan[];
  engine: EngineReport;
  deploy?: DeployRecord;
  guard?: GuardRecord;
  interrupted?: boolean;
  blocked?: { reason: string };
  name?: string;
  endedBy?: ResultDocument['endedBy'];
  /** Probe lines the writer had to drop (a reader too slow for too long); 0 normally. */
  dropped: number;
}

/** What the run line says about a run, besides its config. */
export interface RunIdentity {
  startedAt: string;
  host: string;
  agent: string;
  name?: string | undefined;
  history?: SessionHistory | undefined;
  toolVersion: string;
}

/** The `run` line of a run of `config`. */
export function runLine(config: ZerodownConfig, run: RunIdentity): RunLine {
  const h = run.history;
  return {
    type: 'run',
    format: STREAM_FORMAT,
    tool: { name: 'zerodown', version: run.toolVersion },
    startedAt: run.startedAt,
    host: run.host,
    agent: run.agent,
    name: run.name ?? null,
    budget: {
      maxDowntimeMs: config.maxDowntimeMs ?? null,
      mergeGapMs: config.mergeGapMs,
      maxIncidentMs: config.maxIncidentMs ?? null,
    },
    latencyObjective: config.guard.degraded?.latency ?? null,
    endpoints: config.endpoints.map((e, i) => {
      const out: StreamEndpoint = {
        name: e.name,
        displayUrl: e.displayUrl,
        kind: e.kind,
        method: e.method,
        rate: e.rate,
        connection: e.connection,
        versionHeader: e.versionHeader ?? null,
        versionJson: e.versionJson ?? null,
      };
      const budget = h?.budgets[i];
      const latency = h?.latency[i];
      const trend = h?.trend[i];
      if (budget)
        out.learnedBudget = { maxDowntimeMs: budget.maxDowntimeMs ?? null, source: budget.source };
      if (latency) out.latencyBaseline = latency;
      if (trend) out.trend = trend;
      return out;
    }),
  };
}

/** The `end` line of a finished run whose result is `doc`. */
export function endLine(doc: ResultDocument, dropped: number): EndLine {
  const end: EndLine = {
    type: 'end',
    endedAt: doc.endedAt,
    durationMs: doc.durationMs,
    phases: doc.phases,
    engine: doc.engine,
    dropped,
  };
  if (doc.deploy) end.deploy = doc.deploy;
  if (doc.guard) end.guard = doc.guard;
  if (doc.interrupted) end.interrupted = true;
  if (doc.blocked) end.blocked = doc.blocked;
  if (doc.name !== undefined) end.name = doc.name;
  if (doc.endedBy) end.endedBy = doc.endedBy;
  return end;
}

/** What the accumulators need of a stream's endpoint. */
export function endpointIdentity(e: StreamEndpoint): EndpointIdentity {
  return {
    name: e.name,
    displayUrl: e.displayUrl,
    method: e.method,
    rate: e.rate,
    connection: e.connection,
    versionHeader: e.versionHeader ?? undefined,
    versionJson: e.versionJson ?? undefined,
  };
}

/** The history a session judged with, from the run line. */
export function historyOf(run: RunLine): SessionHistory | undefined {
  const e = run.endpoints;
  if (!e.some((x) => x.learnedBudget || x.latencyBaseline || x.trend)) return undefined;
  return {
    budgets: e.map((x) =>
      x.learnedBudget
        ? {
            maxDowntimeMs: x.learnedBudget.maxDowntimeMs ?? undefined,
            source: x.learnedBudget.source,
          }
        : undefined,
    ),
    latency: e.map((x) => x.latencyBaseline),
    trend: e.map((x) => x.trend),
  };
}
