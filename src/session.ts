/**
 * A probing session: the engine plus one `EndpointStats` per endpoint, the run's phases, and the
 * result document built from them at any moment (live or final).
 */
import { hostname } from 'node:os';
import { agentName } from './agent.ts';
import { EndpointStats } from './analysis/endpoint-stats.ts';
import { assembleResult, type ResultExtras } from './assemble.ts';
import type { SessionHistory } from './history/plan.ts';
import type { ZerodownConfig } from './config/resolve.ts';
import { ProbeEngine } from './probe/engine.ts';
import type { ProbeOutcome } from './probe/outcome.ts';
import { atRecordResolution } from './probe/record.ts';
import type { DowntimeWindow, PhaseSpan, ResultDocument } from './result.ts';
import { VERSION } from './version.ts';

export type { ResultExtras };

/** One probing session from `start()` to `stop()`. */
export class ProbeSession {
  readonly config: ZerodownConfig;
  readonly stats: readonly EndpointStats[];
  /** Learned budgets and latency history (history/plan.ts); undefined: none. */
  readonly history: SessionHistory | undefined;
  private readonly engine: ProbeEngine;
  /** The machine that probes, for the document's `host`. */
  readonly host = hostname();
  /** The vantage's name, for the document's `agent` (contract §7). */
  readonly agent: string;
  private readonly phaseList: PhaseSpan[] = [];
  private readonly listeners = new Set<(o: ProbeOutcome) => void>();
  private readonly phaseListeners = new Set<(phase: PhaseSpan) => void>();
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
    this.emitPhase();
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
    this.emitPhase();
    return now;
  }

  /** Calls `listener` with every outcome (completion order). Returns an unsubscribe. */
  onOutcome(listener: (o: ProbeOutcome) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Calls `listener` with each phase as it begins (the first one included). Returns an unsubscribe. */
  onPhase(listener: (phase: PhaseSpan) => void): () => void {
    this.phaseListeners.add(listener);
    return () => this.phaseListeners.delete(listener);
  }

  private emitPhase(): void {
    const p = this.phaseList.at(-1)!;
    for (const listener of this.phaseListeners) listener({ ...p });
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
    const c = this.config;
    return assembleResult(
      this.stats,
      {
        toolVersion: VERSION,
        host: this.host,
        agent: this.agent,
        running: this.running,
        startedAt: (this.startedAtDate ?? new Date()).toISOString(),
        endedAt: this.endedAtDate?.toISOString() ?? null,
        nowMs: this.nowMs(),
        phases: this.phaseList,
        engine: this.engine.report(),
        budget: {
          maxDowntimeMs: c.maxDowntimeMs,
          maxIncidentMs: c.maxIncidentMs,
          mergeGapMs: c.mergeGapMs,
        },
        history: this.history,
        latencyObjective: c.guard.degraded?.latency,
        redactor: c.redactor,
      },
      extras,
    );
  }

  private accept(raw: ProbeOutcome): void {
    // At the probe stream's resolution (µs), so a run rebuilt from its stream is the same run.
    const o = atRecordResolution(raw);
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
