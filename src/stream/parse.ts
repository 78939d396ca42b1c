/**
 * Reading a probe stream back: each line checked, a wrong one named by its line number and field
 * (`probes.ndjson:12: scheduledMs: expected a finite number`). Pure: lines in, runs out.
 */
import { z } from 'zod';
import { formatPath } from '../config/load.ts';
import { parseProbeRecord, type ProbeRecord } from '../probe/record.ts';
import { STREAM_FORMAT, type EndLine, type PhaseLine, type RunLine } from './format.ts';

const num = z.number().refine(Number.isFinite, 'expected a finite number');
const text = z.string();
const phase = z.looseObject({ name: text, startMs: num, endMs: num });
const engine = z.looseObject({
  latenessMs: z.looseObject({ p50: num, p99: num, max: num }),
  eventLoopDelayMs: z.looseObject({ p99: num, max: num }),
  sent: num,
  skipped: num,
  retries: num,
  stalls: z.array(z.looseObject({ startMs: num, endMs: num, maxLateMs: num, skipped: num })),
});

const runSchema = z.looseObject({
  type: z.literal('run'),
  format: z.number().int().min(1),
  tool: z.looseObject({ name: z.literal('zerodown'), version: text }),
  startedAt: text,
  host: text,
  agent: text,
  name: text.nullable(),
  budget: z.looseObject({
    maxDowntimeMs: num.nullable(),
    mergeGapMs: num,
    maxIncidentMs: num.nullable(),
  }),
  latencyObjective: z.looseObject({ percentile: num, max: num }).nullable(),
  endpoints: z
    .array(
      z.looseObject({
        name: text,
        displayUrl: text,
        kind: text,
        method: text,
        rate: num.positive(),
        connection: z.enum(['keepalive', 'fresh']),
        versionHeader: text.nullable(),
        versionJson: text.nullable(),
        learnedBudget: z
          .looseObject({ maxDowntimeMs: num.nullable(), source: z.looseObject({}) })
          .optional(),
        latencyBaseline: z.looseObject({ sampleMs: z.array(num) }).optional(),
        trend: z.array(z.looseObject({})).optional(),
      }),
    )
    .min(1),
});

const endSchema = z.looseObject({
  type: z.literal('end'),
  endedAt: text.nullable(),
  durationMs: num,
  phases: z.array(phase),
  engine,
  deploy: z.looseObject({ command: text }).optional(),
  guard: z.looseObject({ aborted: z.boolean() }).optional(),
  interrupted: z.boolean().optional(),
  blocked: z.looseObject({ reason: text }).optional(),
  name: text.optional(),
  endedBy: z.enum(['superseded', 'max-run', 'stream-cut', 'stream-dropped']).optional(),
  dropped: z.number().int().min(0),
});

const phaseSchema = z.looseObject({ type: z.literal('phase'), name: text, startMs: num });

/** One line of a stream, checked. */
export type StreamLine = RunLine | PhaseLine | ProbeRecord | EndLine;

/**
 * Parses and checks one line; throws an Error naming `where` (`file:line`) and the field.
 */
export function parseStreamLine(line: string, where: string): StreamLine {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (cause) {
    throw new Error(`${where}: not JSON (${(cause as Error).message})`, { cause });
  }
  const type = (value as { type?: unknown } | null)?.type;
  if (type === 'probe') return parseProbeRecord(value, where);
  const schema =
    type === 'run' ? runSchema : type === 'end' ? endSchema : type === 'phase' ? phaseSchema : null;
  if (!schema) {
    throw new Error(`${where}: type: expected "run", "phase", "probe" or "end"`);
  }
  const checked = schema.safeParse(value);
  if (!checked.success) {
    const issue = checked.error.issues[0]!;
    throw new Error(`${where}: ${formatPath(issue.path) || 'the line'}: ${issue.message}`);
  }
  if (type === 'run' && (value as RunLine).format > STREAM_FORMAT) {
    throw new Error(
      `${where}: format: ${(value as RunLine).format} is newer than this zerodown reads (${STREAM_FORMAT})`,
    );
  }
  return value as StreamLine;
}
