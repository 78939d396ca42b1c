/**
 * The sample service's admin API, on its own loopback port: what a deploy script (an
 * orchestrator, a cloud API) uses to stop and start instances and to take them out of the load
 * balancer's rotation. Every answer is JSON.
 *
 * | request                                    | does                                            |
 * |--------------------------------------------|-------------------------------------------------|
 * | `GET  /admin/status`                       | instances (version, state, url) and the pool    |
 * | `POST /admin/instances/:id/stop`           | hard stop: refuses connections, drops sockets   |
 * | `POST /admin/instances/:id/start?version=` | boots that version; it listens after the boot   |
 * | `POST /admin/pool/:id/drain`               | out of the rotation (in-flight requests go on)  |
 * | `POST /admin/pool/:id/enable`              | back into the rotation                          |
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DemoBalancer, PoolEntryStatus } from './balancer.ts';
import type { DemoInstance, InstanceStatus } from './instance.ts';

/** `GET /admin/status`. */
export interface AdminStatus {
  instances: InstanceStatus[];
  pool: PoolEntryStatus[];
}

/** What the admin API acts on. */
export interface AdminTargets {
  instances: readonly DemoInstance[];
  balancer: DemoBalancer;
  /** How long a started instance takes before it listens (ms). */
  bootMs: number;
}

const ROUTE = /^\/admin\/(instances|pool)\/([\w-]+)\/(stop|start|drain|enable)$/;

/** The admin server. Create with `AdminServer.listen()`. */
export class AdminServer {
  private readonly targets: AdminTargets;
  private readonly server: Server;

  private constructor(targets: AdminTargets) {
    this.targets = targets;
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => send(res, 500, { error: String(err) }));
    });
  }

  /** Starts the admin API on a port the OS picks. */
  static async listen(targets: AdminTargets): Promise<AdminServer> {
    const admin = new AdminServer(targets);
    await new Promise<void>((resolve, reject) => {
      admin.server.once('error', reject);
      admin.server.listen(0, '127.0.0.1', () => resolve());
    });
    return admin;
  }

  /** The admin API's base URL. */
  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** The status `GET /admin/status` answers. */
  status(): AdminStatus {
    return {
      instances: this.targets.instances.map((i) => i.status()),
      pool: this.targets.balancer.status(),
    };
  }

  /** Stops listening and drops every connection. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    req.resume();
    const url = new URL(req.url ?? '/', 'http://admin');
    if (url.pathname === '/admin/status') {
      send(res, 200, this.status());
      return;
    }
    const match = ROUTE.exec(url.pathname);
    if (!match) {
      send(res, 404, { error: `no such admin route: ${url.pathname}` });
      return;
    }
    if (req.method !== 'POST') {
      send(res, 405, { error: 'use POST' });
      return;
    }
    const [, kind, id, action] = match as unknown as [string, string, string, string];
    if (kind === 'pool' && (action === 'drain' || action === 'enable')) {
      const entry = this.targets.balancer.setEnabled(id, action === 'enable');
      if (entry) send(res, 200, entry);
      else send(res, 404, { error: `no instance ${id} in the pool` });
      return;
    }
    const instance = this.targets.instances.find((i) => i.id === id);
    if (kind !== 'instances' || !instance || (action !== 'stop' && action !== 'start')) {
      send(res, 404, { error: `no such admin action: ${url.pathname}` });
      return;
    }
    if (action === 'stop') await instance.stop();
    else
      await instance.start(
        url.searchParams.get('version') ?? instance.version,
        this.targets.bootMs,
      );
    send(res, 200, instance.status());
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body) + '\n';
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}
