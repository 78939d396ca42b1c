/**
 * What the coordinator knows of one agent: its probe records, rebuilt into endpoint results with
 * the same accumulators as a local run (`outcomeOf` → `EndpointStats`), and its document (the
 * same assembly too).
 */
import { EndpointStats } from '../analysis/endpoint-stats.ts';
import { assembleResult } from '../assemble.ts';
import type { ZerodownConfig } from '../config/resolve.ts';
import type { ProbeOutcome } from '../probe/outcome.ts';
import { outcomeOf } from '../probe/record.ts';
import type { EngineReport, PhaseSpan, ResultDocument } from '../result.ts';
import { VERSION } from '../version.ts';
import type { Batch } from './protocol.ts';

const NO_ENGINE: EngineReport = {
  latenessMs: { p50: 0, p99: 0, max: 0 },
  eventLoopDelayMs: { p99: 0, max: 0 },
  sent: 0,
  skipped: 0,
  retries: 0,
  stalls: [],
};

/** One agent's records in one run, each batch counted once. */
export class AgentView {
  /** Its endpoints' accumulators, in the coordinator's config order. */
  readonly stats: EndpointStats[];
  private readonly listeners = new Set<(o: ProbeOutcome) => void>();
  private readonly seen = new Set<number>();
  startedAt: string | undefined;
  /** Its latest `nowMs` (ms on its clock). */
  nowMsSeen = 0;
  phases: PhaseSpan[] = [];
  engine: EngineReport | undefined;
  final = false;
  dropped = 0;
  /** Records naming an endpoint the coordinator's config does not have (ignored). */
  unknown = 0;
  records = 0;
  /** Wall clock (ms) of its last heartbeat. */
  lastHeard = 0;
  /** Set when its heartbeat stopped for 3 s: where its data ends (ms on its clock) and when. */
  lost: { atMs: number; at: string } | undefined;

  readonly name: string;
  readonly config: ZerodownConfig;

  constructor(name: string, config: ZerodownConfig) {
    this.name = name;
    this.config = config;
    this.stats = config.endpoints.map((e) => new EndpointStats(e));
  }

  /** Adds a batch; false when it was counted before (a resend). */
  add(b: Batch): boolean {
    if (this.seen.has(b.batch)) return false;
    this.seen.add(b.batch);
    this.startedAt ??= b.startedAt;
    this.nowMsSeen = Math.max(this.nowMsSeen, b.nowMs);
    if (b.phases.length > 0) this.phases = b.phases;
    this.dropped = Math.max(this.dropped, b.dropped);
    if (b.final) {
      this.final = true;
      this.engine = b.engine;
    }
    for (const r of b.records) {
      const i = this.config.endpoints.findIndex((e) => e.name === r.endpoint);
      if (i < 0) {
        this.unknown++;
        continue;
      }
      this.records++;
      const o = outcomeOf(r, i);
      this.stats[i]!.add(o);
      for (const l of this.listeners) l(o);
    }
    return true;
  }

  /** Its clock: ms since its time zero as of its latest batch (the guard's "now" for it). */
  nowMs(): number {
    return this.nowMsSeen;
  }

  /** Calls `listener` with each outcome as its batch arrives (the guard). Returns an unsubscribe. */
  onOutcome(listener: (o: ProbeOutcome) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Its result document, judged with the coordinator's budget and latency objective, assembled
   * as every result is (assemble.ts).
   */
  document(running: boolean): ResultDocument {
    const c = this.config;
    const incomplete = this.lost !== undefined || this.dropped > 0 || (!running && !this.final);
    return assembleResult(
      this.stats,
      {
        toolVersion: VERSION,
        host: undefined,
        agent: this.name,
        running: running && !incomplete,
        startedAt: this.startedAt ?? new Date().toISOString(),
        endedAt: this.final
          ? new Date(Date.parse(this.startedAt ?? '') + this.nowMsSeen).toISOString()
          : null,
        nowMs: this.nowMsSeen,
        phases:
          this.phases.length > 0
            ? this.phases
            : [{ name: 'probe', startMs: 0, endMs: this.nowMsSeen }],
        engine: this.engine ?? NO_ENGINE,
        budget: {
          maxDowntimeMs: c.maxDowntimeMs,
          maxIncidentMs: c.maxIncidentMs,
          mergeGapMs: c.mergeGapMs,
        },
        history: undefined,
        latencyObjective: c.guard.degraded?.latency,
        redactor: c.redactor,
      },
      incomplete ? { interrupted: true } : {},
    );
  }

  /** Why this vantage is incomplete, in words, or undefined. */
  why(): string | undefined {
    if (this.lost)
      return `heartbeat lost at ${this.lost.at} (its data ends at +${(this.lost.atMs / 1000).toFixed(3)}s)`;
    if (this.dropped > 0)
      return `dropped ${this.dropped} records while the hub was away (buffer full)`;
    if (!this.final)
      return `sent no final batch (its data ends at +${(this.nowMsSeen / 1000).toFixed(3)}s)`;
    return undefined;
  }
}
