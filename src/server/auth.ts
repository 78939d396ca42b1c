/** Token checks for the control server, in constant time. */
import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * Returns a checker of `Authorization` headers against `token` (hash, then constant-time
 * compare): `Bearer <token>`, or `Basic` with the token as the password and any user name. Basic
 * is what an HTTP client sends for a URL with user-info (`http://zerodown:<token>@host/start`):
 * the only way a Flagger webhook, which has no headers, can carry a credential.
 */
export function bearerChecker(token: string): (header: string | undefined) => boolean {
  const want = digest(token);
  return (header) => {
    const presented = credential(header ?? '');
    // Compare even when the header is missing, so timing says nothing about what was sent.
    const ok = timingSafeEqual(digest(presented ?? ''), want);
    return ok && presented !== undefined;
  };
}

/** The token an `Authorization` header presents: Bearer's, or Basic's password. */
function credential(header: string): string | undefined {
  const bearer = /^Bearer\s+(.+)$/i.exec(header);
  if (bearer) return bearer[1]!.trim();
  const basic = /^Basic\s+([A-Za-z0-9+/]+={0,2})\s*$/i.exec(header);
  if (!basic) return undefined;
  const pair = Buffer.from(basic[1]!, 'base64').toString('utf8');
  const colon = pair.indexOf(':');
  return colon < 0 ? undefined : pair.slice(colon + 1);
}

/** True for addresses only this machine can reach. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return (
    h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h) || h === '::ffff:127.0.0.1'
  );
}
