/**
 * The config file's schema (contract §2): one source for validation, the TypeScript types of
 * the raw config, and the JSON Schema published with the docs. Every object is strict, so an
 * unknown key is an error that names its path.
 */
import { z } from 'zod';
import { expectJsonSchema, versionSchema } from './json-schema.ts';
import { guardSchema } from '../guard/schema.ts';
import { endpointBudgetSchema, historySchema, learnSchema } from '../history/schema.ts';
import { durationSchema, statusSchema } from './primitives.ts';

export { durationSchema, statusSchema, type StatusRange } from './primitives.ts';

const headersSchema = z.record(z.string(), z.string(), { error: 'expected a map of strings' });

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
const methodSchema = z
  .string()
  .transform((m) => m.toUpperCase())
  .pipe(z.enum(METHODS, { error: `expected one of ${METHODS.join(', ')}` }));

const rateSchema = z
  .number({ error: 'expected a number of probes per second' })
  .min(1 / 3600, 'at least 1 probe an hour (0.000278/s)')
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
  json: expectJsonSchema.optional(),
});

/**
 * `tls:` (contract §9): `true` turns on a TLS handshake for `tcp://`; the object form also sets
 * the options every kind uses — a CA file (PEM, read when the config is loaded), `insecure`
 * (skip certificate verification) and `serverName` (SNI and the name the certificate must carry).
 */
const tlsSchema = z.union(
  [
    z.boolean(),
    z.strictObject({
      ca: z
        .string({ error: 'expected the path of a PEM file' })
        .min(1, 'must not be empty')
        .optional(),
      insecure: z.boolean({ error: 'expected true or false' }).optional(),
      serverName: z
        .string({ error: 'expected a host name' })
        .min(1, 'must not be empty')
        .optional(),
    }),
  ],
  { error: 'expected true, false or { ca, insecure, serverName }' },
);

const endpointDefaultsSchema = z.strictObject({
  rate: rateSchema.optional(),
  timeout: durationSchema.optional(),
  method: methodSchema.optional(),
  headers: headersSchema.optional(),
  connection: connectionSchema.optional(),
  /** Redirects a probe follows (probe/redirect.ts); 0, the default, follows none. */
  maxRedirects: z
    .number({ error: 'expected a number of redirects' })
    .int('must be a whole number')
    .min(0, 'must be 0 or more')
    .max(20, 'at most 20')
    .optional(),
  expect: expectSchema.optional(),
  version: versionSchema.optional(),
  /** Speak HTTP/2 to `https://` endpoints (ALPN offers h2, then http/1.1). */
  http2: z.boolean({ error: 'expected true or false' }).optional(),
  tls: tlsSchema.optional(),
});

const endpointSchema = endpointDefaultsSchema.extend({
  name: z.string().min(1, 'must not be empty').optional(),
  url: z.string({ error: 'expected a URL' }).min(1, 'must not be empty'),
  body: z
    .union([z.string(), z.record(z.string(), z.unknown()), z.array(z.unknown())], {
      error: 'expected a string or a JSON value',
    })
    .optional(),
  budget: endpointBudgetSchema.optional(),
});

/** When a notification goes out: only when the run did not pass (any exit code but 0), or always. */
const notifyOnSchema = z.enum(['failure', 'always'], { error: 'expected failure or always' });

const nonEmpty = z.string({ error: 'expected a string' }).min(1, 'must not be empty');

/** `notify:`: Slack, a generic webhook and email, each optional; secrets come from `${VAR}`. */
const notifySchema = z.strictObject({
  on: notifyOnSchema.optional(),
  reportUrl: nonEmpty.optional(),
  retries: z
    .number({ error: 'expected a number of retries' })
    .int('must be a whole number')
    .min(0, 'must be 0 or more')
    .max(10, 'at most 10')
    .optional(),
  timeout: durationSchema.optional(),
  slack: z.strictObject({ webhookUrl: nonEmpty, on: notifyOnSchema.optional() }).optional(),
  webhook: z
    .strictObject({
      url: nonEmpty,
      secret: nonEmpty.optional(),
      headers: headersSchema.optional(),
      on: notifyOnSchema.optional(),
    })
    .optional(),
  email: z
    .strictObject({
      smtp: z.strictObject({
        host: nonEmpty,
        port: z.number().int().min(1).max(65535, 'not a port number').optional(),
        secure: z.boolean().optional(),
        requireTLS: z.boolean().optional(),
        user: z.string().optional(),
        pass: z.string().optional(),
      }),
      from: nonEmpty,
      to: z.union([nonEmpty, z.array(nonEmpty).min(1, 'at least one address is needed')], {
        error: 'expected an address or a list of addresses',
      }),
      subject: nonEmpty.optional(),
      on: notifyOnSchema.optional(),
    })
    .optional(),
});

/** The config file as written (after `${VAR}` interpolation), durations parsed to ms. */
export const configSchema = z.strictObject({
  baseUrl: z.string().optional(),
  defaults: endpointDefaultsSchema.optional(),
  endpoints: z.array(endpointSchema).max(1000, 'at most 1000 endpoints').optional(),
  budget: z
    .strictObject({
      maxDowntime: durationSchema.optional(),
      mergeGap: durationSchema.optional(),
      maxIncident: durationSchema.optional(),
      /** The contract's name (§6): the same limit as a number of milliseconds. */
      maxIncidentMs: z
        .number({ error: 'expected a number of milliseconds (or use maxIncident: 2s)' })
        .min(0, 'must be 0 or more')
        .optional(),
      /** Judge against what past runs allow (contract §8; history/learn.ts). */
      learn: learnSchema.optional(),
      /** Learned budgets exported by `zerodown history export`, for pipelines without a database. */
      file: z.string().min(1, 'must not be empty').optional(),
    })
    .refine((b) => b.maxIncident === undefined || b.maxIncidentMs === undefined, {
      message: 'give maxIncident or maxIncidentMs, not both',
    })
    .optional(),
  phases: z
    .strictObject({
      warmup: durationSchema.optional(),
      settle: durationSchema.optional(),
    })
    .optional(),
  duration: durationSchema.optional(),
  /** `zerodown serve`: a run nobody stops ends after `maxRun` (0: never). */
  serve: z.strictObject({ maxRun: durationSchema.optional() }).optional(),
  guard: guardSchema.optional(),
  report: z
    .strictObject({
      json: z.string().optional(),
      markdown: z.string().optional(),
      junit: z.string().optional(),
      html: z.string().optional(),
      /** The probe stream: every probe as NDJSON (`-`: stdout). */
      out: z.string().min(1).optional(),
    })
    .optional(),
  notify: notifySchema.optional(),
  /** The service these endpoints belong to: the first part of a history key (contract §8). */
  service: nonEmpty.optional(),
  /** Where runs are recorded: a SQLite file or a postgres:// URL (contract §8). */
  history: historySchema.optional(),
  /** Names whose values are masked in every output, besides the built-in ones (redact.ts). */
  redact: z
    .strictObject({
      query: z.array(nonEmpty).max(100, 'at most 100 names').optional(),
      headers: z.array(nonEmpty).max(100, 'at most 100 names').optional(),
    })
    .optional(),
});

/** The raw (validated, not yet resolved) config. */
export type RawConfig = z.output<typeof configSchema>;
/** The raw `notify:` section. */
export type RawNotify = z.output<typeof notifySchema>;
/** One raw endpoint entry. */
export type RawEndpoint = z.output<typeof endpointSchema>;
/** The raw `tls:` value. */
export type RawTls = z.output<typeof tlsSchema>;
/** The `defaults:` section. */
export type RawDefaults = z.output<typeof endpointDefaultsSchema>;
