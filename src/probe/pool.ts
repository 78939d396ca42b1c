/**
 * The connection pool of one endpoint: undici `Client`s, one request at a time each, reused
 * most-recently-idle first, with a budget on how fast new connections are opened.
 *
 * Why not undici's `Pool`/`Agent`: they open a connection for every request that finds all
 * connections busy. When zerodown's own event loop stalls for a moment, the probes it owes go out
 * together and each opens a connection — at 5000/s an 18 ms stall opened ~140 — and four seconds
 * later the idle ones all close at once, which stalls the loop again. The target sees bursts of
 * connections that have nothing to do with the deploy. Here a request that finds every
 * connection busy waits, in order. Connections that free up serve the queue first; only what
 * still waits two event-loop turns later (after the loop has read the responses that arrived
 * meanwhile and undici has freed their connections) opens new connections, and only while the
 * budget allows (a burst of {@link NEW_CONNECTION_BURST}, refilled at twice the probe rate per
 * second, at least {@link MIN_NEW_PER_SECOND}). So the overdue probes after a stall of
 * zerodown's own loop mostly go out on the connections it already has. A steadily slow or hung
 * target still gets all the connections it needs: the budget refills faster than probes arrive.
 *
 * Except when zerodown's own loop is what keeps connections busy: when those two turns took
 * longer than {@link BUSY_TURNS_MS}, responses are most likely waiting to be read, not the
 * target, and that serving opens connections at {@link MIN_NEW_PER_SECOND}. A connection frees
 * once per loop turn at best, so a slow loop seems to need rate × turn connections; opening them
 * costs CPU (connect, a parser each), which slows the loop further. At 30 000/s a cold start
 * spiralled that way to 2000 connections and ~100 ms lateness for the first second, where 180
 * connections serve the rate once the loop keeps up. Every serving measures anew, so one slow
 * turn (a garbage collection) costs one serving's refill and nothing more.
 *
 * Shrinking is gradual for the same reason: every {@link REAP_INTERVAL_MS} the pool closes the
 * least recently used of the connections that stayed idle the whole interval (beyond a spare
 * of {@link SPARE_IDLE}, more at high rates), at most {@link REAP_MAX} at a time, instead of
 * letting a burst's worth of connections reach their keep-alive timeout together.
 *
 * HTTP/2 (`http2: true`): one request per connection is right for HTTP/1.1, where a second
 * request on a busy connection would wait behind the first (pipelining: one slow probe would
 * delay the next and make it look slow too). HTTP/2 multiplexes independent streams on one
 * connection — that is how browsers and gRPC clients talk to an h2 server, so that is what a
 * probe should look like: once ALPN has chosen h2, the connection takes up to
 * {@link H2_STREAMS} probes at once and stays in the idle list while it has room. A stalled
 * stream does not hold the others back, so a few connections serve any rate, and the target
 * sees a handful of long-lived connections instead of hundreds. Should ALPN choose http/1.1,
 * the connection goes back to one request at a time. With `connection: fresh` an h2 connection
 * also takes one probe and is closed after it (undici ignores `reset` on h2).
 */
import { createRequire } from 'node:module';
import type { TLSSocket } from 'node:tls';
import type { buildConnector, Client as UndiciClient, Dispatcher } from 'undici';
import { certificateFacts, type CertificateFacts } from './certificates.ts';
import { Deque } from './deque.ts';
import './undici-fixes.ts';

type Client = UndiciClient;
/**
 * undici's Client class alone: `import { Client } from 'undici'` loads all of undici (fetch,
 * WebSocket, caches…), ~15 MB more memory for every probing process.
 */
const Client = createRequire(import.meta.url)(
  'undici/lib/dispatcher/client.js',
) as typeof UndiciClient;

/** New connections that may open at once, beyond the refill. */
export const NEW_CONNECTION_BURST = 16;
/** The refill never goes below this many new connections per second. */
export const MIN_NEW_PER_SECOND = 100;

/**
 * Two event-loop turns slower than this (ms) mean zerodown's own loop is busy: new connections
 * then come at {@link MIN_NEW_PER_SECOND} (see the header). Healthy turns take well under 1 ms;
 * a scavenge takes 1–2.
 */
export const BUSY_TURNS_MS = 4;

/**
 * Probes one HTTP/2 connection carries at once (its `pipelining`). Below what servers allow
 * (nginx 128, node 100 by default: `SETTINGS_MAX_CONCURRENT_STREAMS`); past it a probe waits or
 * opens a second connection.
 */
export const H2_STREAMS = 100;

/** What the pool knows of one connection, updated each time it (re)connects. */
export interface ConnectionFacts {
  /** The protocol ALPN chose (`h2` or `http/1.1`); undefined before the first connect. */
  protocol: 'h2' | 'http/1.1' | undefined;
  /** The server certificate of the current TLS connection. */
  certificate: CertificateFacts | undefined;
}

/** How often idle connections are reaped (ms). */
export const REAP_INTERVAL_MS = 500;
/** Idle connections kept beyond what the last interval needed: at least this many… */
export const SPARE_IDLE = 4;
/** …or one per this many probes per second. */
const SPARE_PER_RATE = 200;
/** Most connections closed per reaping. */
export const REAP_MAX = 16;

/** A request handler that can say its request is no longer wanted (its probe has ended). */
export interface PoolHandler extends Dispatcher.DispatchHandler {
  /** The request is no longer wanted: a waiting one is dropped instead of sent. */
  readonly abandoned: boolean;
  /** Fails the request without sending it (pool closed, dispatch threw). */
  fail(err: unknown): void;
  /**
   * The request waited `waitedMs` for a connection and left the queue (sent, or dropped as
   * abandoned) while zerodown's own loop was busy: a wait that is zerodown's, not the target's.
   */
  heldBack?(waitedMs: number): void;
  /** The connection it is sent on (its facts change in place when that connection reconnects). */
  connection?(facts: ConnectionFacts): void;
}

interface Waiting {
  options: Dispatcher.DispatchOptions;
  handler: PoolHandler;
  /** When it began to wait (ms). */
  since: number;
}

/** Construction options of a {@link ProbePool}. */
export interface ProbePoolOptions {
  /** `scheme://host:port` of every request. */
  origin: string;
  /** Probes per second, which sets the budget for new connections. */
  rate: number;
  /** Options of each connection (`pipelining` is forced to 1). */
  client: UndiciClient.Options;
  /** The clock, ms (default `performance.now`). */
  now?: () => number;
  /**
   * Opens each connection (undici's `buildConnector`); with it the pool learns each
   * connection's ALPN protocol and certificate (see {@link ConnectionFacts}).
   */
  connector?: buildConnector.connector;
  /** `connection: fresh`: an h2 connection is closed after its one probe (see the header). */
  fresh?: boolean;
}

/** Keep-alive connections to one origin for one endpoint's probes. */
export class ProbePool {
  private readonly origin: string;
  private readonly clientOptions: UndiciClient.Options;
  private readonly now: () => number;
  /** Idle connections; the most recently freed is on top and is used first. */
  private readonly idle: Client[] = [];
  private readonly clients = new Set<Client>();
  private readonly facts = new WeakMap<Client, ConnectionFacts>();
  private readonly connector: buildConnector.connector | undefined;
  private readonly fresh: boolean;
  private readonly waiting = new Deque<Waiting>();
  private readonly refillPerMs: number;
  private readonly spare: number;
  private tokens = NEW_CONNECTION_BURST;
  private refilledAt: number;
  private timer: NodeJS.Timeout | undefined;
  private deferred: NodeJS.Immediate | undefined;
  private reaper: NodeJS.Timeout | undefined;
  /** Fewest idle connections since the last reaping: the ones nobody needed. */
  private idleFloor = 0;
  private closed = false;
  /** When the current {@link deferServe} began (ms). */
  private deferredAt = 0;
  /** The last two loop turns took longer than {@link BUSY_TURNS_MS}. */
  private busy = false;
  /** Connections opened so far (for diagnosis). */
  opened = 0;

  constructor(options: ProbePoolOptions) {
    this.origin = options.origin;
    this.clientOptions = { ...options.client, pipelining: 1 };
    this.now = options.now ?? (() => performance.now());
    this.connector = options.connector;
    this.fresh = options.fresh ?? false;
    this.refillPerMs = Math.max(MIN_NEW_PER_SECOND, 2 * options.rate) / 1000;
    this.refilledAt = this.now();
    this.spare = Math.max(SPARE_IDLE, Math.ceil(options.rate / SPARE_PER_RATE));
  }

  /** Connections the pool holds (busy or idle). */
  get size(): number {
    return this.clients.size;
  }

  /** Requests waiting for a connection. */
  get queued(): number {
    return this.waiting.length;
  }

  /** Sends a request on an idle connection, a new one, or the first one to free up. */
  dispatch(options: Dispatcher.DispatchOptions, handler: PoolHandler): void {
    if (this.closed) {
      handler.fail(new Error('zerodown pool closed'));
      return;
    }
    // Earlier waiters go first: a new connection serves the head of the queue.
    if (this.waiting.length > 0) {
      this.wait({ options, handler, since: this.now() });
      return;
    }
    // With no connection at all there is nothing to wait for.
    const client = this.clients.size === 0 ? this.open() : this.popIdle();
    if (client) this.send(client, options, handler);
    else this.wait({ options, handler, since: this.now() });
  }

  /** The most recently used idle connection, if any (tracking the fewest idle for reaping). */
  private popIdle(): Client | undefined {
    const client = this.idle.pop();
    if (this.idle.length < this.idleFloor) this.idleFloor = this.idle.length;
    return client;
  }

  /** An idle connection (the most recently used), else a new one within the budget. */
  private take(): Client | undefined {
    return this.popIdle() ?? this.open();
  }

  /** Destroys every connection; requests still going fail. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.deferred) clearImmediate(this.deferred);
    this.deferred = undefined;
    if (this.reaper) clearInterval(this.reaper);
    this.timer = undefined;
    this.reaper = undefined;
    const all = [...this.clients];
    this.clients.clear();
    this.idle.length = 0;
    await Promise.all(all.map((c) => c.destroy().catch(() => undefined)));
  }

  private send(client: Client, options: Dispatcher.DispatchOptions, handler: PoolHandler): void {
    if (this.trySend(client, options, handler)) this.release(client);
  }

  /**
   * Dispatches on `client`; true when the client is free again at once. With one request per
   * connection an accepted dispatch leaves the client busy: undici returns false and emits
   * 'drain' once it is free. A request that failed synchronously (undici reports it to the
   * handler and also returns false) leaves nothing queued on the client.
   */
  private trySend(client: Client, options: Dispatcher.DispatchOptions, handler: PoolHandler) {
    const facts = this.facts.get(client);
    if (facts) handler.connection?.(facts);
    try {
      if (client.dispatch(options, handler)) return true;
    } catch (err) {
      handler.fail(err);
      return true;
    }
    return client.stats.size === 0;
  }

  /** A connection is free: serve the oldest waiting request, or keep it idle. */
  private release(client: Client): void {
    if (this.closed || client.destroyed || client.closed) return;
    if (this.fresh && this.facts.get(client)?.protocol === 'h2') {
      this.drop(client);
      if (this.waiting.length > 0) this.deferServe();
      return;
    }
    for (;;) {
      let w: Waiting | undefined;
      while ((w = this.waiting.shift()) && this.leaves(w).handler.abandoned);
      if (!w) {
        this.idle.push(client);
        return;
      }
      if (!this.trySend(client, w.options, w.handler)) return;
    }
  }

  /** Opens a new connection if the budget allows. */
  private open(): Client | undefined {
    const now = this.now();
    this.tokens = Math.min(
      NEW_CONNECTION_BURST,
      this.tokens + (now - this.refilledAt) * this.refill(),
    );
    this.refilledAt = now;
    if (this.tokens < 1) return undefined;
    this.tokens--;
    this.opened++;
    const facts: ConnectionFacts = { protocol: undefined, certificate: undefined };
    const client: Client = new Client(
      this.origin,
      this.withConnector(facts, (): Client => client),
    );
    this.facts.set(client, facts);
    this.clients.add(client);
    client.on('drain', () => this.release(client));
    // A connection that closed while idle (keep-alive timeout, server closed it) is dropped;
    // one that closed while busy is reused, and reconnects, once its request has failed. An h2
    // connection is "idle" while it has room for streams: after a GOAWAY it may already hold
    // the retry of the stream the server refused, so it is dropped only when it holds nothing.
    client.on('disconnect', () => {
      const i = this.idle.indexOf(client);
      if (i < 0 || client.stats.size > 0) return;
      this.idle.splice(i, 1);
      this.drop(client);
    });
    if (!this.reaper && this.clients.size > this.spare) {
      this.idleFloor = this.idle.length;
      this.reaper = setInterval(() => this.reap(), REAP_INTERVAL_MS);
      this.reaper.unref();
    }
    return client;
  }

  /**
   * The connection options with the pool's connector wrapped to note, on every new connection,
   * the protocol ALPN chose and the server's certificate, and to let an h2 connection carry
   * {@link H2_STREAMS} probes (one, with `fresh`) — or one again should it reconnect as http/1.1.
   */
  private withConnector(facts: ConnectionFacts, client: () => Client): UndiciClient.Options {
    const connector = this.connector;
    if (!connector) return this.clientOptions;
    const connect: buildConnector.connector = (opts, callback) =>
      connector(opts, (err, socket) => {
        if (err === null) {
          const tls = socket as Partial<TLSSocket>;
          facts.protocol = tls.alpnProtocol === 'h2' ? 'h2' : 'http/1.1';
          facts.certificate = certificateFacts(tls.getPeerCertificate?.());
          client().pipelining = facts.protocol === 'h2' && !this.fresh ? H2_STREAMS : 1;
          callback(null, socket);
        } else callback(err, null);
      });
    return { ...this.clientOptions, connect };
  }

  /** Closes connections that stayed idle since the last reaping, oldest first (see header). */
  private reap(): void {
    const n = Math.min(REAP_MAX, this.idleFloor - this.spare);
    if (n > 0) {
      for (const client of this.idle.splice(0, n)) this.drop(client);
    }
    this.idleFloor = this.idle.length;
    if (this.clients.size <= this.spare) {
      clearInterval(this.reaper);
      this.reaper = undefined;
    }
  }

  /** Forgets an idle connection and closes it. */
  private drop(client: Client): void {
    this.clients.delete(client);
    client.destroy().catch(() => undefined);
  }

  /** New connections per ms now: fewer while zerodown's own loop is busy (see the header). */
  private refill(): number {
    return this.busy ? MIN_NEW_PER_SECOND / 1000 : this.refillPerMs;
  }

  /** A request leaves the queue: tells it how long it waited when the loop is busy. */
  private leaves(w: Waiting): Waiting {
    if (this.busy) w.handler.heldBack?.(this.now() - w.since);
    return w;
  }

  private wait(w: Waiting): void {
    this.waiting.push(w);
    this.deferServe();
  }

  /**
   * Serves the waiting requests once the event loop has read its sockets twice over: undici
   * frees a connection one loop turn after reading its response (in the check phase), so a
   * single turn would still find connections busy that are about to free. Two turns cost tens
   * of microseconds on an idle loop (pending immediates keep the loop from blocking); after a
   * stall they let the responses that arrived meanwhile serve the backlog first. How long the
   * two turns took says whether the loop is busy (see the header).
   */
  private deferServe(): void {
    if (this.deferred || this.timer || this.closed) return;
    this.deferredAt = this.now();
    this.deferred = setImmediate(() => {
      this.deferred = setImmediate(() => {
        this.deferred = undefined;
        this.busy = this.now() - this.deferredAt > BUSY_TURNS_MS;
        this.serveWaiting();
      });
    });
  }

  /** Opens connections for waiting requests while the budget allows. */
  private serveWaiting(): void {
    let client: Client | undefined;
    while (this.waiting.length > 0) {
      const head = this.waiting.peek()!;
      if (head.handler.abandoned) {
        this.leaves(this.waiting.shift()!);
        continue;
      }
      client = this.take();
      if (!client) break;
      this.leaves(this.waiting.shift()!);
      this.send(client, head.options, head.handler);
    }
    this.schedule();
  }

  /**
   * When requests wait and nothing else will wake the pool, wake it when a token is due, and
   * serve after two turns again, which also tells whether the loop is still busy.
   */
  private schedule(): void {
    if (this.timer || this.closed || this.waiting.length === 0) return;
    const inMs = Math.max(1, Math.ceil((1 - this.tokens) / this.refill()));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.deferServe();
    }, inMs);
    this.timer.unref();
  }
}
