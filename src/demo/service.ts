/**
 * The demo's sample service, all on loopback and in this process: two backend instances (`a`,
 * `b`) running `v1`, a load balancer in front of them, and the admin API a deploy script drives.
 *
 * ```
 *   zerodown probes ──► balancer ──┬──► instance a (v1)
 *                        (round    └──► instance b (v1)
 *                         robin)         ▲
 *   deploy script ──► admin API ─────────┘ stop · start · drain · enable
 * ```
 */
import { AdminServer } from './admin.ts';
import { DemoBalancer } from './balancer.ts';
import { DemoInstance } from './instance.ts';

/** A running sample service. */
export interface SampleService {
  /** The balancer's URL: what the probes hit. */
  url: string;
  /** The admin API's base URL: what the deploy script calls. */
  adminUrl: string;
  /** Stops the admin API, the balancer and the instances. */
  close(): Promise<void>;
}

/** Options of `startSampleService`. */
export interface SampleServiceOptions {
  /** How long a started instance takes before it accepts connections (ms). */
  bootMs: number;
  /** The version the instances run at first (default `v1`). */
  version?: string;
}

/** The instances' ids, in rotation order. */
export const INSTANCE_IDS = ['a', 'b'] as const;

/** Starts the sample service on ports the OS picks. */
export async function startSampleService(options: SampleServiceOptions): Promise<SampleService> {
  const version = options.version ?? 'v1';
  const instances = await Promise.all(INSTANCE_IDS.map((id) => DemoInstance.launch(id, version)));
  const parts: { close(): Promise<void> }[] = [...instances];
  const closeAll = async () => {
    await Promise.all(parts.map((p) => p.close()));
  };
  try {
    const balancer = await DemoBalancer.listen(instances);
    parts.push(balancer);
    const admin = await AdminServer.listen({ instances, balancer, bootMs: options.bootMs });
    parts.push(admin);
    return { url: balancer.url, adminUrl: admin.url, close: closeAll };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
