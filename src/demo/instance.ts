/**
 * One backend instance of the demo's sample service: a node:http server on loopback that answers
 * `/`, `/api/orders` and `/healthz`, names its version in the `x-app-version` header, and can be
 * stopped (a hard stop: the listener closes and every socket is destroyed) and started again
 * after a boot delay, on the same port when it is still free.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The response header that names the version which answered. */
export const VERSION_HEADER = 'x-app-version';

/** Where an instance is in its life. */
export type InstanceState = 'up' | 'booting' | 'down';

/** An instance as the admin API reports it. */
export interface InstanceStatus {
  id: string;
  version: string;
  state: InstanceState;
  /** `http://127.0.0.1:<port>`; the port is kept across restarts when it is still free. */
  url: string;
}

/** A backend instance. Create with `DemoInstance.launch()`. */
export class DemoInstance {
  readonly id: string;
  private versionName: string;
  private stateName: InstanceState = 'down';
  private server: Server | undefined;
  private port = 0;
  private bootTimer: NodeJS.Timeout | undefined;
  /** Bumped by every stop: a boot that finishes after a later stop closes again. */
  private generation = 0;

  private constructor(id: string, version: string) {
    this.id = id;
    this.versionName = version;
  }

  /** Starts an instance of `version` at once (no boot delay) on a port the OS picks. */
  static async launch(id: string, version: string): Promise<DemoInstance> {
    const instance = new DemoInstance(id, version);
    await instance.listen();
    return instance;
  }

  get version(): string {
    return this.versionName;
  }

  get state(): InstanceState {
    return this.stateName;
  }

  /** The instance's base URL (also while it is down: connecting to it is then refused). */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The admin API's view of this instance. */
  status(): InstanceStatus {
    return { id: this.id, version: this.versionName, state: this.stateName, url: this.url };
  }

  /**
   * Stops at once, like a killed process: no new connections (they are refused) and every open
   * socket destroyed, requests in flight included.
   */
  async stop(): Promise<void> {
    clearTimeout(this.bootTimer);
    this.bootTimer = undefined;
    this.generation++;
    const server = this.server;
    this.server = undefined;
    this.stateName = 'down';
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }

  /** Stops for good (the same as `stop`). */
  close(): Promise<void> {
    return this.stop();
  }

  /**
   * Starts `version` after `bootMs` (the time a real process takes to boot); returns at once.
   * Until then the port refuses connections. A running instance is stopped first.
   */
  async start(version: string, bootMs: number): Promise<void> {
    await this.stop();
    this.versionName = version;
    this.stateName = 'booting';
    this.bootTimer = setTimeout(() => {
      this.bootTimer = undefined;
      this.listen().catch((err: unknown) => {
        this.stateName = 'down';
        process.stderr.write(`demo: instance ${this.id} could not start: ${String(err)}\n`);
      });
    }, bootMs);
  }

  private async listen(): Promise<void> {
    const generation = this.generation;
    const server = createServer((req, res) => this.answer(req, res));
    // Longer than the load balancer's pool keeps idle connections, so it never reuses one that
    // the instance is closing at that very moment.
    server.keepAliveTimeout = 65_000;
    try {
      await listenOn(server, this.port);
    } catch (err) {
      // The old port was taken meanwhile: take any free one (the balancer follows `url`).
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || this.port === 0) throw err;
      await listenOn(server, 0);
    }
    if (generation !== this.generation) {
      server.close();
      return;
    }
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
    this.stateName = 'up';
  }

  private answer(req: IncomingMessage, res: ServerResponse): void {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    res.setHeader(VERSION_HEADER, this.versionName);
    res.setHeader('x-instance', this.id);
    if (path === '/healthz') {
      res.end('ok\n');
    } else if (path === '/') {
      res.setHeader('content-type', 'text/plain');
      res.end(`hello from instance ${this.id} (${this.versionName})\n`);
    } else if (path === '/api/orders') {
      // A little work, so that requests really are in flight while an instance drains.
      setTimeout(() => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ orders: [{ id: 1, item: 'coffee' }], by: this.id }));
      }, 30);
    } else {
      res.statusCode = 404;
      res.end('not found\n');
    }
  }
}

function listenOn(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
}
