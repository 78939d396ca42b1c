/**
 * The two deploys of the demo, as steps against the sample service's admin API (see admin.ts):
 *
 * - `naive`: stop both instances at once, start the new version, wait until it is healthy.
 *   Nothing serves while the new version boots, so the balancer answers 502.
 * - `rolling`: one instance at a time: take it out of the balancer's rotation, wait for its
 *   in-flight requests to finish, stop it, start the new version, wait until its health check
 *   passes, put it back. The other instance serves all the while.
 *
 * Runs in the deploy script's own process (deploy-script.ts), which zerodown starts as the
 * deploy command; it talks to the service over HTTP only.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { AdminStatus } from './admin.ts';
import type { InstanceStatus } from './instance.ts';
import { VERSION_HEADER } from './instance.ts';

/** The deploy strategies the demo knows. */
export const DEPLOY_MODES = ['naive', 'rolling'] as const;

/** A deploy strategy. */
export type DeployMode = (typeof DEPLOY_MODES)[number];

/**
 * How long a rolling deploy lets a renewed instance take traffic before it takes out the next
 * (Kubernetes' `minReadySeconds`); both versions answer meanwhile.
 */
export const ROLLING_PAUSE_MS = 600;

/** What a deploy needs. */
export interface DeployStepsOptions {
  mode: DeployMode;
  adminUrl: string;
  /** The version to deploy. */
  version: string;
  /** Receives a line per step. */
  log: (line: string) => void;
  /** Longest wait for a drain or a health check (ms). */
  waitLimitMs?: number;
}

/** Runs a deploy to the end; throws when a step fails or a wait runs out. */
export async function runDeploySteps(options: DeployStepsOptions): Promise<void> {
  const admin = new AdminClient(options.adminUrl, options.waitLimitMs ?? 15_000);
  const { version, log } = options;
  const ids = (await admin.status()).instances.map((i) => i.id);
  const all = ids.join(' and ');
  if (options.mode === 'naive') {
    log(`stopping ${all} at once`);
    await Promise.all(ids.map((id) => admin.post(`/admin/instances/${id}/stop`)));
    log(`starting ${version} on ${all}`);
    await Promise.all(ids.map((id) => admin.start(id, version)));
    await Promise.all(ids.map((id) => admin.waitHealthy(id, version)));
    log(`${all} healthy on ${version}`);
    return;
  }
  for (const [i, id] of ids.entries()) {
    if (i > 0) await delay(ROLLING_PAUSE_MS);
    const drained = await admin.post<{ inflight: number }>(`/admin/pool/${id}/drain`);
    const drainStart = performance.now();
    log(`${id}: out of the rotation, ${drained.inflight} request(s) still in flight on it`);
    await admin.waitDrained(id);
    const drainMs = Math.round(performance.now() - drainStart);
    log(`${id}: drained in ${drainMs} ms; stopping it and starting ${version}`);
    await admin.post(`/admin/instances/${id}/stop`);
    await admin.start(id, version);
    await admin.waitHealthy(id, version);
    await admin.post(`/admin/pool/${id}/enable`);
    log(`${id}: healthy on ${version}, back in the rotation`);
  }
}

/** A small client of the admin API. */
class AdminClient {
  private readonly base: string;
  private readonly limitMs: number;

  constructor(base: string, limitMs: number) {
    this.base = base;
    this.limitMs = limitMs;
  }

  async post<T = unknown>(path: string): Promise<T> {
    return this.call<T>('POST', path);
  }

  async start(id: string, version: string): Promise<void> {
    await this.post(`/admin/instances/${id}/start?version=${encodeURIComponent(version)}`);
  }

  status(): Promise<AdminStatus> {
    return this.call<AdminStatus>('GET', '/admin/status');
  }

  /** Waits until the balancer has no request in flight to `id`. */
  async waitDrained(id: string): Promise<void> {
    await this.until(`${id} to drain`, async () => {
      const pool = (await this.status()).pool.find((p) => p.id === id);
      return pool !== undefined && pool.inflight === 0;
    });
  }

  /** Waits until `id` is up and its own health check answers 200 from `version`. */
  async waitHealthy(id: string, version: string): Promise<void> {
    await this.until(`${id} to be healthy on ${version}`, async () => {
      const instance = (await this.status()).instances.find((i) => i.id === id);
      return instance?.state === 'up' && (await healthy(instance, version));
    });
  }

  private async until(what: string, check: () => Promise<boolean>): Promise<void> {
    const deadline = performance.now() + this.limitMs;
    while (!(await check())) {
      if (performance.now() > deadline) {
        throw new Error(`gave up waiting for ${what} after ${this.limitMs} ms`);
      }
      await delay(50);
    }
  }

  private async call<T>(method: string, path: string): Promise<T> {
    const res = await fetch(`${this.base}${path}`, {
      method,
      signal: AbortSignal.timeout(5000),
    });
    const body = (await res.json()) as T & { error?: string };
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${body.error ?? ''}`);
    return body;
  }
}

async function healthy(instance: InstanceStatus, version: string): Promise<boolean> {
  try {
    const res = await fetch(`${instance.url}/healthz`, { signal: AbortSignal.timeout(1000) });
    await res.arrayBuffer();
    return res.status === 200 && res.headers.get(VERSION_HEADER) === version;
  } catch {
    return false;
  }
}
