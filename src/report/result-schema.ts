/**
 * The shape of a saved result document, checked before anything renders it: `zerodown report`,
 * `merge` and a restarted server read files that may be truncated, hand-edited or from another
 * tool, and a renderer must never meet a field of the wrong type (that would be a crash, exit
 * 70, instead of a clear `ZD_RESULT_INVALID`). Loose where renderers are: unknown fields pass,
 * optional fields may be absent (older documents). Mirrors result.ts.
 */
import { z } from 'zod';

const num = z.number().refine(Number.isFinite, 'expected a finite number');
const ms = num;
const nullableMs = ms.nullable();
const counts = z.record(z.string(), num);
const text = z.string().max(1_000_000);

const window = z.looseObject({
  startMs: ms,
  endMs: ms,
  durationMs: ms,
  open: z.boolean(),
  failures: num,
  errorCodes: counts,
  checks: counts.optional(),
  phase: text.optional(),
  clientStall: z.boolean().optional(),
  agents: z.array(text).optional(),
});

const incident = z.looseObject({
  startMs: ms,
  endMs: ms,
  durationMs: ms,
  open: z.boolean(),
  probes: num,
  failures: num,
  failureRatio: num,
  errorCodes: counts,
  checks: counts.optional(),
  kind: z.enum(['outage', 'partial']),
  windows: num,
  phase: text.optional(),
  clientStall: z.boolean().optional(),
  agents: z.array(text).optional(),
});

const point = z.looseObject({
  startMs: ms,
  ok: num,
  failed: num,
  p50Ms: nullableMs,
  p99Ms: nullableMs,
  maxMs: nullableMs,
});

const agentEndpoint = z.looseObject({
  name: text,
  url: text.refine((u) => URL.canParse(u), 'expected a URL'),
  method: text,
  rate: num.positive(),
  connection: text.optional(),
  verdict: z.enum(['pass', 'fail', 'degraded']),
  reason: text,
  totalRequests: num,
  totalErrors: num,
  totalTimeSeconds: num,
  rps: num,
  meanLatencyMs: nullableMs,
  minLatencyMs: nullableMs,
  maxLatencyMs: nullableMs,
  percentiles: z.looseObject({ 50: nullableMs, 90: nullableMs, 95: nullableMs, 99: nullableMs }),
  errorCodes: counts,
  statusCodes: counts.optional(),
  retries: num.optional(),
  skipped: num.optional(),
  downtime: z.looseObject({
    isDowntime: z.boolean(),
    totalMs: ms,
    windows: z.array(window),
    incidents: z.array(incident).optional(),
  }),
  timeline: z.looseObject({ intervalMs: num.positive(), points: z.array(point) }),
  histogram: text,
  versions: z
    .array(z.looseObject({ version: text, firstMs: ms, lastMs: ms, probes: num }))
    .optional(),
  mixedMs: ms.optional(),
  flipFlops: z
    .looseObject({ count: num, probes: num, atMs: z.array(ms), lastMs: nullableMs })
    .optional(),
  protocols: counts.optional(),
  certificates: z
    .array(
      z.looseObject({
        subject: text,
        issuer: text,
        fingerprint256: text,
        validTo: text,
        firstMs: ms,
        lastMs: ms,
        probes: num,
      }),
    )
    .max(10_000)
    .optional(),
  budgetSource: z
    .looseObject({
      kind: z.enum(['learned', 'configured']),
      runs: num,
      percentile: num.nullable(),
      key: text,
      maxDowntimeMs: nullableMs,
      learnedMs: ms.optional(),
      days: num,
      note: text.optional(),
      from: text.optional(),
    })
    .optional(),
  history: z
    .array(z.looseObject({ startedAt: text, downtimeMs: ms, verdict: text }))
    .max(10_000)
    .optional(),
});

/** An endpoint; in a merged document with each agent's view of it (contract §7). */
const endpoint = agentEndpoint.extend({
  byAgent: z.record(text, agentEndpoint).optional(),
});

const agentSummary = z.looseObject({
  name: text,
  verdict: text,
  complete: z.boolean(),
  gap: z
    .enum(['missing', 'interrupted', 'running', 'started-late', 'ended-early', 'no-probes'])
    .optional(),
  reason: text.optional(),
  missingFromMs: nullableMs.optional(),
  host: text.optional(),
  startedAt: text.nullable(),
  endedAt: text.nullable(),
  offsetMs: ms,
  durationMs: ms,
  totalRequests: num,
  totalErrors: num,
  failing: z.array(text),
});

const rollback = z.looseObject({
  command: text,
  stage: text.optional(),
  exitCode: num.nullable(),
  signal: text.nullable(),
  startMs: ms,
  endMs: ms,
  output: text,
  error: text.optional(),
});

const comparisonPart = z.looseObject({ verdict: text, pValue: num, reason: text });

const guard = z.looseObject({
  blockers: z.array(z.looseObject({ name: text, blocks: z.boolean(), reason: text })),
  override: text.optional(),
  aborted: z.boolean(),
  reason: text.optional(),
  breach: z
    .looseObject({
      threshold: text,
      endpoint: text.optional(),
      reason: text,
      atMs: ms,
      measurableAtMs: ms,
    })
    .optional(),
  abortedAtMs: ms.optional(),
  rollback: rollback.optional(),
  rollbacks: z.array(rollback).optional(),
  stages: z
    .array(
      z.looseObject({
        name: text,
        command: text,
        startMs: ms,
        endMs: nullableMs,
        exitCode: num.nullable(),
        signal: text.nullable(),
        bakeEndMs: nullableMs,
        status: z.enum(['done', 'failed', 'aborted', 'not-started']),
      }),
    )
    .optional(),
  recovered: z.boolean().optional(),
  recoveredAtMs: nullableMs.optional(),
  comparisons: z
    .array(
      z.looseObject({
        kind: z.enum(['canary', 'settle-vs-warmup']),
        baseline: text,
        canary: text,
        verdict: z.enum(['pass', 'fail', 'inconclusive']),
        errorRate: comparisonPart.extend({
          baselineRate: num.nullable(),
          canaryRate: num.nullable(),
        }),
        latency: comparisonPart.extend({
          baselineMedianMs: nullableMs,
          canaryMedianMs: nullableMs,
        }),
      }),
    )
    .optional(),
  failOnDegraded: z.boolean().optional(),
});

/** A result document as `zerodown report` accepts it (schema version 1). */
export const resultSchema = z.looseObject({
  schemaVersion: z.literal(1),
  tool: z.looseObject({ name: z.literal('zerodown'), version: text }),
  verdict: text,
  name: text.optional(),
  agent: text.optional(),
  agents: z.array(agentSummary).max(10_000).optional(),
  running: z.boolean(),
  interrupted: z.boolean().optional(),
  endedBy: z.enum(['superseded', 'max-run', 'stream-cut', 'stream-dropped']).optional(),
  blocked: z.looseObject({ reason: text }).optional(),
  startedAt: text,
  endedAt: text.nullable(),
  durationMs: ms,
  phases: z.array(z.looseObject({ name: text, startMs: ms, endMs: ms })),
  deploy: z
    .looseObject({
      command: text,
      exitCode: num.nullable(),
      signal: text.nullable(),
      durationMs: ms,
      startMs: ms.optional(),
      error: text.optional(),
    })
    .optional(),
  guard: guard.optional(),
  budget: z.looseObject({
    maxDowntimeMs: nullableMs,
    mergeGapMs: ms.optional(),
    maxIncidentMs: nullableMs.optional(),
  }),
  endpoints: z.array(endpoint).max(10_000),
  engine: z.looseObject({
    stalls: z.array(z.looseObject({ startMs: ms, endMs: ms, maxLateMs: ms, skipped: num })),
    skipped: num,
  }),
});
