/**
 * A real HTTP server on loopback (port 0) whose behaviour a test switches at run time, in the
 * spirit of autocannon's test/helper.js. It records its own outages so a test can compare what
 * zerodown measured against what really happened.
 */
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { performance } from 'node:perf_hooks';

/** What the server does with each request. */
export type FaultMode =
  | { kind: 'ok' }
  | { kind: 'status'; status: number }
  | { kind: 'reset' }
  | { kind: 'hang' }
  | { kind: 'slow'; delayMs: number }
  | { kind: 'body'; body: string };

/** A real outage as the server saw it (performance.now() timestamps). */
export interface OutageRecord {
  startMs: number;
  endMs: number;
  durationMs: number;
}

/** A switchable HTTP server on 127.0.0.1. */
export class FaultServer {
  mode: FaultMode = { kind: 'ok' };
  /** Fail one request in this many with 500, whatever the mode (0: never). */
  failEvery = 0;
  requests = 0;
  /** Connections accepted, and closed, since the start. */
  connections = 0;
  closedConnections = 0;
  /** When set, the arrival time (performance.now()) of every request is pushed here. */
  arrivals: number[] | undefined;
  /** The distinct request targets (path and query) seen, the first 100, with their headers. */
  readonly seen = new Map<string, http.IncomingHttpHeaders>();
  version = 'v1';
  private server: http.Server;
  private readonly sockets = new Set<Socket>();
  private port = 0;

  private constructor(server: http.Server) {
    this.server = server;
  }

  /** Starts a server answering 200 `ok` until told otherwise. */
  static async start(options: { keepAliveTimeoutMs?: number } = {}): Promise<FaultServer> {
    const fs = new FaultServer(undefined as unknown as http.Server);
    fs.server = fs.createServer(options.keepAliveTimeoutMs);
    fs.server.listen(0, '127.0.0.1');
    await once(fs.server, 'listening');
    fs.port = (fs.server.address() as AddressInfo).port;
    return fs;
  }

  private createServer(keepAliveTimeoutMs?: number): http.Server {
    const server = http.createServer((req, res) => this.handle(req, res));
    if (keepAliveTimeoutMs !== undefined) server.keepAliveTimeout = keepAliveTimeoutMs;
    server.on('connection', (s: Socket) => {
      this.connections++;
      this.sockets.add(s);
      s.on('close', () => {
        this.closedConnections++;
        this.sockets.delete(s);
      });
    });
    return server;
  }

  /** The URL of `path` on this server. */
  url(path = '/'): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  /** Outages started through the control path, as the server recorded them. */
  readonly outages: Promise<OutageRecord>[] = [];

  /**
   * A URL that, when requested (e.g. by a deploy script), starts an outage answering `status`
   * for `ms`.
   */
  controlUrl(status: number, ms: number): string {
    return this.url(`/__outage?status=${status}&ms=${ms}`);
  }

  /** A URL that switches the server to answering `status` (or back to ok, with `ok`) until told otherwise. */
  modeUrl(status: number | 'ok'): string {
    return this.url(`/__mode?status=${status}`);
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    if (req.url?.startsWith('/__mode?')) {
      const q = new URL(req.url, 'http://x').searchParams;
      const status = q.get('status');
      const slow = q.get('slow');
      this.mode =
        slow !== null
          ? { kind: 'slow', delayMs: Number(slow) }
          : status === 'ok'
            ? { kind: 'ok' }
            : { kind: 'status', status: Number(status) };
      res.end('mode set');
      return;
    }
    if (req.url?.startsWith('/__outage?')) {
      const q = new URL(req.url, 'http://x').searchParams;
      this.outages.push(
        this.outage({ kind: 'status', status: Number(q.get('status')) }, Number(q.get('ms'))),
      );
      res.end('started');
      return;
    }
    this.requests++;
    if (this.arrivals) this.arrivals.push(performance.now());
    if (this.seen.size < 100 && req.url !== undefined) this.seen.set(req.url, req.headers);
    if (this.failEvery > 0 && this.requests % this.failEvery === 0) {
      res.statusCode = 500;
      res.end('sporadic');
      return;
    }
    const m = this.mode;
    res.setHeader('x-app-version', this.version);
    switch (m.kind) {
      case 'ok':
        res.end('ok');
        return;
      case 'status':
        res.statusCode = m.status;
        res.end('failing');
        return;
      case 'reset':
        req.socket.resetAndDestroy();
        return;
      case 'hang':
        return; // never answers; the client's deadline must fire
      case 'slow':
        setTimeout(() => res.end('ok'), m.delayMs);
        return;
      case 'body':
        res.end(m.body);
        return;
    }
  }

  /** Switches to `mode` for `ms`, then back to ok; resolves with the real timing. */
  async outage(mode: FaultMode, ms: number): Promise<OutageRecord> {
    this.mode = mode;
    const startMs = performance.now();
    await sleepPrecise(ms);
    this.mode = { kind: 'ok' };
    const endMs = performance.now();
    return { startMs, endMs, durationMs: endMs - startMs };
  }

  /** Closes the port (connections refused, pooled ones destroyed) for `ms`, then reopens it. */
  async refuse(ms: number): Promise<OutageRecord> {
    const old = this.server;
    old.close();
    for (const s of this.sockets) s.destroy();
    const startMs = performance.now();
    await sleepPrecise(ms);
    this.server = this.createServer();
    this.server.listen(this.port, '127.0.0.1');
    await once(this.server, 'listening');
    const endMs = performance.now();
    return { startMs, endMs, durationMs: endMs - startMs };
  }

  /** Stops the server and every connection. */
  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** Sleeps `ms` with sub-millisecond accuracy (timer, then a short spin). */
export async function sleepPrecise(ms: number): Promise<void> {
  const until = performance.now() + ms;
  if (ms > 5) await new Promise((r) => setTimeout(r, ms - 3));
  while (performance.now() < until) await new Promise((r) => setImmediate(r));
}

/** Sleeps `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
