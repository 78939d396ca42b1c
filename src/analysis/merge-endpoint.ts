/**
 * One endpoint of a merged document (contract §7): the agents' views of it, matched by name,
 * moved onto the merged clock, summed, their HDR histograms merged (exact percentiles, never an
 * average of percentiles), their windows united, and the union judged with the same
 * `judgeEndpoint` a single run uses. Pure.
 */
import type { DowntimeWindow, EndpointResult, TimelinePoint, VersionSeen } from '../result.ts';
import { LatencyHistogram, round3 } from './histogram.ts';
import { unionIncidents, unionTotalMs, unionWindows, type AgentWindows } from './merge-windows.ts';
import { judgeEndpoint, type EndpointBudget } from './verdict.ts';

/** An agent's view of one endpoint with where its time zero sits on the merged clock. */
export interface AgentEndpoint {
  agent: string;
  offsetMs: number;
  durationMs: number;
  endpoint: EndpointResult;
}

/** Merges one endpoint's agent views (at least one) into the merged endpoint with `byAgent`. */
export function mergeEndpoint(
  views: readonly AgentEndpoint[],
  budget: EndpointBudget & { mergeGapMs: number },
): EndpointResult {
  const first = views[0]!.endpoint;
  const byAgent: Record<string, EndpointResult> = {};
  for (const v of views) byAgent[v.agent] = shiftEndpoint(v.endpoint, v.offsetMs);
  const shifted = views.map((v) => ({ ...v, endpoint: byAgent[v.agent]! }));

  const histogram = new LatencyHistogram();
  for (const v of shifted) histogram.merge(new LatencyHistogram(v.endpoint.histogram));

  const agentWindows: AgentWindows[] = shifted.map((v) => ({
    agent: v.agent,
    offsetMs: v.offsetMs,
    durationMs: v.durationMs,
    rate: v.endpoint.rate,
    windows: v.endpoint.downtime.windows,
  }));
  const windows = unionWindows(agentWindows);
  const incidents = unionIncidents(windows, agentWindows, budget.mergeGapMs);
  const totalMs = unionTotalMs(windows);
  let { verdict, reason } = judgeEndpoint(windows, incidents, totalMs, budget);
  const degraded = shifted.filter((v) => v.endpoint.verdict === 'degraded');
  if (verdict === 'pass' && degraded.length > 0) {
    verdict = 'degraded';
    reason += `; degraded at ${degraded.map((v) => `${v.agent} (${v.endpoint.reason})`).join(', ')}`;
  }
  if (windows.length > 0) {
    const failing = [...new Set(windows.flatMap((w) => w.agents ?? []))].sort();
    reason += ` — seen by ${failing.join(', ')}`;
  }

  const eps = shifted.map((v) => v.endpoint);
  const result: EndpointResult = {
    name: first.name,
    // Each vantage may reach it by another URL (its own config): the first one's; byAgent has all.
    url: first.url,
    method: first.method,
    rate: round3(sum(eps, (e) => e.rate)),
    connection: first.connection,
    verdict,
    reason,
    totalRequests: sum(eps, (e) => e.totalRequests),
    totalErrors: sum(eps, (e) => e.totalErrors),
    totalTimeSeconds: round3(Math.max(...eps.map((e) => e.totalTimeSeconds))),
    rps: round3(sum(eps, (e) => e.rps)),
    ...exactLatency(eps),
    percentiles: {
      '50': histogram.percentileMs(50),
      '90': histogram.percentileMs(90),
      '95': histogram.percentileMs(95),
      '99': histogram.percentileMs(99),
    },
    errorCodes: sumCounts(eps.map((e) => e.errorCodes)),
    statusCodes: sumCounts(eps.map((e) => e.statusCodes)),
    retries: sum(eps, (e) => e.retries),
    skipped: sum(eps, (e) => e.skipped),
    downtime: { isDowntime: windows.length > 0, totalMs, windows, incidents },
    timeline: mergeTimelines(eps),
    histogram: histogram.encode(),
    byAgent,
  };
  const versions = mergeVersions(eps);
  if (versions) {
    result.versions = versions;
    result.mixedMs = Math.max(...eps.map((e) => e.mixedMs ?? 0));
  }
  return result;
}

/**
 * Mean, min and max from the agents' own figures (exact: a decoded histogram knows a value only
 * to its bucket, 3 significant digits), the mean weighted by probe count.
 */
function exactLatency(
  eps: readonly EndpointResult[],
): Pick<EndpointResult, 'meanLatencyMs' | 'minLatencyMs' | 'maxLatencyMs'> {
  const measured = eps.filter((e) => e.totalRequests > 0 && e.meanLatencyMs !== null);
  if (measured.length === 0) return { meanLatencyMs: null, minLatencyMs: null, maxLatencyMs: null };
  const n = sum(measured, (e) => e.totalRequests);
  return {
    meanLatencyMs: round3(sum(measured, (e) => e.meanLatencyMs! * e.totalRequests) / n),
    minLatencyMs: Math.min(...measured.map((e) => e.minLatencyMs ?? Infinity)),
    maxLatencyMs: Math.max(...measured.map((e) => e.maxLatencyMs ?? 0)),
  };
}

/** A copy of an endpoint with every time moved by `offsetMs` (onto the merged clock). */
export function shiftEndpoint(e: EndpointResult, offsetMs: number): EndpointResult {
  const at = (ms: number): number => round3(ms + offsetMs);
  const out: EndpointResult = {
    ...e,
    downtime: {
      ...e.downtime,
      windows: e.downtime.windows.map((w) => shiftSpan(w, at)),
      ...(e.downtime.incidents && {
        incidents: e.downtime.incidents.map((i) => shiftSpan(i, at)),
      }),
    },
    timeline: {
      intervalMs: e.timeline.intervalMs,
      points: e.timeline.points.map((p) => ({ ...p, startMs: at(p.startMs) })),
    },
  };
  delete out.history;
  delete out.byAgent;
  if (e.versions) {
    out.versions = e.versions.map((v) => ({ ...v, firstMs: at(v.firstMs), lastMs: at(v.lastMs) }));
  }
  if (e.flipFlops) {
    out.flipFlops = {
      ...e.flipFlops,
      atMs: e.flipFlops.atMs.map(at),
      lastMs: e.flipFlops.lastMs === null ? null : at(e.flipFlops.lastMs),
    };
  }
  return out;
}

function shiftSpan<T extends { startMs: number; endMs: number }>(
  s: T,
  at: (ms: number) => number,
): T {
  return { ...s, startMs: at(s.startMs), endMs: at(s.endMs) };
}

/**
 * The agents' timelines summed into buckets of the merged clock. Percentiles of a bucket cannot
 * be merged from percentiles, so the merged points carry only counts and the maximum (p50/p99
 * are null); each agent's own timeline stays in `byAgent`.
 */
function mergeTimelines(eps: readonly EndpointResult[]): EndpointResult['timeline'] {
  const intervalMs = eps[0]!.timeline.intervalMs;
  const buckets = new Map<number, TimelinePoint>();
  for (const e of eps) {
    for (const p of e.timeline.points) {
      const startMs = Math.floor(p.startMs / intervalMs) * intervalMs;
      const b = buckets.get(startMs) ?? {
        startMs,
        ok: 0,
        failed: 0,
        p50Ms: null,
        p99Ms: null,
        maxMs: null,
      };
      b.ok += p.ok;
      b.failed += p.failed;
      if (p.maxMs !== null) b.maxMs = Math.max(b.maxMs ?? 0, p.maxMs);
      buckets.set(startMs, b);
    }
  }
  return { intervalMs, points: [...buckets.values()].sort((a, b) => a.startMs - b.startMs) };
}

function mergeVersions(eps: readonly EndpointResult[]): VersionSeen[] | undefined {
  if (!eps.some((e) => e.versions)) return undefined;
  const byName = new Map<string, VersionSeen>();
  for (const v of eps.flatMap((e) => e.versions ?? [])) {
    const seen = byName.get(v.version);
    if (!seen) byName.set(v.version, { ...v });
    else {
      seen.firstMs = Math.min(seen.firstMs, v.firstMs);
      seen.lastMs = Math.max(seen.lastMs, v.lastMs);
      seen.probes += v.probes;
    }
  }
  return [...byName.values()].sort((a, b) => a.firstMs - b.firstMs);
}

function sum<T>(items: readonly T[], f: (item: T) => number): number {
  return items.reduce((total, item) => total + f(item), 0);
}

function sumCounts(all: readonly Readonly<Record<string, number>>[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const counts of all) {
    for (const [key, n] of Object.entries(counts)) out[key] = (out[key] ?? 0) + n;
  }
  return out;
}

/** The agents named by the windows, for reports: `eu, us`. */
export function windowAgents(w: Pick<DowntimeWindow, 'agents'>): string {
  return (w.agents ?? []).join(', ');
}
