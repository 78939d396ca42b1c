/**
 * Dialling the hub: a NATS URL as NATS users write it (`nats://user:pass@host:4222`,
 * `tls://host:4222`, several separated by commas) and a credentials file (`--hub-creds`).
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { checkServerIdentity, type PeerCertificate } from 'node:tls';
import { connect, credsAuthenticator, type NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { ZerodownError } from '../errors.ts';
import { DATA_SUBJECTS, STREAM } from './protocol.ts';

/** Where and how to reach the hub. */
export interface HubOptions {
  /** `--hub`: one or more NATS URLs, comma-separated. */
  url: string;
  /** `--hub-creds`: a NATS credentials file (JWT + NKey seed). */
  creds?: string | undefined;
}

type ConnectOptions = NonNullable<Parameters<typeof connect>[0]>;

/** The NATS connection options for `hub`; throws `ZD_USAGE` on a bad URL or unreadable creds. */
export function connectOptions(hub: HubOptions): ConnectOptions {
  const servers: string[] = [];
  let user: string | undefined;
  let pass: string | undefined;
  let tls = false;
  for (const raw of hub.url.split(',').map((s) => s.trim())) {
    let u: URL;
    try {
      u = new URL(raw);
    } catch {
      throw new ZerodownError('ZD_USAGE', `--hub: not a NATS URL: ${JSON.stringify(raw)}`);
    }
    if (!['nats:', 'tls:'].includes(u.protocol)) {
      throw new ZerodownError('ZD_USAGE', `--hub: expected nats:// or tls://, got ${u.protocol}//`);
    }
    if (u.protocol === 'tls:') tls = true;
    if (u.username) user = decodeURIComponent(u.username);
    if (u.password) pass = decodeURIComponent(u.password);
    // URL keeps an IPv6 host in brackets already.
    servers.push(`${u.hostname}:${u.port || '4222'}`);
  }
  const opts: ConnectOptions = { servers, name: 'zerodown' };
  if (user !== undefined) Object.assign(opts, { user, pass });
  if (tls) {
    // The NATS client sends no server name for an IP address, and Node then checks the
    // certificate against "localhost": check it against the IP addresses given instead.
    const ips = servers
      .map((h) => h.replace(/:\d+$/, '').replace(/^\[|\]$/g, ''))
      .filter((h) => isIP(h));
    opts.tls =
      ips.length === servers.length
        ? ({
            checkServerIdentity: (_host: string, cert: PeerCertificate) => {
              const errors = ips.map((ip) => checkServerIdentity(ip, cert));
              return errors.includes(undefined) ? undefined : errors[0];
            },
          } as NonNullable<ConnectOptions['tls']>)
        : {};
  }
  if (hub.creds !== undefined) {
    let text: Uint8Array;
    try {
      text = readFileSync(hub.creds);
    } catch (err) {
      throw new ZerodownError(
        'ZD_USAGE',
        `--hub-creds: cannot read ${hub.creds}: ${(err as Error).message}`,
      );
    }
    opts.authenticator = credsAuthenticator(text);
  }
  return opts;
}

/**
 * Connects, retrying every second until it works or `signal` aborts; `say` hears each failure
 * once a second. After the first connection the client reconnects by itself, forever.
 */
export async function connectHub(
  hub: HubOptions,
  say: (line: string) => void,
  signal?: AbortSignal,
  giveUpAfterMs = Infinity,
): Promise<NatsConnection> {
  const opts = { ...connectOptions(hub), maxReconnectAttempts: -1, reconnectTimeWait: 500 };
  const start = Date.now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await connect(opts);
    } catch (err) {
      const message = (err as Error).message;
      if (
        /authori[sz]ation|authentication|permissions/i.test(message) &&
        giveUpAfterMs < Infinity
      ) {
        // Wrong credentials do not get better by waiting.
        throw new ZerodownError(
          'ZD_HUB',
          `hub ${redactHub(hub.url)} refused the connection: ${message}`,
        );
      }
      if (signal?.aborted || Date.now() - start > giveUpAfterMs) {
        throw new ZerodownError(
          'ZD_HUB',
          `hub ${redactHub(hub.url)} not reachable: ${(err as Error).message}`,
        );
      }
      say(
        `hub ${redactHub(hub.url)} not reachable (${(err as Error).message}); retrying (attempt ${attempt})`,
      );
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

/** Creates the stream of probe batches if it is not there (2-minute de-duplication window). */
export async function ensureStream(nc: NatsConnection): Promise<void> {
  const jsm = await jetstreamManager(nc);
  try {
    await jsm.streams.info(STREAM);
  } catch {
    await jsm.streams.add({
      name: STREAM,
      subjects: [DATA_SUBJECTS],
      duplicate_window: 120_000_000_000,
    });
  }
}

/** The hub URL with its password masked, for messages. */
export function redactHub(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/g, '//$1:***@');
}
