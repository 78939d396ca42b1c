/**
 * What the HTML report's charts draw, cut from the result document: per endpoint, the timeline
 * as columns (compact, and what the chart library takes), the windows, the versions. The live
 * dashboard sends the same model as deltas: only the points and windows a page has not seen.
 * Pure.
 */
import type { EndpointResult, PhaseSpan, ResultDocument, Verdict } from '../result.ts';
import { incidentsOf } from '../analysis/incidents.ts';
import { agentLanes, codesText, mergeGapOf } from './common.ts';

/** Up or down now (the latest completed probe), while a run goes on; null otherwise. */
export type EndpointState = 'up' | 'down' | null;

/** A downtime window as a chart shades it. */
export interface ChartWindow {
  startMs: number;
  endMs: number;
  durationMs: number;
  open: boolean;
  /** `503 x101`: the errors, most frequent first. */
  codes: string;
  phase: string | null;
  stall: boolean;
  /** Merged documents: the agents failing in it (`eu, us`); empty otherwise. */
  agents: string;
}

/** An incident as a chart bands it (windows closer than the merge gap, contract §6). */
export interface ChartIncident {
  startMs: number;
  endMs: number;
  durationMs: number;
  open: boolean;
  kind: 'outage' | 'partial';
  failureRatio: number;
  probes: number;
  windows: number;
  /** `502 x50`: the errors, most frequent first. */
  codes: string;
  phase: string | null;
  /** Merged documents: the agents failing in it (`eu, us`); empty otherwise. */
  agents: string;
}

/** One endpoint's chart. `t` holds each point's start (ms); the other columns line up with it. */
export interface ChartEndpoint {
  name: string;
  /** Merged documents: the agent whose lane this is (`/health @ eu`); null for the union. */
  agent: string | null;
  method: string;
  url: string;
  /** Probes per second. */
  rate: number;
  verdict: Verdict;
  downtime: boolean;
  state: EndpointState;
  intervalMs: number;
  t: number[];
  ok: number[];
  failed: number[];
  p50: (number | null)[];
  p99: (number | null)[];
  windows: ChartWindow[];
  /** Every incident (few: sent whole with each live update). */
  incidents: ChartIncident[];
  versions: { version: string; firstMs: number; lastMs: number }[];
}

/** Everything the charts of one run need. */
export interface ChartModel {
  /** Changes when a new run starts (its start time). */
  runId: string;
  running: boolean;
  durationMs: number;
  phases: PhaseSpan[];
  endpoints: ChartEndpoint[];
}

/** Builds the chart model of a result document; `states` come from a live run. */
export function chartModel(doc: ResultDocument, states: readonly EndpointState[] = []): ChartModel {
  return {
    runId: doc.startedAt,
    running: doc.running,
    durationMs: doc.durationMs,
    phases: doc.phases,
    endpoints: lanesOf(doc, states).map((l) =>
      chartEndpoint(l.endpoint, mergeGapOf(doc), l.state, 0, 0, l.agent, l.name),
    ),
  };
}

/** A chart of the page: an endpoint, or (merged documents) one agent's lane of it after it. */
interface Lane {
  endpoint: EndpointResult;
  name: string;
  agent: string | null;
  state: EndpointState;
}

function lanesOf(doc: ResultDocument, states: readonly EndpointState[]): Lane[] {
  return doc.endpoints.flatMap((e, i) => [
    { endpoint: e, name: e.name, agent: null, state: states[i] ?? null },
    ...agentLanes(e).map((l) => ({
      endpoint: l.endpoint,
      name: `${e.name} @ ${l.agent}`,
      agent: l.agent,
      state: null,
    })),
  ]);
}

function chartEndpoint(
  e: EndpointResult,
  mergeGapMs: number,
  state: EndpointState,
  fromPoint: number,
  fromWindow: number,
  agent: string | null = null,
  name = e.name,
): ChartEndpoint {
  const points = e.timeline.points.slice(fromPoint);
  return {
    name,
    agent,
    method: e.method,
    url: e.url,
    rate: e.rate,
    verdict: e.verdict,
    downtime: e.downtime.isDowntime,
    state,
    intervalMs: e.timeline.intervalMs,
    t: points.map((p) => p.startMs),
    ok: points.map((p) => p.ok),
    failed: points.map((p) => p.failed),
    p50: points.map((p) => p.p50Ms),
    p99: points.map((p) => p.p99Ms),
    windows: e.downtime.windows.slice(fromWindow).map((w) => ({
      startMs: w.startMs,
      endMs: w.endMs,
      durationMs: w.durationMs,
      open: w.open,
      codes: codesText(w.errorCodes),
      phase: w.phase ?? null,
      stall: w.clientStall === true,
      agents: (w.agents ?? []).join(', '),
    })),
    incidents: incidentsOf(e, mergeGapMs).map((i) => ({
      startMs: i.startMs,
      endMs: i.endMs,
      durationMs: i.durationMs,
      open: i.open,
      kind: i.kind,
      failureRatio: i.failureRatio,
      probes: i.probes,
      windows: i.windows,
      codes: codesText(i.errorCodes),
      phase: i.phase ?? null,
      agents: (i.agents ?? []).join(', '),
    })),
    versions: (e.versions ?? []).map((v) => ({
      version: v.version,
      firstMs: v.firstMs,
      lastMs: v.lastMs,
    })),
  };
}

/**
 * One message of the live dashboard. With `reset`, `endpoints` are complete; otherwise each
 * replaces its columns from index `from` and its windows from `windowsFrom` on.
 */
export interface LiveUpdate {
  /** No run yet: only the summary. */
  idle?: true;
  reset: boolean;
  runId?: string;
  running?: boolean;
  durationMs?: number;
  phases?: PhaseSpan[];
  title: string;
  summaryHtml: string;
  endpoints?: (ChartEndpoint & { from: number; windowsFrom: number })[];
}

/**
 * The live dashboard's per-page state: which points and windows a page has, so each update
 * carries only what changed (the last point and window are sent again: they were incomplete).
 */
export class LiveFeed {
  private runId: string | undefined;
  private sentPoints: number[] = [];
  private sentWindows: number[] = [];
  private lastKey: string | undefined;

  /** The next update for this page, or undefined when nothing changed since the last one. */
  next(
    doc: ResultDocument | undefined,
    states: readonly EndpointState[],
    render: () => { title: string; summaryHtml: string },
  ): LiveUpdate | undefined {
    const key = doc
      ? `${doc.startedAt}|${doc.durationMs}|${doc.running}|${states.join(',')}`
      : 'idle';
    if (key === this.lastKey) return undefined;
    this.lastKey = key;
    if (!doc) {
      this.runId = undefined;
      return { idle: true, reset: true, ...render() };
    }
    const reset = doc.startedAt !== this.runId;
    const lanes = lanesOf(doc, states);
    if (reset) {
      this.runId = doc.startedAt;
      this.sentPoints = lanes.map(() => 0);
      this.sentWindows = lanes.map(() => 0);
    }
    const endpoints = lanes.map((l, i) => {
      const e = l.endpoint;
      const from = Math.max(0, (this.sentPoints[i] ?? 0) - 1);
      const windowsFrom = Math.max(0, (this.sentWindows[i] ?? 0) - 1);
      this.sentPoints[i] = e.timeline.points.length;
      this.sentWindows[i] = e.downtime.windows.length;
      const chart = chartEndpoint(e, mergeGapOf(doc), l.state, from, windowsFrom, l.agent, l.name);
      return { ...chart, from, windowsFrom };
    });
    return {
      reset,
      runId: doc.startedAt,
      running: doc.running,
      durationMs: doc.durationMs,
      phases: doc.phases,
      endpoints,
      ...render(),
    };
  }
}
