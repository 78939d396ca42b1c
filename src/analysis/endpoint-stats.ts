/**
 * Everything measured for one endpoint, fed with its outcomes: completion order in, sequence
 * order out, into the histogram, timeline, windows and version accumulators. The same object
 * serves the live `/stats` and the final report.
 */
import type { EndpointConfig } from '../config/resolve.ts';
import type { ProbeOutcome } from '../probe/outcome.ts';
import type {
  DowntimeWindow,
  EndpointResult,
  EngineStall,
  HistoryPoint,
  PhaseSpan,
} from '../result.ts';
import { CertificateTracker } from './certificates.ts';
import { LatencyHistogram, round3 } from './histogram.ts';
import { SequenceReorderer } from './reorder.ts';
import { TimelineAccumulator } from './timeline.ts';
import { groupIncidents } from './incidents.ts';
import { judgeEndpoint, type EndpointBudget } from './verdict.ts';
import { VersionTracker } from './versions.ts';
import { DowntimeDetector } from './windows.ts';

/**
 * What the accumulators need to know of an endpoint: how the result names and shows it, and
 * whether versions are tracked. A config's endpoint is one; so is a probe stream's (stream/).
 */
export type EndpointIdentity = Pick<
  EndpointConfig,
  'name' | 'displayUrl' | 'method' | 'rate' | 'connection' | 'versionHeader' | 'versionJson'
>;

/** The accumulators of one endpoint. */
export class EndpointStats {
  readonly config: EndpointIdentity;
  private readonly reorder: SequenceReorderer<ProbeOutcome>;
  private readonly histogram = new LatencyHistogram();
  private readonly timeline = new TimelineAccumulator(1000);
  private readonly detector = new DowntimeDetector();
  private readonly versions = new VersionTracker();
  private readonly errorCodes: Record<string, number> = {};
  private readonly statusCodes: Record<string, number> = {};
  private readonly protocols: Record<string, number> = {};
  private readonly certificates = new CertificateTracker();
  private requests = 0;
  private errors = 0;
  private retries = 0;
  private skipped = 0;
  private firstMs: number | undefined;
  private lastMs = 0;
  /** The most recent completion, by completion time: what "up or down now" shows. */
  lastCompleted: ProbeOutcome | undefined;

  constructor(config: EndpointIdentity) {
    this.config = config;
    this.reorder = new SequenceReorderer((o) => this.addInOrder(o));
  }

  /** Adds an outcome in any order. */
  add(o: ProbeOutcome): void {
    if (!o.skipped) this.lastCompleted = o;
    this.reorder.push(o.seq, o);
  }

  /** Every probe scheduled before this sequence number has been accounted for. */
  get cursor(): number {
    return this.reorder.cursor;
  }

  /** Scheduled time of the last in-order probe. */
  get lastScheduledMs(): number {
    return this.lastMs;
  }

  get isDown(): boolean {
    return this.detector.isDown;
  }

  /** Summed downtime window time so far (an open window up to its last probe), in ms. */
  get downtimeMs(): number {
    return this.detector.totalMs();
  }

  /** The downtime windows so far (copies). */
  windows(): DowntimeWindow[] {
    return this.detector.windows();
  }

  get sent(): number {
    return this.requests;
  }

  get failed(): number {
    return this.errors;
  }

  private addInOrder(o: ProbeOutcome): void {
    if (o.skipped) {
      this.skipped++;
      return;
    }
    this.firstMs ??= o.scheduledMs;
    this.lastMs = o.scheduledMs;
    this.requests++;
    if (o.retried) this.retries++;
    if (o.ok) this.statusCodes[o.code] = (this.statusCodes[o.code] ?? 0) + 1;
    else {
      this.errors++;
      this.errorCodes[o.code] = (this.errorCodes[o.code] ?? 0) + 1;
    }
    this.histogram.recordMs(o.latencyMs);
    this.timeline.add(o.scheduledMs, o.ok, o.latencyMs);
    this.detector.add(o);
    if (o.version !== undefined) this.versions.add(o.version, o.scheduledMs);
    if (o.protocol !== undefined)
      this.protocols[o.protocol] = (this.protocols[o.protocol] ?? 0) + 1;
    if (o.certificate !== undefined) this.certificates.add(o.certificate, o.scheduledMs);
  }

  /** The endpoint's part of the result document, as of now. */
  toResult(ctx: {
    budget: EndpointBudget & { mergeGapMs: number };
    phases: readonly PhaseSpan[];
    stalls: readonly EngineStall[];
    /** With `budget.learn`: the downtime of recent runs, for the trend chart. */
    history?: readonly HistoryPoint[] | undefined;
  }): EndpointResult {
    const numbered = this.detector.numberedWindows();
    const windows = numbered.map((n) => n.window);
    for (const w of windows) {
      const phase = ctx.phases.find((p) => w.startMs >= p.startMs && w.startMs < p.endMs);
      if (phase) w.phase = phase.name;
      if (ctx.stalls.some((s) => s.startMs <= w.endMs && s.endMs >= w.startMs)) {
        w.clientStall = true;
      }
    }
    const incidents = groupIncidents(numbered, ctx.budget.mergeGapMs);
    const totalMs = this.detector.totalMs();
    const { verdict, reason } = judgeEndpoint(windows, incidents, totalMs, ctx.budget);
    const c = this.config;
    const spanSeconds =
      this.firstMs === undefined ? 0 : (this.lastMs - this.firstMs) / 1000 + 1 / c.rate;
    const result: EndpointResult = {
      name: c.name,
      url: c.displayUrl,
      method: c.method,
      rate: c.rate,
      connection: c.connection,
      verdict,
      reason,
      totalRequests: this.requests,
      totalErrors: this.errors,
      totalTimeSeconds: round3(spanSeconds),
      rps: spanSeconds > 0 ? round3(this.requests / spanSeconds) : 0,
      meanLatencyMs: this.histogram.meanMs,
      minLatencyMs: this.histogram.minMs,
      maxLatencyMs: this.histogram.maxMs,
      percentiles: {
        '50': this.histogram.percentileMs(50),
        '90': this.histogram.percentileMs(90),
        '95': this.histogram.percentileMs(95),
        '99': this.histogram.percentileMs(99),
      },
      errorCodes: { ...this.errorCodes },
      statusCodes: { ...this.statusCodes },
      retries: this.retries,
      skipped: this.skipped,
      downtime: { isDowntime: windows.length > 0, totalMs, windows, incidents },
      timeline: { intervalMs: this.timeline.intervalMs, points: this.timeline.snapshot() },
      histogram: this.histogram.encode(),
    };
    if (Object.keys(this.protocols).length > 0) result.protocols = { ...this.protocols };
    if (this.certificates.size > 0) result.certificates = this.certificates.certificates();
    if (ctx.budget.source) result.budgetSource = ctx.budget.source;
    if (ctx.history) result.history = [...ctx.history];
    if (c.versionHeader !== undefined || c.versionJson !== undefined) {
      result.versions = this.versions.versions();
      result.mixedMs = this.versions.mixedMs();
      result.flipFlops = this.versions.flipFlops();
    }
    return result;
  }
}
