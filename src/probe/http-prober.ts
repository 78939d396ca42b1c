/**
 * Sends one endpoint's probes with undici's dispatch API: a keep-alive pool per endpoint
 * (pool.ts), no automatic decompression, a bounded body prefix, redirects followed when
 * `maxRedirects` asks (redirect.ts), and one retry on a new connection when a reused connection
 * turns out closed. The deadline is the engine's (see engine.ts), not undici's: its timers are
 * coarse and its body timeout only fires on silence.
 */
import { createRequire } from 'node:module';
import type { buildConnector as BuildConnector, Dispatcher } from 'undici';
import type { EndpointConfig } from '../config/resolve.ts';
import { VERSION } from '../version.ts';
import {
  evaluateJsonPath,
  jsonValueText,
  parseJsonBody,
  parseJsonPath,
  type JsonPath,
} from '../util/json-path.ts';
import {
  ProbePool,
  type ConnectionFacts,
  type PoolHandler,
  type ProbePoolOptions,
} from './pool.ts';
import { tlsConnectOptions } from './tls.ts';
import { firstHop, nextHop, type Hop, type NextHop } from './redirect.ts';
import { classifyError, classifyResponse, IDEMPOTENT, isStaleConnectionError } from './classify.ts';
import { resultWithoutResponse, type InflightProbe } from './inflight.ts';
import type { Prober } from './prober.ts';

/** The first bytes of a body kept for assertions; the rest is read and dropped. */
export const MAX_BODY_PREFIX = 64 * 1024;

/**
 * The most body bytes a probe reads (undici's `maxResponseSize`). A longer body fails the probe
 * as `UND_ERR_RES_EXCEEDED_MAX_SIZE`, as headers over undici's limit fail as
 * `UND_ERR_HEADERS_OVERFLOW`, and its connection is closed. Without it, a probe of a 1 GiB
 * download read at full speed until its deadline: at 20 probes/s on loopback, 5.8 GB in 3 s,
 * 150 MB more memory, and deadlines fired half a second late on the busy loop. Large enough for
 * any page or API answer (zerodown sends no Accept-Encoding, so bodies come uncompressed).
 */
export const MAX_BODY_BYTES = 8 * 1024 * 1024;

/**
 * Origins other than the endpoint's that redirects lead to, each with a pool of its own; beyond
 * this many the least recently used pool is closed, failing what it still has in flight (a
 * target redirecting to ever new origins costs no more memory).
 */
const MAX_OTHER_ORIGINS = 8;

/** undici's connector alone (as pool.ts loads its Client: not all of undici). */
const buildConnector = createRequire(import.meta.url)('undici/lib/core/connect.js') as {
  buildConnector: typeof BuildConnector;
}['buildConnector'];

/** Sends probes for one endpoint. */
export class HttpProber implements Prober {
  readonly endpoint: EndpointConfig;
  private readonly pool: ProbePool;
  private readonly clientOptions: ProbePoolOptions['client'];
  /** Pools of the origins redirects lead to, least recently used first. */
  private readonly others = new Map<string, ProbePool>();
  /** The endpoint's own request, and its dispatch options (built once: the hot path). */
  private readonly first: Hop;
  private readonly options: Dispatcher.DispatchOptions;
  private readonly needBody: boolean;
  /** Where the version is read in a JSON body (`version.json`), parsed once. */
  private readonly versionPath: JsonPath | undefined;
  private readonly now: () => number;
  private readonly onHeldBack: ((probe: InflightProbe, waitedMs: number) => void) | undefined;
  /** Probes retried after a stale keep-alive connection. */
  retries = 0;

  /**
   * `onHeldBack` hears of probes that waited for a connection while zerodown's own loop was busy
   * (see pool.ts), with how long they waited; primers (seq −1) are not reported.
   */
  constructor(
    endpoint: EndpointConfig,
    now: () => number,
    onHeldBack?: (probe: InflightProbe, waitedMs: number) => void,
  ) {
    this.endpoint = endpoint;
    this.now = now;
    this.onHeldBack = onHeldBack;
    const url = new URL(endpoint.url);
    this.clientOptions = {
      keepAliveTimeout: 4000,
      keepAliveTimeoutThreshold: 1000,
      headersTimeout: 0,
      bodyTimeout: 0,
      maxResponseSize: MAX_BODY_BYTES,
      allowH2: endpoint.http2 ?? false,
    };
    this.pool = new ProbePool({
      origin: url.origin,
      rate: endpoint.rate,
      client: this.clientOptions,
      connector: this.connectorFor(url.origin),
      fresh: endpoint.connection === 'fresh',
    });
    const headers: Record<string, string> = { 'user-agent': `zerodown/${VERSION}` };
    Object.assign(headers, endpoint.headers);
    this.first = firstHop(url, endpoint.method, headers, endpoint.body ?? null);
    this.options = this.optionsOf(this.first);
    this.versionPath =
      endpoint.versionJson === undefined ? undefined : parseJsonPath(endpoint.versionJson);
    this.needBody =
      endpoint.expect.bodyContains !== undefined ||
      (endpoint.expect.json?.length ?? 0) > 0 ||
      this.versionPath !== undefined;
  }

  /**
   * The connector of one origin's connections: undici's, with the endpoint's TLS options (the
   * server name only for the endpoint's own origin, not for where redirects lead) and no TLS
   * session cache — a resumed session skips the certificate, and every new connection should
   * see the certificate the server presents now, as a new visitor would (a rotation shows at
   * the first new connection after it).
   */
  private connectorFor(origin: string): BuildConnector.connector {
    const own = origin === new URL(this.endpoint.url).origin;
    const tls = this.endpoint.tls === undefined ? {} : tlsConnectOptions(this.endpoint);
    return buildConnector({
      timeout: this.endpoint.timeoutMs,
      maxCachedSessions: 0,
      allowH2: this.endpoint.http2 ?? false,
      ...(tls.ca === undefined ? {} : { ca: tls.ca }),
      ...(tls.rejectUnauthorized === false ? { rejectUnauthorized: false } : {}),
      ...(own && tls.servername !== undefined ? { servername: tls.servername } : {}),
    });
  }

  /** Starts the request of an in-flight probe. */
  send(probe: InflightProbe): void {
    this.pool.dispatch(this.options, new ProbeHandler(this, probe, this.first));
  }

  /** Sends one request of a probe's chain (its first, a redirect, or a retry). */
  private sendHop(probe: InflightProbe, hop: Hop): void {
    if (hop === this.first) {
      this.send(probe);
      return;
    }
    this.poolOf(hop.url.origin).dispatch(this.optionsOf(hop), new ProbeHandler(this, probe, hop));
  }

  private optionsOf(hop: Hop): Dispatcher.DispatchOptions {
    return {
      origin: hop.url.origin,
      path: `${hop.url.pathname}${hop.url.search}`,
      method: hop.method,
      headers: hop.headers,
      body: hop.body,
      reset: this.endpoint.connection === 'fresh',
    };
  }

  /** The pool of `origin`: the endpoint's, or one of those redirects lead to (see MAX_OTHER_ORIGINS). */
  private poolOf(origin: string): ProbePool {
    if (origin === this.first.url.origin) return this.pool;
    let pool = this.others.get(origin);
    if (pool) this.others.delete(origin);
    else {
      pool = new ProbePool({
        origin,
        rate: this.endpoint.rate,
        client: this.clientOptions,
        connector: this.connectorFor(origin),
        fresh: this.endpoint.connection === 'fresh',
      });
      if (this.others.size >= MAX_OTHER_ORIGINS) {
        const [oldest, old] = this.others.entries().next().value!;
        this.others.delete(oldest);
        void old.close();
      }
    }
    this.others.set(origin, pool);
    return pool;
  }

  /** What a response to `hop` means: the answer, a redirect to follow, or a failed chain. */
  nextHop(hop: Hop, status: number, headers: Record<string, string | string[] | undefined>) {
    const location = headers.location;
    const where = Array.isArray(location) ? location[0] : location;
    return nextHop(hop, status, where, this.endpoint.maxRedirects ?? 0);
  }

  /** Called by a handler whose response (`status`) was a redirect, once it has ended. */
  redirected(probe: InflightProbe, status: number, next: NextHop): void {
    if (probe.done) return;
    if (next.kind === 'follow') this.sendHop(probe, next.hop);
    else if (next.kind === 'fail') {
      const result = { ok: false, code: next.code, status, check: undefined, version: undefined };
      probe.complete({ ...result, clientSide: false }, this.now());
    }
  }

  /** Called by a handler whose request waited in the pool while zerodown's loop was busy. */
  heldBack(probe: InflightProbe, waitedMs: number): void {
    if (probe.seq >= 0) this.onHeldBack?.(probe, waitedMs);
  }

  /** Called by a handler whose attempt failed; retries once when that is safe and useful. */
  attemptFailed(
    probe: InflightProbe,
    hop: Hop,
    err: unknown,
    gotResponse: boolean,
    connection: ConnectionFacts | undefined,
  ): void {
    if (probe.done) return;
    const canRetry = this.endpoint.connection === 'keepalive' && IDEMPOTENT.has(hop.method);
    if (canRetry && !probe.retried && !gotResponse && isStaleConnectionError(err)) {
      probe.retried = true;
      if (probe.seq >= 0) this.retries++; // primers (seq −1) are not part of the run
      this.sendHop(probe, hop);
      return;
    }
    const code = classifyError(err);
    probe.complete(
      resultWithoutResponse(false, code, {
        protocol: connection?.protocol,
        certificate: connection?.certificate,
      }),
      this.now(),
    );
  }

  /** Called by a handler whose response arrived in full. */
  responseEnded(
    probe: InflightProbe,
    status: number,
    headers: Record<string, string | string[] | undefined>,
    bodyPrefix: string,
    connection: ConnectionFacts | undefined,
  ): void {
    if (probe.done) return;
    const endMs = this.now();
    // Parsed once here when the version or a check needs it (a truncated body is not JSON).
    const needJson = this.versionPath !== undefined || (this.endpoint.expect.json?.length ?? 0) > 0;
    const json = needJson ? parseJsonBody(bodyPrefix) : undefined;
    const c = classifyResponse(this.endpoint.expect, {
      status,
      headers,
      bodyPrefix,
      latencyMs: endMs - probe.scheduledMs,
      json,
    });
    let version: string | undefined;
    if (this.versionPath !== undefined) {
      version = json?.ok ? versionText(evaluateJsonPath(this.versionPath, json.value)) : undefined;
    } else {
      const vh = this.endpoint.versionHeader;
      const raw = vh === undefined ? undefined : headers[vh];
      version = Array.isArray(raw) ? raw[0] : raw;
    }
    probe.complete(
      {
        ...c,
        status,
        version,
        clientSide: false,
        protocol: connection?.protocol ?? 'http/1.1',
        certificate: connection?.certificate,
      },
      endMs,
    );
  }

  get wantsBody(): boolean {
    return this.needBody;
  }

  /** Closes every connection. */
  async close(): Promise<void> {
    const pools = [this.pool, ...this.others.values()];
    this.others.clear();
    await Promise.all(pools.map((p) => p.close()));
  }
}

/** A version read from JSON: strings and numbers (`"v2"`, `42`); anything else is none. */
function versionText(value: unknown): string | undefined {
  return typeof value === 'string' || typeof value === 'number' ? jsonValueText(value) : undefined;
}

/** undici handler for one attempt of one probe. */
class ProbeHandler implements PoolHandler {
  private readonly prober: HttpProber;
  private readonly probe: InflightProbe;
  private readonly hop: Hop;
  private status = 0;
  private headers: Record<string, string | string[] | undefined> = {};
  private gotResponse = false;
  /** What the response means, from its head: the answer, or a redirect (its body is dropped). */
  private next: NextHop | undefined;
  private chunks: Buffer[] | undefined;
  private bodyBytes = 0;
  /** The connection the request went on (its protocol and certificate). */
  private facts: ConnectionFacts | undefined;

  constructor(prober: HttpProber, probe: InflightProbe, hop: Hop) {
    this.prober = prober;
    this.probe = probe;
    this.hop = hop;
  }

  heldBack(waitedMs: number): void {
    this.prober.heldBack(this.probe, waitedMs);
  }

  connection(facts: ConnectionFacts): void {
    this.facts = facts;
  }

  /** The probe has ended (deadline): if still waiting for a connection, do not send it. */
  get abandoned(): boolean {
    return this.probe.done;
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    if (this.probe.done) {
      controller.abort(new Error('zerodown probe deadline'));
      return;
    }
    this.probe.controller = controller;
  }

  onResponseStart(
    _controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: Record<string, string | string[] | undefined>,
  ): void {
    this.gotResponse = true;
    this.status = statusCode;
    this.headers = headers;
    this.next = this.prober.nextHop(this.hop, statusCode, headers);
    if (this.prober.wantsBody && this.next.kind === 'answer') this.chunks = [];
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.chunks && this.bodyBytes < MAX_BODY_PREFIX) {
      const part = chunk.subarray(0, MAX_BODY_PREFIX - this.bodyBytes);
      this.chunks.push(part);
      this.bodyBytes += part.length;
    }
  }

  onResponseEnd(): void {
    if (this.next && this.next.kind !== 'answer') {
      this.prober.redirected(this.probe, this.status, this.next);
      return;
    }
    const body = this.chunks ? Buffer.concat(this.chunks).toString('utf8') : '';
    this.prober.responseEnded(this.probe, this.status, this.headers, body, this.facts);
  }

  onResponseError(_controller: Dispatcher.DispatchController, err: Error): void {
    this.fail(err);
  }

  fail(err: unknown): void {
    this.prober.attemptFailed(this.probe, this.hop, err, this.gotResponse, this.facts);
  }
}
