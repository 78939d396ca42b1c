/**
 * Redaction: secrets in URLs (query parameters with secret-looking names, user-info) and in
 * headers never leave in an output. The config builds one `Redactor`; the result document holds
 * only redacted URLs (so every report, the server, notifications and the data dir inherit it),
 * and the few places that print free text (errors, the server's log lines) pass it through
 * `Redactor.text`, which also blots every secret value the config knows. Pure.
 */

/** What stands in for a secret. */
export const MASK = '***';

/** Query parameter names that are secret (lower case, exact). */
const SECRET_QUERY = new Set([
  'key',
  'api_key',
  'apikey',
  'api-key',
  'code', // Azure Functions
  'sig', // Azure SAS
  'signature',
  'token',
  'access_token',
  'id_token',
  'refresh_token',
  'auth',
  'password',
  'passwd',
  'pwd',
  'secret',
  'client_secret',
  'awsaccesskeyid',
  'credential',
  'session',
  'sessionid',
]);

/** Substrings and prefixes that make any name secret (`x-amz-signature`, `my_api_token`). */
const SECRET_PART = /token|secret|passw|signature|apikey|api_key|api-key|credential|private/i;
const SECRET_PREFIX = /^(x-amz-|x-goog-)/i;

/** Header names whose values are secret (lower case, exact), besides the patterns above. */
const SECRET_HEADERS = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
  'x-auth',
]);

/** Names added by the config's `redact:` section. */
export interface RedactNames {
  query?: readonly string[] | undefined;
  headers?: readonly string[] | undefined;
}

/** True when a query parameter of this name carries a secret. */
export function isSecretQueryName(name: string, extra: readonly string[] = []): boolean {
  const n = name.toLowerCase();
  return (
    SECRET_QUERY.has(n) ||
    SECRET_PART.test(n) ||
    SECRET_PREFIX.test(n) ||
    extra.some((e) => e.toLowerCase() === n)
  );
}

/** True when a header of this name carries a secret. */
export function isSecretHeaderName(name: string, extra: readonly string[] = []): boolean {
  const n = name.toLowerCase();
  return SECRET_HEADERS.has(n) || SECRET_PART.test(n) || extra.some((e) => e.toLowerCase() === n);
}

/**
 * A URL with its user-info and secret query values masked:
 * `https://u:p@h/x?api_key=s&page=2` → `https://***@h/x?api_key=***&page=2`. Text that is not a
 * URL comes back unchanged.
 */
export function redactUrl(text: string, extraQuery: readonly string[] = []): string {
  if (!URL.canParse(text)) return text;
  const url = new URL(text);
  let changed = false;
  if (url.username !== '' || url.password !== '') {
    url.username = MASK;
    url.password = '';
    changed = true;
  }
  const search = url.search.slice(1);
  const pairs = search === '' ? [] : search.split('&');
  const masked = pairs.map((pair) => {
    const eq = pair.indexOf('=');
    if (eq < 0 || !isSecretQueryName(decodeSafe(pair.slice(0, eq)), extraQuery)) return pair;
    changed = true;
    return `${pair.slice(0, eq)}=${MASK}`;
  });
  if (!changed) return text;
  // Put back by hand: URLSearchParams would percent-encode the mask.
  const hash = url.hash;
  url.hash = '';
  url.search = '';
  return `${url.href}${masked.length > 0 ? `?${masked.join('&')}` : ''}${hash}`;
}

/** The secret values in a URL: its password and user name, secret query values. */
export function secretsOfUrl(text: string, extraQuery: readonly string[] = []): string[] {
  if (!URL.canParse(text)) return [];
  const url = new URL(text);
  const out = [url.password, url.username].map(decodeSafe);
  for (const [k, v] of url.searchParams) if (isSecretQueryName(k, extraQuery)) out.push(v);
  return out;
}

/**
 * Knows the secrets of one config: masks URLs and blots known secret values out of free text.
 */
export class Redactor {
  private readonly names: RedactNames;
  private readonly values: string[];

  /** `secrets`: values to blot from text (short ones, under 4 characters, are ignored). */
  constructor(names: RedactNames = {}, secrets: readonly string[] = []) {
    this.names = names;
    this.values = [...new Set(secrets.filter((s) => s.length >= 4))].sort(
      (a, b) => b.length - a.length,
    );
  }

  /** A URL as outputs may show it. */
  url(text: string): string {
    return redactUrl(text, this.names.query);
  }

  /** True when the header's value must not be shown. */
  isSecretHeader(name: string): boolean {
    return isSecretHeaderName(name, this.names.headers);
  }

  /** Free text with every URL in it masked and every known secret value blotted out. */
  text(text: string): string {
    if (this.values.length === 0 && !text.includes('://')) return text;
    let out = text.replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>`]+/gi, (u) => this.url(u));
    for (const v of this.values) {
      out = out.split(v).join(MASK);
      const encoded = encodeURIComponent(v);
      if (encoded !== v) out = out.split(encoded).join(MASK);
    }
    return out;
  }
}

/**
 * Every string in a JSON tree passed through `redactor.text`, in place; `skip` names keys whose
 * values are left alone (opaque data such as an encoded histogram). Returns the tree.
 */
export function redactTree<T>(tree: T, redactor: Redactor, skip: ReadonlySet<string>): T {
  const walk = (node: unknown): unknown => {
    if (typeof node === 'string') return redactor.text(node);
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) node[i] = walk(node[i]);
    } else if (node !== null && typeof node === 'object') {
      const record = node as Record<string, unknown>;
      for (const key of Object.keys(record)) {
        if (!skip.has(key)) record[key] = walk(record[key]);
      }
    }
    return node;
  };
  return walk(tree) as T;
}

function decodeSafe(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}
