/**
 * Resolving a validated config plus command-line overrides into the frozen, fully specified
 * settings the engine runs with. Pure: no I/O, no environment.
 */
import { configError } from '../errors.ts';
import type { RawConfig, RawDefaults, RawEndpoint, StatusRange } from './schema.ts';

/** What an endpoint's answer must look like to count as a success. */
export interface ExpectConfig {
  /** Accepted statuses as inclusive ranges (default 200–399). */
  readonly status: readonly StatusRange[];
  /** The body must contain this text (only a bounded prefix of the body is read). */
  readonly bodyContains: string | undefined;
  /** A success slower than this (ms, from the scheduled send time) fails as `slow`. */
  readonly maxLatencyMs: number | undefined;
  /** Response headers that must equal these values (names case-insensitive). */
  readonly headers: Readonly<Record<string, string>> | undefined;
}

/** One endpoint, fully resolved. */
export interface EndpointConfig {
  readonly name: string;
  readonly url: string;
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | undefined;
  /** Probes per second. */
  readonly rate: number;
  /** Total deadline of one probe: connect + headers + body, in ms. */
  readonly timeoutMs: number;
  readonly connection: 'keepalive' | 'fresh';
  readonly expect: ExpectConfig;
  /** Read the version that answered from this response header. */
  readonly versionHeader: string | undefined;
}

/** Everything a run needs, fully resolved and frozen. */
export interface ZerodownConfig {
  readonly baseUrl: string | undefined;
  readonly endpoints: readonly EndpointConfig[];
  /** Summed window time allowed per endpoint; undefined means any window is downtime. */
  readonly maxDowntimeMs: number | undefined;
  readonly warmupMs: number;
  readonly settleMs: number;
  /** How long `probe` runs; undefined means until a signal. */
  readonly durationMs: number | undefined;
  /** Report files to write. */
  readonly report: Readonly<{ json?: string | undefined }>;
}

/** Command-line values that win over the file (already parsed). */
export interface ConfigOverrides {
  url?: readonly string[] | undefined;
  rate?: number | undefined;
  timeoutMs?: number | undefined;
  warmupMs?: number | undefined;
  settleMs?: number | undefined;
  durationMs?: number | undefined;
  connection?: 'keepalive' | 'fresh' | undefined;
  versionHeader?: string | undefined;
  json?: string | undefined;
}

/** Defaults of the contract (§1, §2). */
export const DEFAULTS = {
  rate: 10,
  timeoutMs: 2000,
  warmupMs: 5000,
  settleMs: 10_000,
  status: [[200, 399]] as readonly StatusRange[],
} as const;

/** Resolves a validated raw config and overrides into a `ZerodownConfig`. */
export function resolveConfig(raw: RawConfig, overrides: ConfigOverrides = {}): ZerodownConfig {
  const baseUrl = raw.baseUrl === undefined ? undefined : checkBaseUrl(raw.baseUrl);
  const defaults = raw.defaults ?? {};
  const fromFlags = overrides.url !== undefined && overrides.url.length > 0;
  const entries: { raw: RawEndpoint; field: string }[] = fromFlags
    ? overrides.url!.map((url, i) => ({ raw: { url }, field: `--url[${i}]` }))
    : (raw.endpoints ?? []).map((e, i) => ({ raw: e, field: `endpoints[${i}]` }));
  if (entries.length === 0) {
    throw configError('endpoints', 'no endpoint to probe (give --url or endpoints: in the config)');
  }
  const endpoints = entries.map(({ raw: e, field }) =>
    resolveEndpoint(e, defaults, overrides, baseUrl, field),
  );
  assignNames(endpoints, entries);
  return Object.freeze({
    baseUrl,
    endpoints: Object.freeze(endpoints.map((e) => Object.freeze(e))),
    maxDowntimeMs: raw.budget?.maxDowntime,
    warmupMs: overrides.warmupMs ?? raw.phases?.warmup ?? DEFAULTS.warmupMs,
    settleMs: overrides.settleMs ?? raw.phases?.settle ?? DEFAULTS.settleMs,
    durationMs: overrides.durationMs ?? raw.duration,
    report: Object.freeze({ json: overrides.json ?? raw.report?.json }),
  });
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function resolveEndpoint(
  e: RawEndpoint,
  d: RawDefaults,
  o: ConfigOverrides,
  baseUrl: string | undefined,
  field: string,
): Mutable<EndpointConfig> {
  const url = resolveUrl(e.url, baseUrl, `${field}.url`);
  const timeoutMs = o.timeoutMs ?? e.timeout ?? d.timeout ?? DEFAULTS.timeoutMs;
  if (timeoutMs <= 0) throw configError(`${field}.timeout`, 'must be more than 0');
  const expect = { ...d.expect, ...e.expect };
  const headers = lowerKeys({ ...d.headers, ...e.headers });
  let body: string | undefined;
  if (typeof e.body === 'string') body = e.body;
  else if (e.body !== undefined) {
    body = JSON.stringify(e.body);
    headers['content-type'] ??= 'application/json';
  }
  return {
    name: e.name ?? '',
    url,
    method: e.method ?? d.method ?? (body === undefined ? 'GET' : 'POST'),
    headers,
    body,
    rate: o.rate ?? e.rate ?? d.rate ?? DEFAULTS.rate,
    timeoutMs,
    connection: o.connection ?? e.connection ?? d.connection ?? 'keepalive',
    expect: {
      status: expect.status ?? DEFAULTS.status,
      bodyContains: expect.bodyContains,
      maxLatencyMs: expect.maxLatency,
      headers: expect.headers ? lowerKeys(expect.headers) : undefined,
    },
    versionHeader: (o.versionHeader ?? e.version?.header ?? d.version?.header)?.toLowerCase(),
  };
}

function lowerKeys(h: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) out[k.toLowerCase()] = v;
  return out;
}

function checkBaseUrl(text: string): string {
  const url = parseHttpUrl(text);
  if (!url) throw configError('baseUrl', `not an http(s) URL: ${JSON.stringify(text)}`);
  return url.href;
}

function resolveUrl(text: string, baseUrl: string | undefined, field: string): string {
  const absolute = parseHttpUrl(text);
  if (absolute) return absolute.href;
  if (/^[a-z][a-z0-9+.-]*:/i.test(text)) {
    throw configError(field, `only http and https URLs can be probed: ${JSON.stringify(text)}`);
  }
  if (baseUrl === undefined) {
    throw configError(field, `relative URL ${JSON.stringify(text)} needs baseUrl`);
  }
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  return new URL(text.replace(/^\//, ''), base).href;
}

function parseHttpUrl(text: string): URL | undefined {
  if (!URL.canParse(text)) return undefined;
  const url = new URL(text);
  return url.protocol === 'http:' || url.protocol === 'https:' ? url : undefined;
}

/** Names default to the URL's path; when two collide, host and path; then it is an error. */
function assignNames(endpoints: Mutable<EndpointConfig>[], entries: { field: string }[]): void {
  const byPath = new Map<string, number>();
  for (const e of endpoints) {
    if (!e.name) {
      const path = new URL(e.url).pathname;
      byPath.set(path, (byPath.get(path) ?? 0) + 1);
    }
  }
  const seen = new Set<string>();
  endpoints.forEach((e, i) => {
    if (!e.name) {
      const url = new URL(e.url);
      e.name = byPath.get(url.pathname)! > 1 ? `${url.host}${url.pathname}` : url.pathname;
    }
    if (seen.has(e.name)) {
      throw configError(
        `${entries[i]!.field}.name`,
        `duplicate endpoint name ${JSON.stringify(e.name)}`,
      );
    }
    seen.add(e.name);
  });
}
