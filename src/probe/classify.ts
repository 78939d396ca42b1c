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
      if (value !== want) return { ok: false, code: 'assertion', check: `header:${name}` };
    }
  }
  if (expect.bodyContains !== undefined && !r.bodyPrefix.includes(expect.bodyContains)) {
    return { ok: false, code: 'assertion', check: 'bodyContains' };
  }
  if (expect.json && expect.json.length > 0) {
    const body = r.json ?? parseJsonBody(r.bodyPrefix);
    const failed = compiledChecks(expect.json).find((c) => !passesJsonCheck(c, body));
    if (failed) return { ok: false, code: 'assertion', check: `json:${failed.path.text}` };
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
 */
function passesJsonCheck(c: CompiledCheck, body: ParsedBody): boolean {
  if (!body.ok) return false;
  const value = evaluateJsonPath(c.path, body.value);
  if (value === undefined) return false;
  if (c.check.equals !== undefined && value !== c.check.equals) return false;
  if (c.regex && !c.regex.test(jsonValueText(value)!)) return false;
  return true;
}

const CLOSED = new Set(['UND_ERR_SOCKET', 'ECONNRESET', 'EPIPE', 'ECONNABORTED']);

/**
 * Maps an error from the HTTP client to an error code: Node network codes pass through
 * (`ECONNREFUSED`, `ENOTFOUND`, TLS codes such as `CERT_HAS_EXPIRED`), a connection closed
 * before a complete response is `ECONNRESET`, llhttp parse errors keep their `HPE_` code (or
 * are `EPROTO` when undici gives none), and
 * undici's own timeouts are `timeout`.
 */
export function classifyError(err: unknown): string {
  const e = err as { code?: unknown; name?: unknown; cause?: { code?: unknown } } | null;
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

/** True for errors that mean "the connection closed before any response": retry-worthy once. */
export function isStaleConnectionError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && CLOSED.has(code);
}

/** Methods that may be sent twice without changing anything (RFC 9110 §9.2.2). */
export const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);
