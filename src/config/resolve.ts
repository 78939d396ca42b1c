/**
 * Resolving a validated config plus command-line overrides into the frozen, fully specified
 * settings the engine runs with. Pure but for reading `tls.ca` files through the `readFile`
 * given (the file system by default); no environment.
 */
import { readFileSync } from 'node:fs';
import { DEFAULT_MERGE_GAP_MS } from '../analysis/incidents.ts';
import { configError } from '../errors.ts';
import type { Redactor } from '../redact.ts';
import { redactorFor } from './redaction.ts';
import { resolveGuard, type GuardConfig, type GuardOverrides } from '../guard/resolve.ts';
import { resolveHistory, type HistoryConfig, type HistoryOverrides } from '../history/resolve.ts';
import type {
  RawConfig,
  RawDefaults,
  RawEndpoint,
  RawNotify,
  RawTls,
  StatusRange,
} from './schema.ts';

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
  /** JSON checks on the body (`expect.json`); each failure is an `assertion` named `json:<path>`. */
  readonly json?: readonly JsonCheck[] | undefined;
}

/** One `expect.json` check: the value at `path` exists, equals `equals`, matches `matches`. */
export interface JsonCheck {
  /** A JSON path such as `$.status` (validated). */
  readonly path: string;
  /** The value must be this JSON value (same type); absent: any value. */
  readonly equals?: string | number | boolean | null | undefined;
  /** The value, as text, must match this regular expression (validated). */
  readonly matches?: string | undefined;
}

/** How an endpoint is probed, from its URL's scheme (contract §9). */
export type ProbeKind = 'http' | 'tcp';

/**
 * TLS settings of an endpoint that speaks TLS (`https://`, `tcp://` with `tls:`); probe/tls.ts
 * turns them into `tls.connect` options.
 */
export interface TlsConfig {
  /** Trusted CA certificates, PEM text read from `tls.ca` at load; undefined: the system's. */
  readonly ca: string | undefined;
  /** Accept any certificate (no verification). */
  readonly insecure: boolean;
  /** SNI and the name the certificate must carry; undefined: the URL's host (when a name). */
  readonly serverName: string | undefined;
}

/** One endpoint, fully resolved. */
export interface EndpointConfig {
  readonly name: string;
  /** How it is probed, from the URL's scheme. */
  readonly kind: ProbeKind;
  readonly url: string;
  /** The URL as outputs show it: secret query values and user-info masked (redact.ts). */
  readonly displayUrl: string;
  /** The request method; `TCP` for tcp:// endpoints, which send none. */
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | undefined;
  /** Probes per second. */
  readonly rate: number;
  /** Total deadline of one probe: connect + headers + body, in ms. */
  readonly timeoutMs: number;
  readonly connection: 'keepalive' | 'fresh';
  /** Redirects a probe follows (`maxRedirects`); 0 or absent: a 3xx is the answer. */
  readonly maxRedirects?: number | undefined;
  readonly expect: ExpectConfig;
  /** Read the version that answered from this response header. */
  readonly versionHeader: string | undefined;
  /** Read the version that answered from this JSON path in the body (`version.json`). */
  readonly versionJson?: string | undefined;
  /** Speak HTTP/2 (negotiated by ALPN; only `https://`). */
  readonly http2?: boolean | undefined;
  /** TLS settings when the endpoint speaks TLS; undefined: it does not (`http://`, plain `tcp://`). */
  readonly tls?: TlsConfig | undefined;
}

/** Everything a run needs, fully resolved and frozen. */
export interface ZerodownConfig {
  readonly baseUrl: string | undefined;
  readonly endpoints: readonly EndpointConfig[];
  /** Summed window time allowed per endpoint; undefined means any window is downtime. */
  readonly maxDowntimeMs: number | undefined;
  /** Windows separated by less than this (ms) of successes are one incident. */
  readonly mergeGapMs: number;
  /** An endpoint whose longest incident is longer (ms) fails; undefined: no such limit. */
  readonly maxIncidentMs: number | undefined;
  readonly warmupMs: number;
  readonly settleMs: number;
  /** How long `probe` runs; undefined means until a signal. */
  readonly durationMs: number | undefined;
  /** `serve`: a run nobody stops ends (interrupted) after this long (ms); 0: never. */
  readonly maxRunMs: number;
  /** Blockers, thresholds, rollback and stages (contract §5). */
  readonly guard: GuardConfig;
  /** Report files to write. */
  readonly report: ReportFiles;
  /** Notifications sent once the result is final; undefined when none is configured. */
  readonly notify: NotifyConfig | undefined;
  /** Masks this config's secrets in anything shown (URLs, free text). */
  readonly redactor: Redactor;
  /** Run history and learned budgets (contract §8); undefined: none. */
  readonly history?: HistoryConfig | undefined;
}

/** Report files to write, by format. */
export type ReportFiles = Readonly<{
  json?: string | undefined;
  markdown?: string | undefined;
  junit?: string | undefined;
  html?: string | undefined;
  /** The probe stream (`--out`): every probe as NDJSON; `-` is stdout. */
  out?: string | undefined;
}>;

/** When a notification goes out: when the run did not pass (any exit code but 0), or always. */
export type NotifyWhen = 'failure' | 'always';

/** Where and how results are announced (`notify:`). */
export interface NotifyConfig {
  /** A link to the report, put into Slack messages and emails. */
  readonly reportUrl: string | undefined;
  /** Further attempts after a failed one (with backoff). */
  readonly retries: number;
  /** Deadline of one attempt, in ms. */
  readonly timeoutMs: number;
  readonly slack: Readonly<{ webhookUrl: string; on: NotifyWhen }> | undefined;
  readonly webhook:
    | Readonly<{
        url: string;
        /** Signs the body: `x-zerodown-signature-256: sha256=<hex HMAC-SHA256>`. */
        secret: string | undefined;
        headers: Readonly<Record<string, string>>;
        on: NotifyWhen;
      }>
    | undefined;
  readonly email:
    | Readonly<{
        host: string;
        port: number;
        secure: boolean;
        requireTLS: boolean;
        user: string | undefined;
        pass: string | undefined;
        from: string;
        to: readonly string[];
        subject: string | undefined;
        on: NotifyWhen;
      }>
    | undefined;
}

/** Command-line values that win over the file (already parsed). */
export interface ConfigOverrides extends GuardOverrides, HistoryOverrides {
  url?: readonly string[] | undefined;
  rate?: number | undefined;
  timeoutMs?: number | undefined;
  warmupMs?: number | undefined;
  settleMs?: number | undefined;
  durationMs?: number | undefined;
  maxRunMs?: number | undefined;
  connection?: 'keepalive' | 'fresh' | undefined;
  versionHeader?: string | undefined;
  /** `-H`: request headers (lower-case names) over the config's. */
  headers?: Readonly<Record<string, string>> | undefined;
  /** `-X`: the request method. */
  method?: string | undefined;
  /** `--body`: the request body. */
  body?: string | undefined;
  /** `--expect-status`: accepted statuses. */
  expectStatus?: readonly StatusRange[] | undefined;
  json?: string | undefined;
  markdown?: string | undefined;
  junit?: string | undefined;
  html?: string | undefined;
  out?: string | undefined;
}

/** The longest probe deadline: a probe is a health check, not a download. */
const MAX_TIMEOUT_MS = 600_000;

/** Defaults of the contract (§1, §2). */
export const DEFAULTS = {
  rate: 10,
  timeoutMs: 2000,
  warmupMs: 5000,
  settleMs: 10_000,
  maxRunMs: 3_600_000,
  status: [[200, 399]] as readonly StatusRange[],
} as const;

/** Reads a `tls.ca` file as text; throws on a missing or unreadable file. */
export type ReadFile = (path: string) => string;

const readText: ReadFile = (path) => readFileSync(path, 'utf8');

/** Resolves a validated raw config and overrides into a `ZerodownConfig`. */
export function resolveConfig(
  raw: RawConfig,
  overrides: ConfigOverrides = {},
  readFile: ReadFile = readText,
): ZerodownConfig {
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
    resolveEndpoint(e, defaults, overrides, baseUrl, field, readFile),
  );
  assignNames(endpoints, entries);
  const notify = raw.notify === undefined ? undefined : resolveNotify(raw.notify);
  const redactor = redactorFor({ names: raw.redact, baseUrl, endpoints, notify });
  for (const e of endpoints) e.displayUrl = redactor.url(e.url);
  return Object.freeze({
    baseUrl,
    endpoints: Object.freeze(endpoints.map((e) => Object.freeze(e))),
    maxDowntimeMs: raw.budget?.maxDowntime,
    mergeGapMs: raw.budget?.mergeGap ?? DEFAULT_MERGE_GAP_MS,
    maxIncidentMs: raw.budget?.maxIncident ?? raw.budget?.maxIncidentMs,
    warmupMs: overrides.warmupMs ?? raw.phases?.warmup ?? DEFAULTS.warmupMs,
    settleMs: overrides.settleMs ?? raw.phases?.settle ?? DEFAULTS.settleMs,
    durationMs: overrides.durationMs ?? raw.duration,
    maxRunMs: overrides.maxRunMs ?? raw.serve?.maxRun ?? DEFAULTS.maxRunMs,
    guard: resolveGuard(
      raw.guard,
      overrides,
      endpoints.map((e) => e.name),
    ),
    report: Object.freeze({
      json: overrides.json ?? raw.report?.json,
      markdown: overrides.markdown ?? raw.report?.markdown,
      junit: overrides.junit ?? raw.report?.junit,
      html: overrides.html ?? raw.report?.html,
      out: overrides.out ?? raw.report?.out,
    }),
    notify,
    redactor,
    history: resolveHistory(
      raw,
      overrides,
      entries.map((e) => e.raw.budget),
      endpoints.length,
      baseUrl ?? endpoints[0]?.url,
    ),
  });
}

/** Notification defaults: 2 retries (3 attempts), 10 s per attempt, only on failure. */
export const NOTIFY_DEFAULTS = { retries: 2, timeoutMs: 10_000, on: 'failure' } as const;

function resolveNotify(n: RawNotify): NotifyConfig {
  const on = n.on ?? NOTIFY_DEFAULTS.on;
  const httpUrl = (text: string, field: string) => {
    const url = parseHttpUrl(text);
    if (!url) throw configError(field, 'expected an http(s) URL');
    return url.href;
  };
  const smtp = n.email?.smtp;
  const secure = smtp?.secure ?? smtp?.port === 465;
  return Object.freeze({
    reportUrl: n.reportUrl === undefined ? undefined : httpUrl(n.reportUrl, 'notify.reportUrl'),
    retries: n.retries ?? NOTIFY_DEFAULTS.retries,
    timeoutMs: n.timeout ?? NOTIFY_DEFAULTS.timeoutMs,
    slack: n.slack && {
      webhookUrl: httpUrl(n.slack.webhookUrl, 'notify.slack.webhookUrl'),
      on: n.slack.on ?? on,
    },
    webhook: n.webhook && {
      url: httpUrl(n.webhook.url, 'notify.webhook.url'),
      secret: n.webhook.secret,
      headers: lowerKeys(n.webhook.headers ?? {}),
      on: n.webhook.on ?? on,
    },
    email: n.email && {
      host: n.email.smtp.host,
      port: n.email.smtp.port ?? (secure ? 465 : 587),
      secure,
      requireTLS: n.email.smtp.requireTLS ?? false,
      user: n.email.smtp.user || undefined,
      pass: n.email.smtp.pass || undefined,
      from: n.email.from,
      to: Object.freeze(Array.isArray(n.email.to) ? [...n.email.to] : [n.email.to]),
      subject: n.email.subject,
      on: n.email.on ?? on,
    },
  });
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function resolveEndpoint(
  e: RawEndpoint,
  d: RawDefaults,
  o: ConfigOverrides,
  baseUrl: string | undefined,
  field: string,
  readFile: ReadFile,
): Mutable<EndpointConfig> {
  const url = resolveUrl(e.url, baseUrl, `${field}.url`);
  const kind = kindOf(url);
  if (kind === 'tcp') checkTcpKeys(e, o, field);
  const timeoutMs = o.timeoutMs ?? e.timeout ?? d.timeout ?? DEFAULTS.timeoutMs;
  if (timeoutMs <= 0) throw configError(`${field}.timeout`, 'must be more than 0');
  if (timeoutMs > MAX_TIMEOUT_MS) throw configError(`${field}.timeout`, 'at most 10m');
  const expect = { ...d.expect, ...e.expect };
  // --version-header wins over the file; an endpoint's `version:` over the defaults' one.
  const version =
    o.versionHeader !== undefined ? { header: o.versionHeader } : (e.version ?? d.version);
  const headers = lowerKeys({ ...d.headers, ...e.headers, ...o.headers });
  const basic = basicAuthOf(url);
  if (basic !== undefined) headers.authorization ??= basic;
  // `--body` wins over the file's, sent as given (set its content-type with -H, as with curl).
  let body = o.body;
  if (body === undefined && typeof e.body === 'string') body = e.body;
  else if (body === undefined && e.body !== undefined) {
    body = JSON.stringify(e.body);
    headers['content-type'] ??= 'application/json';
  }
  return {
    name: e.name ?? '',
    kind,
    url,
    displayUrl: url,
    // A tcp probe sends no request; reports show `TCP tcp://host:port`.
    method:
      kind === 'tcp'
        ? 'TCP'
        : (o.method ?? e.method ?? d.method ?? (body === undefined ? 'GET' : 'POST')),
    headers,
    body,
    rate: o.rate ?? e.rate ?? d.rate ?? DEFAULTS.rate,
    timeoutMs,
    connection:
      kind === 'tcp' ? 'fresh' : (o.connection ?? e.connection ?? d.connection ?? 'keepalive'),
    maxRedirects: e.maxRedirects ?? d.maxRedirects ?? 0,
    expect: {
      status: o.expectStatus ?? expect.status ?? DEFAULTS.status,
      bodyContains: expect.bodyContains,
      maxLatencyMs: expect.maxLatency,
      headers: expect.headers ? lowerKeys(expect.headers) : undefined,
      json: expect.json,
    },
    versionHeader: version?.header?.toLowerCase(),
    versionJson: version?.json,
    http2: resolveHttp2(e, d, url, field),
    tls: resolveTls(e.tls, d.tls, url, field, readFile),
  };
}

/** The probe kind a (resolved, absolute) URL's scheme asks for. */
function kindOf(url: string): ProbeKind {
  return new URL(url).protocol === 'tcp:' ? 'tcp' : 'http';
}

/** HTTP settings a `tcp://` endpoint cannot use: a config error naming the first one given. */
function checkTcpKeys(e: RawEndpoint, o: ConfigOverrides, field: string): void {
  const httpOnly = ['method', 'headers', 'body', 'maxRedirects', 'version', 'http2'] as const;
  for (const key of httpOnly) {
    if (e[key] !== undefined) throw configError(`${field}.${key}`, 'not used by tcp:// probes');
  }
  for (const key of ['status', 'bodyContains', 'headers', 'json'] as const) {
    if (e.expect?.[key] !== undefined) {
      throw configError(`${field}.expect.${key}`, 'not used by tcp:// probes');
    }
  }
  if (e.connection === 'keepalive') {
    throw configError(`${field}.connection`, 'a tcp:// probe opens a new connection every time');
  }
  const flags = { method: '-X', headers: '-H', body: '--body', expectStatus: '--expect-status' };
  for (const [key, flag] of Object.entries(flags)) {
    if (o[key as keyof typeof flags] !== undefined) {
      throw configError(flag, `not used by tcp:// probes (${field}.url)`);
    }
  }
}

/** `http2: true` needs TLS (h2 is negotiated by ALPN); the defaults' value applies to https only. */
function resolveHttp2(e: RawEndpoint, d: RawDefaults, url: string, field: string): boolean {
  const https = new URL(url).protocol === 'https:';
  if (e.http2 === true && !https) {
    throw configError(`${field}.http2`, 'HTTP/2 is negotiated over TLS: use an https:// URL');
  }
  return https && (e.http2 ?? d.http2 ?? false);
}

/**
 * The TLS settings of an endpoint: always for `https://`; for `tcp://` when its own `tls:` is
 * `true` or an object, or it has none and the defaults' is `true` (options in `defaults.tls`
 * alone do not turn TLS on); never for `http://` (an endpoint's `tls:` there is a mistake). The
 * endpoint's options win over the defaults', key by key.
 */
function resolveTls(
  own: RawTls | undefined,
  defaults: RawTls | undefined,
  url: string,
  field: string,
  readFile: ReadFile,
): TlsConfig | undefined {
  const scheme = new URL(url).protocol;
  // On tcp://: the endpoint's own `tls:` (true or options), else the defaults' `tls: true`.
  const tcpTls = own === undefined ? defaults === true : own !== false;
  const wanted = scheme === 'https:' || (scheme === 'tcp:' && tcpTls);
  if (scheme === 'http:' && own !== undefined && own !== false) {
    throw configError(`${field}.tls`, 'http:// does not use TLS: use an https:// URL');
  }
  if (scheme === 'https:' && own === false) {
    throw configError(`${field}.tls`, 'https:// always uses TLS');
  }
  if (!wanted) return undefined;
  const ownOptions = typeof own === 'object' ? own : {};
  const options = { ...(typeof defaults === 'object' ? defaults : {}), ...ownOptions };
  const caField = ownOptions.ca !== undefined ? `${field}.tls.ca` : 'defaults.tls.ca';
  return Object.freeze({
    ca: options.ca === undefined ? undefined : readCa(options.ca, caField, readFile),
    insecure: options.insecure ?? false,
    serverName: options.serverName,
  });
}

/** Reads a CA file: PEM text with at least one certificate, else a config error on `field`. */
function readCa(path: string, field: string, readFile: ReadFile): string {
  let text: string;
  try {
    text = readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : `cannot read it (${code ?? String(err)})`;
    throw configError(field, `${path}: ${why}`);
  }
  if (!text.includes('-----BEGIN CERTIFICATE-----')) {
    throw configError(field, `${path}: not a PEM certificate file`);
  }
  return text;
}

/** `https://user:pass@host`: credentials go as HTTP Basic auth, as curl sends them. */
function basicAuthOf(url: string): string | undefined {
  const u = new URL(url);
  if (u.username === '' && u.password === '') return undefined;
  const credentials = `${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`;
  return `Basic ${Buffer.from(credentials, 'utf8').toString('base64')}`;
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
  if (/^tcp:/i.test(text)) return checkTcpUrl(text, field);
  if (/^[a-z][a-z0-9+.-]*:/i.test(text)) {
    throw configError(
      field,
      `only http, https and tcp URLs can be probed: ${JSON.stringify(text)}`,
    );
  }
  if (baseUrl === undefined) {
    throw configError(field, `relative URL ${JSON.stringify(text)} needs baseUrl`);
  }
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  return new URL(text.replace(/^\//, ''), base).href;
}

/** `tcp://host:port`, nothing more: a host, a port, no path, query or credentials. */
function checkTcpUrl(text: string, field: string): string {
  const url = URL.canParse(text) ? new URL(text) : undefined;
  const bad = (why: string) =>
    configError(field, `expected tcp://host:port (${why}): ${JSON.stringify(text)}`);
  if (!url || url.hostname === '') throw bad('no host');
  if (url.port === '') throw bad('no port');
  if (url.username !== '' || url.password !== '') throw bad('no user-info');
  if ((url.pathname !== '' && url.pathname !== '/') || url.search !== '' || url.hash !== '') {
    throw bad('no path or query');
  }
  return `tcp://${url.host}`;
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
    if (!e.name && e.kind === 'tcp') e.name = e.url;
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
