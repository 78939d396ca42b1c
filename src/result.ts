/**
 * The result document (contract §3): written by `--json`, returned by the control server,
 * read by `zerodown report`. Times are milliseconds since `startedAt` on a monotonic clock.
 */

/** Result schema version; bumped only on a breaking change. */
export const SCHEMA_VERSION = 1;

/**
 * An endpoint's verdict. `degraded`: up (within the downtime budget) but over a latency objective
 * or worse than its baseline.
 */
export type Verdict = 'pass' | 'fail' | 'degraded';

/**
 * The run's verdict (the document's `verdict`), decided once by `decideOutcome` (outcome.ts) with
 * its exit code: `pass` 0, `degraded` 0 (1 with `guard.degraded.fail`), `fail` 1, `deploy-failed`
 * 3, `blocked` 4, `rolled-back` 5, `inconclusive` 6, `interrupted` 130.
 */
export type RunVerdict =
  Verdict | 'deploy-failed' | 'blocked' | 'rolled-back' | 'inconclusive' | 'interrupted';

/** A run of consecutive failed probes, in scheduled-send order. */
export interface DowntimeWindow {
  /** Scheduled send time of the first failed probe. */
  startMs: number;
  /** Scheduled send time of the first success after it (or of the last probe when open). */
  endMs: number;
  durationMs: number;
  /** Still failing when probing ended. */
  open: boolean;
  failures: number;
  errorCodes: Record<string, number>;
  /** For `assertion` failures: which check failed, with counts (`bodyContains`, `header:x`…). */
  checks?: Record<string, number>;
  /** The run phase the window started in (`warmup`, `deploy`, `settle`, `probe`). */
  phase?: string;
  /** The window overlaps a period when zerodown itself fell behind: read it with care. */
  clientStall?: boolean;
  /** Merged documents (contract §7): the agents failing in this window, sorted. */
  agents?: string[];
}

/**
 * Windows separated by less than `budget.mergeGap` of successes, read as one event (contract §6):
 * behind a round-robin balancer with one bad instance every other probe fails, and a 2-second
 * partial outage is dozens of one-probe windows but one incident.
 */
export interface DowntimeIncident {
  /** Scheduled send time of its first failed probe. */
  startMs: number;
  /** Scheduled send time of the first success after its last window (last probe when open). */
  endMs: number;
  durationMs: number;
  /** Its last window was still failing when probing ended. */
  open: boolean;
  /** Probes scheduled from `startMs` up to (not including) `endMs`; through the last when open. */
  probes: number;
  failures: number;
  /** `failures / probes`, rounded to 3 decimals. */
  failureRatio: number;
  errorCodes: Record<string, number>;
  /** For `assertion` failures: which checks failed, with counts (as in its windows). */
  checks?: Record<string, number>;
  /** `outage` when `failureRatio` ≥ 0.9, else `partial`. */
  kind: 'outage' | 'partial';
  /** How many windows it merges. */
  windows: number;
  /** The run phase its first window started in. */
  phase?: string;
  /** One of its windows overlaps a period when zerodown itself fell behind. */
  clientStall?: boolean;
  /** Merged documents (contract §7): the agents failing in its windows, sorted. */
  agents?: string[];
}

/** One second (or `intervalMs`) of one endpoint's probes, by scheduled send time. */
export interface TimelinePoint {
  startMs: number;
  ok: number;
  failed: number;
  p50Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
}

/** A version seen answering an endpoint. */
export interface VersionSeen {
  version: string;
  firstMs: number;
  lastMs: number;
  probes: number;
}

/**
 * A server certificate an endpoint presented (TLS endpoints): one per SHA-256 fingerprint, in
 * order of first appearance. More than one: the certificate changed during the run.
 */
export interface CertificateSeen {
  /** The subject's common name (else the whole subject). */
  subject: string;
  /** The issuer's common name (else the whole issuer). */
  issuer: string;
  /** SHA-256 fingerprint, colon-separated upper-case hex. */
  fingerprint256: string;
  /** End of validity, ISO 8601 (UTC). */
  validTo: string;
  /** Scheduled time of the first and last probe that went over a connection presenting it. */
  firstMs: number;
  lastMs: number;
  /** Probes that went over such a connection. */
  probes: number;
}

/**
 * Answers from an older version after a newer one had answered, in send order: a rolling
 * deploy's mixed period, a stale instance still in rotation, a rollback. "Older" is by order of
 * first appearance.
 */
export interface FlipFlops {
  /** Switches back: a probe answered by an older version than the probe before it. */
  count: number;
  /** Probes answered by an older version than the newest one seen by then. */
  probes: number;
  /** Scheduled send times of the first switches back (at most 20), in ms. */
  atMs: number[];
  /** Scheduled send time of the last switch back; null when there was none. */
  lastMs: number | null;
}

export interface EndpointResult {
  name: string;
  url: string;
  method: string;
  rate: number;
  connection: 'keepalive' | 'fresh';
  verdict: Verdict;
  reason: string;
  totalRequests: number;
  totalErrors: number;
  totalTimeSeconds: number;
  rps: number;
  meanLatencyMs: number | null;
  minLatencyMs: number | null;
  maxLatencyMs: number | null;
  percentiles: Record<'50' | '90' | '95' | '99', number | null>;
  errorCodes: Record<string, number>;
  /** Successful answers by status. */
  statusCodes: Record<string, number>;
  /** Probes retried once on a new connection after a stale keep-alive connection closed. */
  retries: number;
  /** Probes not sent because zerodown could not keep up (never counted as the target's fault). */
  skipped: number;
  downtime: {
    isDowntime: boolean;
    /** Summed window time (what failed probes cost); `budget.maxDowntime` judges it. */
    totalMs: number;
    windows: DowntimeWindow[];
    /** Absent in documents written before incidents existed (0.1.0). */
    incidents?: DowntimeIncident[];
  };
  timeline: { intervalMs: number; points: TimelinePoint[] };
  /** HDR histogram of latency in microseconds, compressed base64, for merging runs. */
  histogram: string;
  versions?: VersionSeen[];
  mixedMs?: number;
  /** With version tracking: answers from an older version after a newer one appeared. */
  flipFlops?: FlipFlops;
  /** Probes by the protocol that answered (`http/1.1`, `h2`, `tcp`, `tls`…), when known. */
  protocols?: Record<string, number>;
  /** TLS endpoints: the server certificates seen, in order of first appearance (contract §9). */
  certificates?: CertificateSeen[];
  /** With `budget.learn` (contract §8): the budget this endpoint was judged against, and whence. */
  budgetSource?: BudgetSource;
  /** With `budget.learn`: the downtime of its recent runs, oldest first (the HTML trend chart). */
  history?: HistoryPoint[];
  /**
   * Merged documents (contract §7): this endpoint as each agent saw it, by agent name, with its
   * times moved onto the merged clock (`AgentSummary.offsetMs` added).
   */
  byAgent?: Record<string, EndpointResult>;
}

/** Why an agent's part of a merged measurement is missing or short. */
export type AgentGap =
  'missing' | 'interrupted' | 'running' | 'started-late' | 'ended-early' | 'no-probes';

/** One vantage of a merged document (contract §7), in input order, then the missing ones. */
export interface AgentSummary {
  name: string;
  /** Its own document's verdict; `missing` when it was expected and no document came. */
  verdict: RunVerdict | 'missing';
  /** It covered the whole merged measurement: no `gap`. */
  complete: boolean;
  /** Why it is not complete. */
  gap?: AgentGap;
  /** The gap in a few words: `interrupted at 10:00:12.300Z (+12.3 s)`. */
  reason?: string;
  /** Merged-clock ms from which its data is missing (null: missing altogether or not timed). */
  missingFromMs?: number | null;
  /** The machine it probed from (its document's `host`). */
  host?: string;
  startedAt: string | null;
  endedAt: string | null;
  /** Its `startedAt` minus the merged `startedAt`: where its time zero sits on the merged clock. */
  offsetMs: number;
  durationMs: number;
  totalRequests: number;
  totalErrors: number;
  /** The endpoints over their budget as it saw them. */
  failing: string[];
}

/**
 * Where an endpoint's downtime budget came from (contract §8): learned from past runs, or the
 * configured `budget.maxDowntime` when there were too few (`note` says how many) or no history.
 */
export interface BudgetSource {
  kind: 'learned' | 'configured';
  /** Runs of history the budget stands on (learned), or found so far (configured). */
  runs: number;
  /** The percentile of past downtime it was learned from (99, 95); null when configured. */
  percentile: number | null;
  /**
   * The history key that set it (or was looked at): `service=… endpoint=… agent=… connection=…`,
   * or the coarser `service=… endpoint=…`.
   */
  key: string;
  /** The budget applied, in ms: learned (margin included), or configured; null: none at all. */
  maxDowntimeMs: number | null;
  /** Learned: the percentile of past downtime before the margin, in ms. */
  learnedMs?: number;
  /** How many days of history were read. */
  days: number;
  /** Configured: why nothing was learned (`learning: 12 of 20 runs`, `history unavailable: …`). */
  note?: string;
  /** Where the history was read: `sqlite`, `postgres`, or `file` (`budget.file`). */
  from?: 'sqlite' | 'postgres' | 'file';
}

/** One past run of an endpoint, as its history trend shows it. */
export interface HistoryPoint {
  startedAt: string;
  downtimeMs: number;
  verdict: string;
}

export interface PhaseSpan {
  name: string;
  startMs: number;
  endMs: number;
}

export interface DeployRecord {
  command: string;
  exitCode: number | null;
  signal: string | null;
  durationMs: number;
  startMs: number;
  /** The command could not be started (e.g. not found). */
  error?: string;
}

/**
 * A period when zerodown itself sent late or skipped probes, or held them waiting for a connection
 * while its own loop was busy.
 */
export interface EngineStall {
  startMs: number;
  endMs: number;
  maxLateMs: number;
  skipped: number;
}

/** How well zerodown kept its own schedule: the measure of the measurer. */
export interface EngineReport {
  /** Actual send time minus scheduled send time. */
  latenessMs: { p50: number; p99: number; max: number };
  eventLoopDelayMs: { p99: number; max: number };
  sent: number;
  skipped: number;
  retries: number;
  /**
   * Requests sent to the targets before time zero to open connections (priming), in no count,
   * window or histogram. Absent in documents from before 0.1.0's priming.
   */
  primed?: number;
  /**
   * The most probes one endpoint sent in any 10 ms (primers included): zerodown's pacing at its
   * tightest, as it sent. Absent in documents from before it was added.
   */
  densest10ms?: number;
  stalls: EngineStall[];
}

/** A rollback command as it ran. */
export interface RollbackRecord {
  command: string;
  /** The stage it undid, for staged deploys. */
  stage?: string;
  exitCode: number | null;
  signal: string | null;
  startMs: number;
  endMs: number;
  /** The last lines of its output. */
  output: string;
  error?: string;
}

/** One stage (wave) of a staged deploy. */
export interface StageRecord {
  name: string;
  command: string;
  startMs: number;
  /** When its command ended. */
  endMs: number | null;
  exitCode: number | null;
  signal: string | null;
  /** When its bake time ended (null when it did not get that far). */
  bakeEndMs: number | null;
  status: 'done' | 'failed' | 'aborted' | 'not-started';
}

/** A statistical comparison: a canary against its baseline, or settle against warm-up. */
export interface ComparisonRecord {
  kind: 'canary' | 'settle-vs-warmup';
  baseline: string;
  canary: string;
  verdict: 'pass' | 'fail' | 'inconclusive';
  errorRate: {
    verdict: string;
    pValue: number;
    baselineRate: number | null;
    canaryRate: number | null;
    reason: string;
  };
  latency: {
    verdict: string;
    pValue: number;
    baselineMedianMs: number | null;
    canaryMedianMs: number | null;
    reason: string;
  };
}

/** What the deploy guard did (contract §5). */
export interface GuardRecord {
  /** What each blocker said before the deploy. */
  blockers: { name: string; blocks: boolean; reason: string }[];
  /** The deploy was started although a blocker said no, for this reason. */
  override?: string;
  aborted: boolean;
  reason?: string;
  /** The threshold that was crossed. */
  breach?: {
    threshold: string;
    endpoint?: string;
    reason: string;
    atMs: number;
    measurableAtMs: number;
  };
  abortedAtMs?: number;
  /** The (last) rollback command, as the contract names it. */
  rollback?: RollbackRecord;
  /** Every rollback command run, in order (staged deploys undo stages in reverse). */
  rollbacks?: RollbackRecord[];
  stages?: StageRecord[];
  /** After an abort: every endpoint answered again by the end of settle. */
  recovered?: boolean;
  /** When the last endpoint came back (null when one did not). */
  recoveredAtMs?: number | null;
  /** Canary and settle-vs-warm-up comparisons. */
  comparisons?: ComparisonRecord[];
  /** A degraded verdict fails the pipeline (exit 1). */
  failOnDegraded?: boolean;
}

export interface ResultDocument {
  schemaVersion: number;
  tool: { name: 'zerodown'; version: string };
  /** The host name of the machine that probed (`os.hostname()`); absent in documents before 0.2. */
  host?: string;
  /** The vantage that probed (`--agent`, contract §7), when it was named. */
  agent?: string;
  /** Merged documents (`zerodown merge`, a hub): every vantage, complete or not. */
  agents?: AgentSummary[];
  /** Decided by `decideOutcome` from the facts below; agrees with the exit code. */
  verdict: RunVerdict;
  /** A control-server run's name (`/start?name=`: a rollout's revision), when it was given one. */
  name?: string;
  running: boolean;
  /** Ended early by SIGINT/SIGTERM (or the control server died): the numbers are partial. */
  interrupted?: boolean;
  /**
   * Control server: why an `interrupted` run ended without a `/stop` — a `/start` of another name
   * superseded it, or it reached the maximum run length (`serve --max-run`). A result rebuilt
   * from a probe stream (`report --from-probes`): the stream has no end line, the writer was
   * killed (`stream-cut`), or the writer dropped probe lines (`stream-dropped`).
   */
  endedBy?: 'superseded' | 'max-run' | 'stream-cut' | 'stream-dropped';
  /** The deploy was not started: why. */
  blocked?: { reason: string };
  startedAt: string;
  endedAt: string | null;
  durationMs: number;
  phases: PhaseSpan[];
  deploy?: DeployRecord;
  guard?: GuardRecord;
  budget: {
    maxDowntimeMs: number | null;
    /** Windows closer than this are one incident (absent in documents before incidents). */
    mergeGapMs?: number;
    /** An endpoint whose longest incident is longer fails. */
    maxIncidentMs?: number | null;
  };
  endpoints: EndpointResult[];
  engine: EngineReport;
}
