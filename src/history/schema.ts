/**
 * The config sections of run history (contract §8): `history:` (where runs are recorded),
 * `service:`, `budget.learn` and `budget.file`, and an endpoint's own `budget: { learn }`.
 */
import { z } from 'zod';
import { durationSchema } from '../config/primitives.ts';

const nonEmpty = z.string({ error: 'expected a string' }).min(1, 'must not be empty');

const percentileSchema = z
  .number({ error: 'expected a percentile such as 99' })
  .gt(0, 'must be more than 0')
  .max(100, 'at most 100');

const minRunsSchema = z
  .number({ error: 'expected a number of runs' })
  .int('must be a whole number')
  .min(1, 'must be 1 or more');

/**
 * `budget.learn`: `true` for the default rule (P99 of ≥ 100 runs in 21 days, else P95 of ≥ 20,
 * plus a margin), or the rule's parts.
 */
export const learnSchema = z.union(
  [
    z.boolean(),
    z.strictObject({
      percentile: percentileSchema.optional(),
      minRuns: minRunsSchema.optional(),
      days: z
        .number({ error: 'expected a number of days' })
        .positive('must be more than 0')
        .max(3650, 'at most 3650 days')
        .optional(),
      /** The second tier, with fewer runs; `false`: none. */
      fallback: z
        .union(
          [
            z.literal(false),
            z.strictObject({ percentile: percentileSchema, minRuns: minRunsSchema }),
          ],
          {
            error: 'expected { percentile, minRuns } or false',
          },
        )
        .optional(),
      /** The learned budget is max(value × (1 + ratio), value + min). */
      margin: z
        .strictObject({
          ratio: z
            .number({ error: 'expected a ratio such as 0.2' })
            .min(0, 'must be 0 or more')
            .optional(),
          min: durationSchema.optional(),
        })
        .optional(),
      /** Latency far above history marks the endpoint degraded; `false`: no such check. */
      latency: z
        .union([
          z.boolean(),
          z.strictObject({
            ratio: z
              .number({ error: 'expected a ratio such as 2' })
              .gt(1, 'must be more than 1')
              .optional(),
            min: durationSchema.optional(),
            alpha: z
              .number({ error: 'expected a significance level such as 0.001' })
              .gt(0)
              .lt(1, 'must be below 1')
              .optional(),
          }),
        ])
        .optional(),
    }),
  ],
  { error: 'expected true, false or { percentile, minRuns, days, fallback, margin, latency }' },
);

/** `history:`: a SQLite file or a `postgres://` URL, or `{ url, service, label }`. */
export const historySchema = z.union(
  [
    nonEmpty,
    z.strictObject({
      url: nonEmpty.optional(),
      service: nonEmpty.optional(),
      label: nonEmpty.optional(),
    }),
  ],
  { error: 'expected a file, a postgres:// URL, or { url, service, label }' },
);

/** An endpoint's own `budget:` (only `learn` for now). */
export const endpointBudgetSchema = z.strictObject({ learn: learnSchema.optional() });

/** The raw `budget.learn`. */
export type RawLearn = z.output<typeof learnSchema>;
/** The raw `history:`. */
export type RawHistory = z.output<typeof historySchema>;
/** The raw `endpoints[].budget`. */
export type RawEndpointBudget = z.output<typeof endpointBudgetSchema>;
