/**
 * The demo's load balancer: a node:http server on loopback that passes each request to the next
 * instance of its pool in rotation (round robin over the enabled ones) with undici, and answers
 * `502 Bad Gateway` when that instance refuses or drops the connection. It does not retry on
 * another instance (like nginx with `proxy_next_upstream off`), so what a deploy does to the
 * instances shows through to the clients. It counts each instance's requests in flight, which
 * is what draining waits for.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, request } from 'undici';
import { classifyError } from '../probe/classify.ts';
import type { DemoInstance } from './instance.ts';
import { VERSION_HEADER } from './instance.ts';

/** One instance in the balancer's pool, as the admin API reports it. */
export interface PoolEntryStatus {
  id: string;
  /** In the rotation: new requests may go to it. */
  enabled: boolean;
  /** Requests passed to it that have not completed yet. */
  inflight: number;
}

interface PoolEntry {
  instance: DemoInstance;
  enabled: boolean;
  inflight: number;
}

/** Response headers passed back from an instance to the client. */
const PASSED_HEADERS = ['content-type', VERSION_HEADER, 'x-instance'];

/** The load balancer. Create with `DemoBalancer.listen()`. */
export class DemoBalancer {
  private readonly pool: PoolEntry[];
  private readonly agent = new Agent({
    connect: { timeout: 1000 },
    headersTimeout: 3000,
    bodyTimeout: 3000,
  });
  private readonly server: Server;
  /**
   * Where each route's rotation stands. One rotation per route (path), as with one upstream
   * group per route: with a single shared rotation, two clients probing two routes at the same
   * rate would interleave so that each route always lands on the same instance.
   */
  private readonly next = new Map<string, number>();

  private constructor(instances: readonly DemoInstance[]) {
    this.pool = instances.map((instance) => ({ instance, enabled: true, inflight: 0 }));
    this.server = createServer((req, res) => void this.forward(req, res));
    this.server.keepAliveTimeout = 65_000;
  }

  /** Starts a balancer in front of `instances` (all in the rotation) on a port the OS picks. */
  static async listen(instances: readonly DemoInstance[]): Promise<DemoBalancer> {
    const balancer = new DemoBalancer(instances);
    await new Promise<void>((resolve, reject) => {
      balancer.server.once('error', reject);
      balancer.server.listen(0, '127.0.0.1', () => resolve());
    });
    return balancer;
  }

  /** The URL clients (and zerodown's probes) use. */
  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** The pool as the admin API reports it. */
  status(): PoolEntryStatus[] {
    return this.pool.map((e) => ({ id: e.instance.id, enabled: e.enabled, inflight: e.inflight }));
  }

  /**
   * Takes an instance out of the rotation (`enabled: false`) or puts it back. Returns its entry,
   * or undefined for an unknown id. Requests already passed to it go on.
   */
  setEnabled(id: string, enabled: boolean): PoolEntryStatus | undefined {
    const entry = this.pool.find((e) => e.instance.id === id);
    if (!entry) return undefined;
    entry.enabled = enabled;
    return { id, enabled, inflight: entry.inflight };
  }

  /** Stops listening, drops every connection and closes the pool to the instances. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
    await this.agent.close();
  }

  /**
   * The next enabled entry in `route`'s rotation, counted in flight at once (in the same tick as
   * the choice, so a drain never misses a request on its way to the instance).
   */
  private choose(route: string): PoolEntry | undefined {
    const start = this.next.get(route) ?? 0;
    for (let i = 0; i < this.pool.length; i++) {
      const entry = this.pool[(start + i) % this.pool.length]!;
      if (!entry.enabled) continue;
      this.next.set(route, (start + i + 1) % this.pool.length);
      entry.inflight++;
      return entry;
    }
    return undefined;
  }

  private async forward(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const entry = this.choose((req.url ?? '/').split('?')[0]!);
    if (!entry) {
      reply(res, 503, 'no instance in rotation\n');
      return;
    }
    let status: number;
    let headers: Record<string, string>;
    let payload: Buffer;
    try {
      const answer = await request(`${entry.instance.url}${req.url ?? '/'}`, {
        dispatcher: this.agent,
        method: (req.method ?? 'GET') as 'GET',
        body: body.length > 0 ? body : null,
      });
      payload = Buffer.from(await answer.body.arrayBuffer());
      status = answer.statusCode;
      headers = pickHeaders(answer.headers);
    } catch (err) {
      status = 502;
      headers = { 'x-proxy-error': classifyError(err) };
      payload = Buffer.from(`bad gateway: instance ${entry.instance.id}: ${classifyError(err)}\n`);
    } finally {
      entry.inflight--;
    }
    reply(res, status, payload, headers);
  }
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    // A client that goes away mid-request: forward what came; the reply is then dropped.
    req.on('error', () => resolve(Buffer.concat(chunks)));
    req.on('close', () => resolve(Buffer.concat(chunks)));
  });
}

function pickHeaders(from: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of PASSED_HEADERS) {
    const value = from[name];
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

function reply(
  res: ServerResponse,
  status: number,
  body: Buffer | string,
  headers: Record<string, string> = {},
): void {
  if (res.destroyed) return;
  res.writeHead(status, { ...headers, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
