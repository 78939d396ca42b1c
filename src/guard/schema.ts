/**
 * The `guard:` config section (contract §5): blockers before a deploy, thresholds during it,
 * rollback, and stages. Durations are parsed to ms.
 */
import { z } from 'zod';
import { durationSchema, statusSchema } from '../config/primitives.ts';

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

/** `> 0.05`, `== 0`, `<= 3`…: a comparison applied to each sample of a query result. */
export const conditionSchema = z
  .string()
  .regex(
    /^\s*(==|!=|>=|<=|>|<)\s*-?\d+(\.\d+)?(e-?\d+)?\s*$/i,
    'expected a comparison such as "> 0.05" or "== 0"',
  );

const prometheusQuerySchema = z.strictObject({
  url: z.string().url('expected the Prometheus base URL'),
  query: z.string().min(1),
  condition: conditionSchema,
});

const timeWindowSchema = z.strictObject({
  timezone: z
    .string()
    .default('UTC')
    .refine((tz) => {
      try {
        new Intl.DateTimeFormat('en-US', { timeZone: tz });
        return true;
      } catch {
        return false;
      }
    }, 'not a known IANA time zone (e.g. Europe/Paris)'),
  days: z
    .array(z.enum(DAYS, { error: `expected one of ${DAYS.join(', ')}` }))
    .min(1)
    .default([...DAYS]),
  hours: z
    .string()
    .regex(
      /^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-4]):[0-5]\d$/,
      'expected HH:MM-HH:MM, e.g. 09:00-17:00',
    )
    .default('00:00-24:00'),
  exclude: z
    .array(z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD dates'))
    .default([]),
});

const alarmSchema = z.union(
  [
    z.strictObject({ name: z.string().min(1), prometheus: prometheusQuerySchema }),
    z.strictObject({
      name: z.string().min(1),
      http: z.strictObject({
        url: z.string().url(),
        status: statusSchema.optional(),
        timeout: durationSchema.optional(),
      }),
    }),
  ],
  {
    error: 'an alarm is { name, prometheus: { url, query, condition } } or { name, http: { url } }',
  },
);

const windowed = { window: durationSchema.default(10_000), endpoint: z.string().optional() };

const thresholdSchema = z.union(
  [
    z.strictObject({
      errorRate: z.strictObject({
        max: z.number().min(0).max(1),
        minProbes: z.number().int().min(1).default(5),
        ...windowed,
      }),
    }),
    z.strictObject({
      latency: z.strictObject({
        percentile: z.number().gt(0).max(100).default(99),
        max: durationSchema,
        minProbes: z.number().int().min(1).default(5),
        ...windowed,
      }),
    }),
    z.strictObject({
      consecutiveFailures: z.strictObject({
        max: z.number().int().min(1),
        endpoint: z.string().optional(),
      }),
    }),
    z.strictObject({
      downtime: z.strictObject({ max: durationSchema, endpoint: z.string().optional() }),
    }),
    z.strictObject({
      noTraffic: z.strictObject({
        window: durationSchema.default(5000),
        endpoint: z.string().optional(),
      }),
    }),
    z.strictObject({
      prometheus: z.strictObject({
        name: z.string().min(1),
        ...prometheusQuerySchema.shape,
        interval: durationSchema.default(1000),
      }),
    }),
  ],
  {
    error:
      'a threshold is one of errorRate, latency, consecutiveFailures, downtime, noTraffic, prometheus',
  },
);

const stageSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,31}$/i, 'letters, digits and -, up to 32'),
  command: z.string().min(1),
  rollback: z.string().optional(),
  bake: durationSchema.default(0),
  /** With a hub (contract §7): only these vantages' thresholds judge this stage. */
  agents: z.array(z.string().min(1)).min(1).optional(),
});

const compareOptions = {
  alpha: z.number().gt(0).lt(1).default(0.01),
  minEffect: z.number().gt(0).max(1).default(0.01),
  minShiftRatio: z.number().min(0).default(0.1),
};

/** The `guard:` section as validated. */
export const guardSchema = z.strictObject({
  /** Judge one endpoint (the canary, one-box) against another (the baseline). */
  canary: z
    .strictObject({ baseline: z.string(), canary: z.string(), ...compareOptions })
    .optional(),
  /** Judge each endpoint's settle phase against its own warm-up: did the deploy make it slower? */
  compareSettle: z.union([z.boolean(), z.strictObject(compareOptions)]).optional(),
  /** Degraded: up, but over a latency objective or worse than its baseline. */
  degraded: z
    .strictObject({
      latency: z
        .strictObject({ percentile: z.number().gt(0).max(100).default(99), max: durationSchema })
        .optional(),
      fail: z.boolean().default(false),
    })
    .optional(),
  rollback: z.string().optional(),
  abortOnDowntime: durationSchema.optional(),
  override: z.string().optional(),
  killGrace: durationSchema.default(5000),
  blockers: z
    .strictObject({
      timeWindows: z.array(timeWindowSchema).optional(),
      alarms: z.array(alarmSchema).optional(),
    })
    .optional(),
  thresholds: z.array(thresholdSchema).default([]),
  stages: z.array(stageSchema).optional(),
});

export type GuardSection = z.output<typeof guardSchema>;
export type TimeWindow = z.output<typeof timeWindowSchema>;
export type Alarm = z.output<typeof alarmSchema>;
export type Threshold = z.output<typeof thresholdSchema>;
export type Stage = z.output<typeof stageSchema>;
export type PrometheusQuery = z.output<typeof prometheusQuerySchema>;
