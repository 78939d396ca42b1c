/**
 * Past runs for history tests, made by zerodown's own accumulators: probe outcomes at a rate,
 * an outage of a given length in the deploy phase, fed through `EndpointStats` into a result
 * document shaped exactly as a real run's (windows, incidents, percentiles, HDR histogram).
 */
import { resolveConfig } from '../../src/config/resolve.ts';
import { EndpointStats } from '../../src/analysis/endpoint-stats.ts';
import { recordsOf } from '../../src/history/record.ts';
import { openHistoryStore } from '../../src/history/store.ts';
import { decideOutcome } from '../../src/outcome.ts';
import type { ResultDocument } from '../../src/result.ts';

/** One made-up past run of one endpoint. */
export interface PastRun {
  startedAt: Date;
  /** Length of the 503 outage, ms (0: none). */
  outageMs: number;
  /** Latency of each answer, ms (default 0.5–2 ms, deterministic). */
  latencyMs?: (i: number) => number;
  url?: string;
  rate?: number;
  seconds?: number;
}

/** A finished `run` document of one endpoint, judged without a budget (any window fails). */
export function pastRunDocument(run: PastRun): ResultDocument {
  const rate = run.rate ?? 100;
  const seconds = run.seconds ?? 4;
  const config = resolveConfig({ endpoints: [{ url: run.url ?? 'http://127.0.0.1:9/api' }] });
  const stats = new EndpointStats(config.endpoints[0]!);
  const outageStart = 1500;
  const latency = run.latencyMs ?? ((i: number) => 0.5 + ((i * 7919) % 1500) / 1000);
  const n = seconds * rate;
  for (let seq = 0; seq < n; seq++) {
    const scheduledMs = (seq * 1000) / rate;
    const down = scheduledMs >= outageStart && scheduledMs < outageStart + run.outageMs;
    stats.add({
      endpoint: 0,
      seq,
      scheduledMs,
      sentMs: scheduledMs,
      latencyMs: down ? 0.4 : latency(seq),
      ok: !down,
      skipped: false,
      code: down ? '503' : '200',
      status: down ? 503 : 200,
      check: undefined,
      retried: false,
      version: undefined,
      protocol: 'http/1.1',
    });
  }
  const durationMs = seconds * 1000;
  const phases = [
    { name: 'warmup', startMs: 0, endMs: 1000 },
    { name: 'deploy', startMs: 1000, endMs: 2000 },
    { name: 'settle', startMs: 2000, endMs: durationMs },
  ];
  const endpoint = stats.toResult({
    budget: { maxDowntimeMs: undefined, mergeGapMs: 1000 },
    phases,
    stalls: [],
  });
  const doc: ResultDocument = {
    schemaVersion: 1,
    tool: { name: 'zerodown', version: '0.1.0' },
    verdict: 'pass',
    running: false,
    startedAt: run.startedAt.toISOString(),
    endedAt: new Date(run.startedAt.getTime() + durationMs).toISOString(),
    durationMs,
    phases,
    deploy: { command: './deploy.sh', exitCode: 0, signal: null, durationMs: 1000, startMs: 1000 },
    budget: { maxDowntimeMs: null, mergeGapMs: 1000, maxIncidentMs: null },
    endpoints: [endpoint],
    engine: {
      latenessMs: { p50: 0.1, p99: 0.5, max: 1 },
      eventLoopDelayMs: { p99: 10, max: 11 },
      sent: n,
      skipped: 0,
      retries: 0,
      stalls: [],
    },
  };
  doc.verdict = decideOutcome(doc).verdict;
  return doc;
}

/**
 * Records `count` past runs of `endpoint` in the history at `target`, one a few hours apart going
 * back from now, with outages spread evenly over [minMs, maxMs]. Returns their outage lengths.
 */
export async function seedHistory(
  target: string,
  options: {
    service: string;
    agent: string;
    count: number;
    outageMs: [number, number];
    endpoint?: string;
    latencyMs?: (i: number) => number;
    nowMs?: number;
  },
): Promise<number[]> {
  const store = await openHistoryStore(target);
  const outages: number[] = [];
  try {
    const now = options.nowMs ?? Date.now();
    const [lo, hi] = options.outageMs;
    for (let i = 0; i < options.count; i++) {
      // 10 ms steps: at 100 probes/s a window is a whole number of probe intervals.
      const outageMs =
        Math.round((lo + ((hi - lo) * i) / Math.max(1, options.count - 1)) / 10) * 10;
      outages.push(outageMs);
      const doc = pastRunDocument({
        startedAt: new Date(now - (options.count - i) * 3 * 3_600_000),
        outageMs,
        latencyMs: options.latencyMs,
        url: `http://127.0.0.1:9${options.endpoint ?? '/api'}`,
      });
      await store.record(
        recordsOf(doc, {
          runId: `seed-${options.service}-${options.agent}-${now}-${i}`,
          service: options.service,
          agent: options.agent,
          label: './deploy.sh',
        }),
      );
    }
  } finally {
    await store.close();
  }
  return outages;
}
