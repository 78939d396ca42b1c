/**
 * Result documents made up for report tests: any length and rate, windows where a test wants
 * them, deterministic. Shaped exactly like the real thing (contract §3).
 */
import type {
  DowntimeWindow,
  EndpointResult,
  ResultDocument,
  TimelinePoint,
} from '../../src/result.ts';

/** One made-up endpoint: its windows as [start s, duration s, error code]. */
export interface SyntheticEndpoint {
  name: string;
  url?: string;
  windows?: [number, number, string][];
  versions?: [string, number][];
}

/** A finished `run` of `seconds` at `rate` per endpoint (warm-up 10 %, deploy 60 %, settle 30 %). */
export function syntheticResult(options: {
  seconds: number;
  rate: number;
  endpoints: SyntheticEndpoint[];
}): ResultDocument {
  const { seconds, rate } = options;
  const durationMs = seconds * 1000;
  const deployStart = Math.round(durationMs * 0.1);
  const settleStart = Math.round(durationMs * 0.7);
  const phases = [
    { name: 'warmup', startMs: 0, endMs: deployStart },
    { name: 'deploy', startMs: deployStart, endMs: settleStart },
    { name: 'settle', startMs: settleStart, endMs: durationMs },
  ];
  const endpoints = options.endpoints.map((spec, i) => endpoint(spec, i, seconds, rate, phases));
  const failed = endpoints.some((e) => e.verdict === 'fail');
  return {
    schemaVersion: 1,
    tool: { name: 'zerodown', version: '0.1.0' },
    verdict: failed ? 'fail' : 'pass',
    running: false,
    startedAt: '2026-11-21T10:00:00.000Z',
    endedAt: new Date(Date.parse('2026-11-21T10:00:00.000Z') + durationMs).toISOString(),
    durationMs,
    phases,
    deploy: {
      command: './deploy.sh',
      exitCode: 0,
      signal: null,
      durationMs: settleStart - deployStart,
      startMs: deployStart,
    },
    budget: { maxDowntimeMs: null },
    endpoints,
    engine: {
      latenessMs: { p50: 0.1, p99: 0.9, max: 2.3 },
      eventLoopDelayMs: { p99: 10.2, max: 11 },
      sent: endpoints.reduce((n, e) => n + e.totalRequests, 0),
      skipped: 0,
      retries: 0,
      stalls: [],
    },
  };
}

function endpoint(
  spec: SyntheticEndpoint,
  index: number,
  seconds: number,
  rate: number,
  phases: { name: string; startMs: number; endMs: number }[],
): EndpointResult {
  const windows: DowntimeWindow[] = (spec.windows ?? []).map(([startS, durS, code]) => {
    const startMs = startS * 1000;
    const failures = Math.round(durS * rate);
    return {
      startMs,
      endMs: startMs + durS * 1000,
      durationMs: durS * 1000,
      open: false,
      failures,
      errorCodes: { [code]: failures },
      phase: phases.find((p) => startMs >= p.startMs && startMs < p.endMs)?.name ?? 'settle',
    };
  });
  let seed = 12345 + index;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const points: TimelinePoint[] = [];
  for (let s = 0; s < seconds; s++) {
    const from = s * 1000;
    let failed = 0;
    for (const w of windows) {
      const overlap = Math.min(w.endMs, from + 1000) - Math.max(w.startMs, from);
      if (overlap > 0) failed += Math.round((overlap / 1000) * rate);
    }
    failed = Math.min(failed, rate);
    const p50 = Math.round((0.8 + random() * 0.6) * 1000) / 1000;
    const p99 = failed > 0 ? 2000 : Math.round((3 + random() * 8) * 1000) / 1000;
    points.push({
      startMs: from,
      ok: rate - failed,
      failed,
      p50Ms: p50,
      p99Ms: p99,
      maxMs: p99 + 1,
    });
  }
  const totalErrors = windows.reduce((n, w) => n + w.failures, 0);
  const errorCodes: Record<string, number> = {};
  for (const w of windows) {
    for (const [c, n] of Object.entries(w.errorCodes)) errorCodes[c] = (errorCodes[c] ?? 0) + n;
  }
  const totalMs = windows.reduce((n, w) => n + w.durationMs, 0);
  const url = spec.url ?? `https://staging.example.com/${encodeURIComponent(spec.name)}`;
  const e: EndpointResult = {
    name: spec.name,
    url,
    method: 'GET',
    rate,
    connection: 'keepalive',
    verdict: windows.length > 0 ? 'fail' : 'pass',
    reason: windows.length > 0 ? `${windows.length} window(s), ${totalMs} ms down` : 'no downtime',
    totalRequests: seconds * rate,
    totalErrors,
    totalTimeSeconds: seconds,
    rps: rate,
    meanLatencyMs: 1.2,
    minLatencyMs: 0.4,
    maxLatencyMs: 2001,
    percentiles: { '50': 1.1, '90': 2.2, '95': 3.3, '99': 9.9 },
    errorCodes,
    statusCodes: { '200': seconds * rate - totalErrors },
    retries: 0,
    skipped: 0,
    downtime: { isDowntime: windows.length > 0, totalMs, windows },
    timeline: { intervalMs: 1000, points },
    histogram: 'HISTFAAAACB4nJNpmSzMwMDAxwABzFCaEUrbgxgAPbcCbg==',
  };
  if (spec.versions) {
    e.versions = spec.versions.map(([version, firstS], i, all) => ({
      version,
      firstMs: firstS * 1000,
      lastMs: (all[i + 1]?.[1] ?? seconds) * 1000 - 1000 / rate,
      probes: 0,
    }));
    e.mixedMs = 0;
  }
  return e;
}

/** Strings that break out of HTML, XML, Markdown, Slack and workflow commands if not escaped. */
export const HOSTILE_NAME =
  '</script><script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">|**x**`\n::error::injected & @team';
