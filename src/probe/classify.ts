/**
 * Classifying a probe's answer or error into the contract's `errorCodes` vocabulary. Pure.
 */
import type { ExpectConfig, JsonCheck } from '../config/resolve.ts';
import {
  evaluateJsonPath,
  jsonValueText,
  parseJsonBody,
  parseJsonPath,
  type JsonPath,
  type ParsedBody,
} from '../util/json-path.ts';
import { isSecretHeaderName, MASK } from '../redact.ts';

/** What a response looked like, as far as the probe read it. */
export interface ResponseFacts {
  status: number;
  headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The first bytes of the body (only when a check needs them). */
  bodyPrefix: string;
  latencyMs: number;
  /** The body prefix parsed as JSON, when the caller already did (parsed here otherwise). */
  json?: ParsedBody | undefined;
}

/** The verdict on one response. */
export interface Classification {
  ok: boolean;
  /** `"200"`, `"503"`, `assertion` or `slow`. */
  code: string;
  check: string | undefined;
}

/**
 * Judges a response against the endpoint's `expect`. Order: status, headers, body, JSON checks,
 * latency.
 */
export function classifyResponse(expect: ExpectConfig, r: ResponseFacts): Classification {
  const statusText = String(r.status);
  if (!expect.status.some(([lo, hi]) => r.status >= lo && r.status <= hi)) {
    return { ok: false, code: statusText, check: undefined };
  }
  if (expect.headers) {
    for (const [name, want] of Object.entries(expect.headers)) {
      const got = r.headers[name];
      const value = Array.isArray(got) ? got.join(', ') : got;
      if (value !== want)
        return { ok: false, code: 'assertion', check: headerCheck(name, value, want) };
    }
  }
  if (expect.bodyContains !== undefined && !r.bodyPrefix.includes(expect.bodyContains)) {
    return { ok: false, code: 'assertion', check: 'bodyContains' };
  }
  if (expect.json && expect.json.length > 0) {
    const body = r.json ?? parseJsonBody(r.bodyPrefix);
    for (const c of compiledChecks(expect.json)) {
      const failed = jsonCheckFailure(c, body);
      if (failed !== undefined) return { ok: false, code: 'assertion', check: failed };
    }
  }
  if (expect.maxLatencyMs !== undefined && r.latencyMs > expect.maxLatencyMs) {
    return { ok: false, code: 'slow', check: 'maxLatency' };
  }
  return { ok: true, code: statusText, check: undefined };
}

interface CompiledCheck {
  path: JsonPath;
  check: JsonCheck;
  regex: RegExp | undefined;
}

/** Paths and regexes compiled once per config (validated when the config was read). */
const compiled = new WeakMap<readonly JsonCheck[], CompiledCheck[]>();

function compiledChecks(checks: readonly JsonCheck[]): CompiledCheck[] {
  let out = compiled.get(checks);
  if (!out) {
    out = checks.map((check) => ({
      path: parseJsonPath(check.path),
      check,
      regex: check.matches === undefined ? undefined : new RegExp(check.matches),
    }));
    compiled.set(checks, out);
  }
  return out;
}

/**
 * One JSON check: the body is JSON, the path names a value, the value equals `equals` (strict:
 * `"1"` is not `1`) and its text (strings as they are, the rest as JSON) matches `matches`.
 * Returns the failure with what was received (`json:$.status = "DOWN", expected "UP"`), or
 * undefined when it passes.
 */
function jsonCheckFailure(c: CompiledCheck, body: ParsedBody): string | undefined {
  const at = `json:${c.path.text}`;
  if (!body.ok) return `${at}: the body is not JSON`;
  const value = evaluateJsonPath(c.path, body.value);
  if (value === undefined) return `${at} missing`;
  if (c.check.equals !== undefined && value !== c.check.equals) {
    return `${at} = ${shown(value)}, expected ${shown(c.check.equals)}`;
  }
  if (c.regex && !c.regex.test(jsonValueText(value)!)) {
    return `${at} = ${shown(value)}, expected to match ${c.check.matches}`;
  }
  return undefined;
}

/** `header:x-ready = "no", expected "yes"`; a secret header's value is never shown. */
function headerCheck(name: string, got: string | undefined, want: string): string {
  if (got === undefined) return `header:${name} missing, expected ${shown(want)}`;
  if (isSecretHeaderName(name)) return `header:${name} = ${MASK}, expected ${MASK}`;
  return `header:${name} = ${shown(got)}, expected ${shown(want)}`;
}

/** Longest value shown in a check (the rest is cut with …). */
const SHOWN_MAX = 60;

/** A received or expected value as JSON text, cut to `SHOWN_MAX` characters. */
function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > SHOWN_MAX ? `${text.slice(0, SHOWN_MAX - 1)}…` : text;
}

const CLOSED = new Set(['UND_ERR_SOCKET', 'ECONNRESET', 'EPIPE', 'ECONNABORTED']);

/**
 * An HTTP/2 server's GOAWAY (a graceful shutdown or reload: nginx sends one to every h2
 * connection on `nginx -s reload`): the connection takes no new streams. undici fails the
 * request it had on it with a `SocketError` saying so (and no code of its own).
 */
export const GOAWAY = 'h2:GOAWAY';

function isGoaway(e: { code?: unknown; message?: unknown } | null): boolean {
  return (
    e?.code === 'UND_ERR_SOCKET' && typeof e.message === 'string' && e.message.includes('GOAWAY')
  );
}

/**
 * Maps an error from the HTTP client to an error code: Node network codes pass through
 * (`ECONNREFUSED`, `ENOTFOUND`, TLS codes such as `CERT_HAS_EXPIRED`), a connection closed
 * before a complete response is `ECONNRESET`, llhttp parse errors keep their `HPE_` code (or
 * are `EPROTO` when undici gives none), an HTTP/2 GOAWAY is `h2:GOAWAY`, and undici's own
 * timeouts are `timeout`.
 */
export function classifyError(err: unknown): string {
  const e = err as {
    code?: unknown;
    name?: unknown;
    message?: unknown;
    cause?: { code?: unknown };
  } | null;
  if (isGoaway(e)) return GOAWAY;
  // undici's HTTPParserError often carries no code: a response that is not HTTP is EPROTO.
  if (e?.name === 'HTTPParserError' && typeof e.code !== 'string') return 'EPROTO';
  const code = typeof e?.code === 'string' ? e.code : undefined;
  const causeCode = typeof e?.cause?.code === 'string' ? e.cause.code : undefined;
  if (code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'UND_ERR_HEADERS_TIMEOUT') return 'timeout';
  if (code === 'UND_ERR_BODY_TIMEOUT') return 'timeout';
  if (code === 'UND_ERR_SOCKET')
    return causeCode && !CLOSED.has(causeCode) ? causeCode : 'ECONNRESET';
  if (code && CLOSED.has(code)) return 'ECONNRESET';
  if (code === 'UND_ERR_CONNECT' && causeCode) return causeCode;
  return code ?? causeCode ?? 'EUNKNOWN';
}

/**
 * True for errors that mean "the connection closed before any response", an HTTP/2 GOAWAY
 * among them: retry-worthy once, on another connection.
 */
export function isStaleConnectionError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && CLOSED.has(code);
}

/** Methods that may be sent twice without changing anything (RFC 9110 §9.2.2). */
export const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);
