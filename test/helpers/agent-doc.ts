/**
 * Result documents of one agent (contract §7) built by the real accumulators (EndpointStats, the
 * HDR histogram, windows, incidents, judgeEndpoint, decideOutcome) from a probe pattern:
 * deterministic, for merge and merged-report tests.
 */
import { EndpointStats } from '../../src/analysis/endpoint-stats.ts';
import { decideOutcome } from '../../src/outcome.ts';
import type { ResultDocument } from '../../src/result.ts';
import { configOf } from './config.ts';

export const T0 = Date.parse('2026-11-21T10:00:00.000Z');

export interface AgentSpec {
  agent: string;
  /** Per endpoint: `x` fails (503), `.` succeeds, one character per probe at `rate`/s. */
  patterns: Record<string, string>;
  rate?: number;
  /** Its startedAt, ms after T0. */
  startMs?: number;
  latency?: (i: number) => number;
  interrupted?: boolean;
  maxDowntime?: string;
}

/** A final document of one agent, built by the real accumulators from a probe pattern. */
export function agentDoc(spec: AgentSpec): ResultDocument {
  const rate = spec.rate ?? 10;
  const names = Object.keys(spec.patterns);
  const config = configOf({
    baseUrl: `http://${spec.agent}.test`,
    defaults: { rate },
    endpoints: names.map((n) => ({ name: n, url: `/${n}` })),
    ...(spec.maxDowntime !== undefined && { budget: { maxDowntime: spec.maxDowntime } }),
  });
  let durationMs = 0;
  const endpoints = config.endpoints.map((c, index) => {
    const stats = new EndpointStats(c);
    const pattern = spec.patterns[c.name]!;
    [...pattern].forEach((ch, seq) => {
      const ok = ch === '.';
      stats.add({
        endpoint: index,
        seq,
        scheduledMs: (seq * 1000) / rate,
        sentMs: (seq * 1000) / rate,
        latencyMs: spec.latency?.(seq) ?? 5,
        ok,
        skipped: false,
        code: ok ? '200' : '503',
        status: ok ? 200 : 503,
        check: undefined,
        retried: false,
        version: undefined,
        protocol: 'http/1.1',
      });
    });
    durationMs = Math.max(durationMs, (pattern.length * 1000) / rate);
    const phases = [{ name: 'probe', startMs: 0, endMs: durationMs }];
    return stats.toResult({
      budget: {
        maxDowntimeMs: config.maxDowntimeMs,
        maxIncidentMs: undefined,
        mergeGapMs: config.mergeGapMs,
      },
      phases,
      stalls: [],
    });
  });
  const startedAt = T0 + (spec.startMs ?? 0);
  const doc: ResultDocument = {
    schemaVersion: 1,
    tool: { name: 'zerodown', version: '0.1.0' },
    host: `${spec.agent}-host`,
    agent: spec.agent,
    verdict: 'pass',
    running: false,
    startedAt: new Date(startedAt).toISOString(),
    endedAt: new Date(startedAt + durationMs).toISOString(),
    durationMs,
    phases: [{ name: 'probe', startMs: 0, endMs: durationMs }],
    budget: { maxDowntimeMs: config.maxDowntimeMs ?? null, mergeGapMs: config.mergeGapMs },
    endpoints,
    engine: {
      latenessMs: { p50: 0, p99: 0, max: 0 },
      eventLoopDelayMs: { p99: 0, max: 0 },
      sent: 0,
      skipped: 0,
      retries: 0,
      stalls: [],
    },
  };
  if (spec.interrupted) doc.interrupted = true;
  doc.verdict = decideOutcome(doc).verdict;
  return doc;
}
