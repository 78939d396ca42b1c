/**
 * Keeping web pages away from a control server that has no token. Loopback is not a boundary
 * against the browser on the same machine: any page can send `<img src="http://127.0.0.1:8080/start">`
 * (a GET that changes state), POST a form cross-site, or, after rebinding its own DNS name to
 * 127.0.0.1, read `/stats` as same-origin. Without a token the server therefore refuses:
 *
 * - a `Host` that is not a loopback name or the address it is bound to (DNS rebinding);
 * - a request a browser marks as cross-site (`Sec-Fetch-Site: cross-site | same-site`) or whose
 *   `Origin` is not the server itself;
 * - a state-changing request by GET from a browser (an `Origin`, `Referer`, `Sec-Fetch-Site` or
 *   `Sec-Fetch-Dest` header): `curl http://127.0.0.1:8080/start`, which sends none, keeps working.
 *
 * With a token, every request but /healthz needs it (auth.ts), which no page can forge. Pure.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { isLoopback } from './auth.ts';

/** Routes that change state and answer GET (what `<img src>` would send). */
const STATE_CHANGING_GET = new Set(['/start']);

/** Why a request is refused, or undefined when it may go on. */
export function refuseFromBrowser(
  req: { method: string; url: string; headers: IncomingHttpHeaders },
  boundHost: string,
): string | undefined {
  const path = req.url.split('?')[0]!;
  if (path === '/healthz') return undefined;
  const host = hostOf(req.headers.host);
  if (host === undefined || !(isLoopback(host) || same(host, boundHost))) {
    return `Host ${JSON.stringify(req.headers.host ?? '')} is not this server (a DNS rebinding page?): use 127.0.0.1 or localhost, or give the server a --token`;
  }
  const site = req.headers['sec-fetch-site'];
  if (site === 'cross-site' || site === 'same-site') {
    return 'a cross-site request from a web page: refused without a token';
  }
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== 'null' && !sameOrigin(origin, req.headers.host ?? '')) {
    return `a request from the page at ${origin}: refused without a token`;
  }
  if (origin === 'null') return 'a request from an opaque origin: refused without a token';
  // Browsers send Sec-Fetch-Site and -Dest with every request; Node's fetch sends only
  // `sec-fetch-mode: cors`, so that one alone says nothing.
  const fromBrowser =
    origin !== undefined ||
    req.headers.referer !== undefined ||
    req.headers['sec-fetch-site'] !== undefined ||
    req.headers['sec-fetch-dest'] !== undefined;
  if (req.method === 'GET' && STATE_CHANGING_GET.has(path) && fromBrowser) {
    return `GET ${path} from a browser changes state: use POST, or curl`;
  }
  return undefined;
}

/** The host name of a `Host` header (`[::1]:8080` → `::1`). */
function hostOf(header: string | undefined): string | undefined {
  if (header === undefined || header === '') return undefined;
  const m = /^\[([^\]]+)\](?::\d+)?$/.exec(header) ?? /^([^:]+)(?::\d+)?$/.exec(header);
  return m?.[1]?.toLowerCase();
}

function same(host: string, bound: string): boolean {
  const b = bound.replace(/^\[|\]$/g, '').toLowerCase();
  return b !== '0.0.0.0' && b !== '::' && host === b;
}

function sameOrigin(origin: string, hostHeader: string): boolean {
  if (!URL.canParse(origin)) return false;
  return new URL(origin).host.toLowerCase() === hostHeader.toLowerCase();
}
