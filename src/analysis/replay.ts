/**
 * Rebuilding a run's result document from its probe stream (stream/format.ts): the `run` line,
 * the phase and probe lines, and the `end` line when there is one. The records go through the
 * same `EndpointStats` accumulators, and the document through the same assembly
 * (`assembleResult`), as the live session's: a finished run's stream rebuilds the very document
 * the run wrote. Used by `report --from-probes` and by a hub rebuilding each agent's results from
 * the records it publishes.
 *
 * Without an `end` line the stream was cut (the writer killed): phases end at the last
 * completion seen, the engine report is what the records tell (lateness from `sentMs`, counts;
 * no loop delay, no stalls), and the result is `interrupted` with `endedBy: "stream-cut"` —
 * `decideOutcome` then says so, never a pass.
 */
import { assembleResult, type ResultExtras } from '../assemble.ts';
import { Redactor } from '../redact.ts';
import { outcomeOf, type ProbeRecord } from '../probe/record.ts';
import type { EngineReport, PhaseSpan, ResultDocument } from '../result.ts';
import {
  endpointIdentity,
  historyOf,
  type EndLine,
  type PhaseLine,
  type RunLine,
} from '../stream/format.ts';
import { EndpointStats } from './endpoint-stats.ts';
import { LatencyHistogram } from './histogram.ts';

/** Overrides for judging a stream again (`report --from-probes -c`): another budget. */
export interface Rejudge {
  budget?: { maxDowntimeMs: number | null; mergeGapMs: number; maxIncidentMs: number | null };
}

/** One run being rebuilt: feed it phases and records in stream order, then ask for the result. */
export class RunReplay {
  readonly run: RunLine;
  private readonly stats: EndpointStats[];
  private readonly index = new Map<string, number>();
  private readonly phases: PhaseSpan[] = [];
  /** Seen so far, for a cut stream's engine report and length. */
  private lastMs = 0;
  private sent = 0;
  private skipped = 0;
  private retries = 0;
  private readonly lateness = new LatencyHistogram();

  constructor(run: RunLine) {
    this.run = run;
    this.stats = run.endpoints.map((e) => new EndpointStats(endpointIdentity(e)));
    run.endpoints.forEach((e, i) => this.index.set(e.name, i));
  }

  /** A phase line. */
  phase(p: PhaseLine): void {
    const last = this.phases.at(-1);
    if (last) last.endMs = p.startMs;
    this.phases.push({ name: p.name, startMs: p.startMs, endMs: NaN });
  }

  /** A probe record; throws when its endpoint is not one of the run line's. */
  add(r: ProbeRecord): void {
    const i = this.index.get(r.endpoint);
    if (i === undefined) {
      throw new Error(`endpoint: "${r.endpoint}" is not an endpoint of the run line`);
    }
    this.stats[i]!.add(outcomeOf(r, i));
    this.lastMs = Math.max(this.lastMs, r.scheduledMs + (r.skipped ? 0 : r.latencyMs));
    if (r.skipped) this.skipped++;
    else this.sent++;
    if (r.retried) this.retries++;
    if (r.sentMs !== null) this.lateness.recordMs(Math.max(0, r.sentMs - r.scheduledMs));
  }

  /** How many probe records were added. */
  get records(): number {
    return this.sent + this.skipped;
  }

  /**
   * The result document: the run's own when `end` is given (the stream is complete), else what a
   * cut stream tells, marked interrupted (`endedBy: "stream-cut"`). `dropped` probe lines in
   * the end line mark it `stream-dropped` the same way.
   */
  result(end?: EndLine, rejudge: Rejudge = {}): ResultDocument {
    const r = this.run;
    const b = rejudge.budget ?? r.budget;
    const extras: ResultExtras = end ? { ...end } : { interrupted: true, endedBy: 'stream-cut' };
    if (r.name !== null && extras.name === undefined) extras.name = r.name;
    if (end && end.dropped > 0)
      Object.assign(extras, { interrupted: true, endedBy: 'stream-dropped' });
    const nowMs = end ? end.durationMs : Math.max(this.lastMs, this.phases.at(-1)?.startMs ?? 0);
    return assembleResult(
      this.stats,
      {
        toolVersion: r.tool.version,
        host: r.host,
        agent: r.agent,
        running: false,
        startedAt: r.startedAt,
        endedAt: end ? end.endedAt : null,
        nowMs,
        phases: end ? end.phases : this.phases,
        engine: end ? end.engine : this.engineSoFar(),
        budget: {
          maxDowntimeMs: b.maxDowntimeMs ?? undefined,
          maxIncidentMs: b.maxIncidentMs ?? undefined,
          mergeGapMs: b.mergeGapMs,
        },
        history: rejudge.budget ? undefined : historyOf(r),
        latencyObjective: r.latencyObjective ?? undefined,
        // The stream's text was redacted when it was written; nothing is known to mask now.
        redactor: new Redactor(),
      },
      pickExtras(extras),
    );
  }

  /** A cut stream's engine report: what its records tell. */
  private engineSoFar(): EngineReport {
    const l = this.lateness;
    return {
      latenessMs: { p50: l.percentileMs(50) ?? 0, p99: l.percentileMs(99) ?? 0, max: l.maxMs ?? 0 },
      eventLoopDelayMs: { p99: 0, max: 0 },
      sent: this.sent,
      skipped: this.skipped,
      retries: this.retries,
      stalls: [],
    };
  }
}

function pickExtras(e: ResultExtras): ResultExtras {
  return {
    deploy: e.deploy,
    guard: e.guard,
    interrupted: e.interrupted,
    blocked: e.blocked,
    name: e.name,
    endedBy: e.endedBy,
  };
}

/** Rebuilds one run from its lines at once (see {@link RunReplay}). */
export function replayRun(
  run: RunLine,
  lines: Iterable<PhaseLine | ProbeRecord>,
  end?: EndLine,
  rejudge?: Rejudge,
): ResultDocument {
  const replay = new RunReplay(run);
  for (const line of lines) {
    if (line.type === 'phase') replay.phase(line);
    else replay.add(line);
  }
  return replay.result(end, rejudge);
}
