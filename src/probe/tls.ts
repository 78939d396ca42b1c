/**
 * The `tls.connect` options of an endpoint, built in one place for every kind that speaks TLS
 * (https, tcp with `tls:`, grpcs, wss): host and port from the URL, the CA read from `tls.ca`,
 * verification unless `tls.insecure`, and the server name for SNI and the identity check.
 */
import { isIP } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import type { EndpointConfig } from '../config/resolve.ts';

/** Ports a TLS URL means when it names none. */
const DEFAULT_TLS_PORTS: Readonly<Record<string, number>> = {
  'https:': 443,
  'wss:': 443,
  'grpcs:': 443,
};

/**
 * Options for `tls.connect` to `endpoint`. `servername` is the configured `tls.serverName`, else
 * the URL's host when it is a name: SNI must not carry an IP address, and node then checks the
 * certificate against the IP itself. Callers add what is theirs (ALPN protocols, a timeout).
 */
export function tlsConnectOptions(endpoint: EndpointConfig): ConnectionOptions {
  const url = new URL(endpoint.url);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = url.port === '' ? (DEFAULT_TLS_PORTS[url.protocol] ?? 443) : Number(url.port);
  const tls = endpoint.tls;
  const servername = tls?.serverName ?? (isIP(host) === 0 ? host : undefined);
  return {
    host,
    port,
    ...(servername === undefined ? {} : { servername }),
    ...(tls?.ca === undefined ? {} : { ca: tls.ca }),
    rejectUnauthorized: !(tls?.insecure ?? false),
  };
}
