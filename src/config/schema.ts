/**
 * The config file's schema (contract §2): one source for validation, the TypeScript types of
 * the raw config, and the JSON Schema published with the docs. Every object is strict, so an
 * unknown key is an error that names its path.
 */
import { z } from 'zod';
import { parseDuration } from './duration.ts';

/** A duration: `500ms`, `2s`, `1.5m`, or a bare number of milliseconds; parsed to ms. */
export const durationSchema = z
  .union([z.number(), z.string()], { error: 'expected a duration such as 500ms, 2s or 1.5m' })
  .transform((value, ctx) => {
    const ms = parseDuration(value);
    if (ms === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: `not a duration: ${JSON.stringify(value)} (use e.g. 500ms, 2s, 1.5m)`,
      });
      return z.NEVER;
    }
    return ms;
  });

const STATUS_ITEM = /^\s*(?:([1-5])xx|(\d{3})(?:\s*-\s*(\d{3}))?)\s*$/i;

/** An inclusive range of HTTP status codes. */
export type StatusRange = readonly [number, number];

function parseStatusItem(item: string | number): StatusRange | undefined {
  if (typeof item === 'number') {
    return Number.isInteger(item) && item >= 100 && item <= 599 ? [item, item] : undefined;
  }
  const m = STATUS_ITEM.exec(item);
  if (!m) return undefined;
  if (m[1]) return [Number(m[1]) * 100, Number(m[1]) * 100 + 99];
  const lo = Number(m[2]);
  const hi = m[3] ? Number(m[3]) : lo;
  return lo >= 100 && hi <= 599 && lo <= hi ? [lo, hi] : undefined;
}

/** Accepted statuses: `200`, `"200-299"`, `"2xx"`, or a list of those. Parsed to ranges. */
export const statusSchema = z
  .union([z.number(), z.string(), z.array(z.union([z.number(), z.string()]))], {
    error: 'expected a status, a range such as 200-299 or 2xx, or a list of those',
  })
  .transform((value, ctx) => {
    const items = Array.isArray(value) ? value : [value];
    const ranges: StatusRange[] = [];
    for (const item of items) {
      const range = parseStatusItem(item);
      if (!range) {
        ctx.addIssue({
          code: 'custom',
          message: `not a status or range: ${JSON.stringify(item)} (use e.g. 200, 200-299, 2xx)`,
        });
        return z.NEVER;
      }
      ranges.push(range);
    }
    if (ranges.length === 0) {
      ctx.addIssue({ code: 'custom', message: 'at least one status is needed' });
      return z.NEVER;
    }
    return ranges;
  });

const headersSchema = z.record(z.string(), z.string(), { error: 'expected a map of strings' });

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
const methodSchema = z
  .string()
  .transform((m) => m.toUpperCase())
  .pipe(z.enum(METHODS, { error: `expected one of ${METHODS.join(', ')}` }));

const rateSchema = z
  .number({ error: 'expected a number of probes per second' })
  .positive('must be more than 0')
  .max(100_000, 'at most 100000 probes per second per endpoint');

/** `keepalive` reuses pooled connections; `fresh` opens a new connection for every probe. */
export const connectionSchema = z.enum(['keepalive', 'fresh'], {
  error: 'expected keepalive or fresh',
});

const expectSchema = z.strictObject({
  status: statusSchema.optional(),
  bodyContains: z.string().optional(),
  maxLatency: durationSchema.optional(),
  headers: headersSchema.optional(),
});

const versionSchema = z.strictObject({
  header: z.string().min(1, 'must not be empty'),
});

const endpointDefaultsSchema = z.strictObject({
  rate: rateSchema.optional(),
  timeout: durationSchema.optional(),
  method: methodSchema.optional(),
  headers: headersSchema.optional(),
  connection: connectionSchema.optional(),
  expect: expectSchema.optional(),
  version: versionSchema.optional(),
});

const endpointSchema = endpointDefaultsSchema.extend({
  name: z.string().min(1, 'must not be empty').optional(),
  url: z.string({ error: 'expected a URL' }).min(1, 'must not be empty'),
  body: z
    .union([z.string(), z.record(z.string(), z.unknown()), z.array(z.unknown())], {
      error: 'expected a string or a JSON value',
    })
    .optional(),
});

/** The config file as written (after `${VAR}` interpolation), durations parsed to ms. */
export const configSchema = z.strictObject({
  baseUrl: z.string().optional(),
  defaults: endpointDefaultsSchema.optional(),
  endpoints: z.array(endpointSchema).optional(),
  budget: z
    .strictObject({
      maxDowntime: durationSchema.optional(),
    })
    .optional(),
  phases: z
    .strictObject({
      warmup: durationSchema.optional(),
      settle: durationSchema.optional(),
    })
    .optional(),
  duration: durationSchema.optional(),
  report: z
    .strictObject({
      json: z.string().optional(),
    })
    .optional(),
});

/** The raw (validated, not yet resolved) config. */
export type RawConfig = z.output<typeof configSchema>;
/** One raw endpoint entry. */
export type RawEndpoint = z.output<typeof endpointSchema>;
/** The `defaults:` section. */
export type RawDefaults = z.output<typeof endpointDefaultsSchema>;
