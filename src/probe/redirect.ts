/**
 * Following redirects (`maxRedirects`), one decision per response. Pure.
 *
 * Off by default, as curl without `-L`: a 3xx is the answer, judged by `expect.status` (whose
 * default, 200–399, accepts it). With `maxRedirects: n`, a probe follows up to n redirects, as
 * k6 (10 by default) and browsers (20) do, and is judged on the answer at the end of the chain;
 * its latency covers the whole chain. A chain that comes back to a URL it has already requested
 * fails at once as `redirect-loop` (zerodown keeps no cookies, so the same request gets the same
 * answer); one longer than n fails as `too-many-redirects`.
 */

/** Redirects followed (RFC 9110 §15.4): 300 and 304 are not redirects to follow. */
const FOLLOWED = new Set([301, 302, 303, 307, 308]);

/** Headers not sent to another origin (credentials), as the Fetch standard and curl do. */
const CREDENTIALS = new Set(['authorization', 'proxy-authorization', 'cookie', 'host']);

/** Headers that describe a request body, dropped with the body. */
const BODY_HEADERS = new Set(['content-type', 'content-length', 'content-encoding']);

/** One request of a probe's chain. */
export interface Hop {
  readonly url: URL;
  readonly method: string;
  /** Lower-case names. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | null;
  /** The URLs requested so far in this chain, this one included (`href`, no fragment). */
  readonly chain: readonly string[];
}

/** What to do with a response. */
export type NextHop =
  | { kind: 'answer' }
  | { kind: 'follow'; hop: Hop }
  | { kind: 'fail'; code: 'redirect-loop' | 'too-many-redirects' };

const ANSWER: NextHop = { kind: 'answer' };

/** The first request of a chain. */
export function firstHop(
  url: URL,
  method: string,
  headers: Readonly<Record<string, string>>,
  body: string | null,
): Hop {
  const u = withoutFragment(url);
  return { url: u, method, headers, body, chain: [u.href] };
}

/**
 * Decides what a response to `hop` means: the answer to judge, a redirect to follow, or a failed
 * chain. `location` is the response's Location header.
 */
export function nextHop(
  hop: Hop,
  status: number,
  location: string | undefined,
  maxRedirects: number,
): NextHop {
  if (maxRedirects <= 0 || !FOLLOWED.has(status) || location === undefined) return ANSWER;
  let url: URL;
  try {
    url = withoutFragment(new URL(location, hop.url));
  } catch {
    return ANSWER; // not a URL: nothing to follow, the 3xx is the answer
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return ANSWER;
  if (hop.chain.includes(url.href)) return { kind: 'fail', code: 'redirect-loop' };
  if (hop.chain.length > maxRedirects) return { kind: 'fail', code: 'too-many-redirects' };
  // 303, and 301/302 after a POST, become a GET without a body (RFC 9110 §15.4.2–4, as browsers).
  const toGet =
    (status === 303 && hop.method !== 'HEAD') ||
    ((status === 301 || status === 302) && hop.method === 'POST');
  const crossOrigin = url.origin !== hop.url.origin;
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(hop.headers)) {
    if (crossOrigin && CREDENTIALS.has(name)) continue;
    if (toGet && BODY_HEADERS.has(name)) continue;
    headers[name] = value;
  }
  return {
    kind: 'follow',
    hop: {
      url,
      method: toGet ? 'GET' : hop.method,
      headers,
      body: toGet ? null : hop.body,
      chain: [...hop.chain, url.href],
    },
  };
}

function withoutFragment(url: URL): URL {
  if (url.hash === '') return url;
  const u = new URL(url);
  u.hash = '';
  return u;
}
