/**
 * A probing session: the engine plus one `EndpointStats` per endpoint, the run's phases, and the
 * result document built from them at any moment (live or final).
 */
import { hostname } from 'node:os';
import { agentName } from './agent.ts';
import { EndpointStats } from './analysis/endpoint-stats.ts';
import { markDegraded } from './guard/degraded.ts';
import type { SessionHistory } from './history/plan.ts';
import { latencyRegression } from './history/regression.ts';
import { decideOutcome } from './outcome.ts';
import { redactTree } from './redact.ts';
import type { ZerodownConfig } from './config/resolve.ts';
import { ProbeEngine } from './probe/engine.ts';
import type { ProbeOutcome } from './probe/outcome.ts';
import {
  SCHEMA_VERSION,
  type DeployRecord,
  type DowntimeWindow,
  type GuardRecord,
  type PhaseSpan,
  type ResultDocument,
} from './result.ts';
import { VERSION } from './version.ts';
import { round3 } from './analysis/histogram.ts';

/** Result keys whose values are data, not text (left alone by redaction). */
const OPAQUE = new Set(['histogram', 'timeline']);

/** Extra parts of the result a caller (run, server) adds. */
export interface ResultExtras {
  deploy?: DeployRecord | undefined;
  guard?: GuardRecord | undefined;
  interrupted?: boolean | undefined;
  blocked?: { reason: string } | undefined;
  /** The run's name (a control-server run started with `/start?name=`). */
  name?: string | undefined;
  /** Control server: why the run ended without a `/stop` (pass `interrupted` too). */
  endedBy?: 'superseded' | 'max-run' | undefined;
}

/** One probing session from `start()` to `stop()`. */
export class ProbeSession {
  readonly config: ZerodownConfig;
  readonly stats: readonly EndpointStats[];
  /** Learned budgets and latency history (history/plan.ts); undefined: none. */
  readonly history: SessionHistory | undefined;
  private readonly engine: ProbeEngine;
  /** The machine that probes, for the document's `host`. */
  private readonly host = hostname();
  /** The vantage's name, for the document's `agent` (contract §7). */
  readonly agent: string;
  private readonly phaseList: PhaseSpan[] = [];
  private readonly listeners = new Set<(o: ProbeOutcome) => void>();
  private waiters: { untilMs: number; resolve: () => void }[] = [];
  private startedAtDate: Date | undefined;
  private endedAtDate: Date | undefined;
  private endMs: number | undefined;

  /** `agent` defaults as `agentName` (agent.ts) without a flag: environment, else host name. */
  constructor(config: ZerodownConfig, history?: SessionHistory, agent?: string) {
    this.config = config;
    this.history = history;
    this.agent = agent ?? agentName(undefined);
    this.stats = config.endpoints.map((e) => new EndpointStats(e));
    this.engine = new ProbeEngine(config.endpoints, { onOutcome: (o) => this.accept(o) });
  }

  /**
   * Starts probing, in the first phase `phase`. Resolves at time zero, after a short unrecorded
   * priming run that opens the connections (see `ProbeEngine.prime`).
   */
  async start(phase = 'probe'): Promise<void> {
    await this.engine.prime(); // throws when this session was started before
    this.startedAtDate = new Date();
    this.engine.start();
    this.phaseList.push({ name: phase, startMs: 0, endMs: NaN });
  }

  /** Milliseconds since start, monotonic. */
  nowMs(): number {
    if (this.startedAtDate === undefined) return 0;
    return this.endMs ?? this.engine.nowMs();
  }

  get running(): boolean {
    return this.startedAtDate !== undefined && this.endedAtDate === undefined;
  }

  get startedAt(): Date | undefined {
    return this.startedAtDate;
  }

  /** The phase now going on. */
  get phase(): string | undefined {
    return this.phaseList.at(-1)?.name;
  }

  /** Ends the current phase and starts another, now. Returns the switch time. */
  beginPhase(name: string): number {
    const now = this.engine.nowMs();
    const last = this.phaseList.at(-1);
    if (last) last.endMs = now;
    this.phaseList.push({ name, startMs: now, endMs: NaN });
    return now;
  }

  /** Calls `listener` with every outcome (completion order). Returns an unsubscribe. */
  onOutcome(listener: (o: ProbeOutcome) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves once every probe due at or before `ms` has completed (or timed out). */
  whenProcessed(ms: number): Promise<void> {
    if (this.processedThrough(ms)) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ untilMs: ms, resolve }));
  }

  /** Stops probing, waits for the probes in flight, closes the last phase. */
  async stop(): Promise<void> {
    if (!this.running) return;
    await this.engine.stop();
    this.endMs = this.engine.nowMs();
    this.endedAtDate = new Date();
    const last = this.phaseList.at(-1);
    if (last && Number.isNaN(last.endMs)) last.endMs = this.endMs;
    for (const w of this.waiters) w.resolve();
    this.waiters = [];
  }

  /** Each endpoint's downtime windows so far, in config order. */
  windows(): DowntimeWindow[][] {
    return this.stats.map((s) => s.windows());
  }

  /**
   * The result document as of now, assembled once: endpoint results judged against the budget,
   * degraded marks (latency objective, the guard's comparisons in `extras.guard`), then the
   * verdict from `decideOutcome`. Callers pass everything they know; nothing patches it later.
   */
  result(extras: ResultExtras = {}): ResultDocument {
    const now = this.nowMs();
    const c = this.config;
    const phases = this.phaseList.map((p) => ({
      name: p.name,
      startMs: round3(p.startMs),
      endMs: round3(Number.isNaN(p.endMs) ? now : p.endMs),
    }));
    const engine = this.engine.report();
    const budget = {
      maxDowntimeMs: c.maxDowntimeMs,
      maxIncidentMs: c.maxIncidentMs,
      mergeGapMs: c.mergeGapMs,
    };
    const h = this.history;
    const endpoints = this.stats.map((s, i) => {
      const learned = h?.budgets[i];
      const own = learned ? { ...budget, ...learned } : budget;
      return s.toResult({ budget: own, phases, stalls: engine.stalls, history: h?.trend[i] });
    });
    markDegraded(endpoints, c.guard.degraded?.latency, extras.guard?.comparisons ?? [], (e, i) => {
      const baseline = h?.latency[i];
      return baseline && latencyRegression(e, baseline);
    });
    const doc: ResultDocument = {
      schemaVersion: SCHEMA_VERSION,
      tool: { name: 'zerodown', version: VERSION },
      host: this.host,
      agent: this.agent,
      verdict: 'pass',
      running: this.running,
      startedAt: (this.startedAtDate ?? new Date()).toISOString(),
      endedAt: this.endedAtDate?.toISOString() ?? null,
      durationMs: round3(now),
      phases,
      budget: {
        maxDowntimeMs: c.maxDowntimeMs ?? null,
        mergeGapMs: c.mergeGapMs,
        maxIncidentMs: c.maxIncidentMs ?? null,
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
    return redactTree(doc, c.redactor, OPAQUE);
  }

  private accept(o: ProbeOutcome): void {
    this.stats[o.endpoint]!.add(o);
    for (const listener of this.listeners) listener(o);
    if (this.waiters.length > 0) {
      this.waiters = this.waiters.filter((w) => {
        if (!this.processedThrough(w.untilMs)) return true;
        w.resolve();
        return false;
      });
    }
  }

  private processedThrough(ms: number): boolean {
    return this.stats.every((s, i) => this.engine.scheduledMs(i, s.cursor) > ms);
  }
}
