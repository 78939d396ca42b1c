/**
 * Warms the probe code path before a run touches its target: a burst of requests through the
 * same prober, pool and HTTP parser to a throwaway server on loopback inside this process. A
 * cold process sends its first few hundred requests several times slower than a warm one (lazy
 * compilation, the parser's WebAssembly, inline caches), so without this the target's first
 * 100–200 ms of probes arrive short of the rate. Bounded in count and time; the target never
 * sees these requests.
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { EndpointConfig } from '../config/resolve.ts';
import { HttpProber } from './http-prober.ts';
import { InflightProbe } from './inflight.ts';

/** Requests sent through the code path… */
export const WARM_REQUESTS = 300;
/** …this many at a time… */
const WARM_CONCURRENCY = 4;
/** …for at most this long (ms). */
const WARM_BUDGET_MS = 400;

/** Then idle this long (ms). */
const SETTLE_MS = 50;

/**
 * node:http taken as the CommonJS module, not through `import`: building the ESM namespace reads
 * every export, and node:http's lazy `WebSocket`/`MessageEvent` exports load Node's own bundled
 * undici and web streams on the way, ~13 MiB of memory for every probing process.
 */
const http = process.getBuiltinModule('node:http');

/** Sends {@link WARM_REQUESTS} requests shaped like `endpoint`'s to a loopback server here. */
export async function warmCodePath(endpoint: EndpointConfig): Promise<void> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => res.end('ok'));
  });
  server.listen(0, '127.0.0.1');
  try {
    await once(server, 'listening');
  } catch {
    return; // no loopback listener here: run cold rather than fail
  }
  const { port } = server.address() as AddressInfo;
  const url = new URL(endpoint.url);
  const local: EndpointConfig = {
    ...endpoint,
    url: `http://127.0.0.1:${port}${url.pathname}${url.search}`,
    connection: 'keepalive',
  };
  const t0 = performance.now();
  const now = () => performance.now() - t0;
  const prober = new HttpProber(local, now);
  let sent = 0;
  let done = 0;
  await new Promise<void>((resolve) => {
    const deadline = setTimeout(resolve, WARM_BUDGET_MS);
    const next = (): void => {
      if (sent >= WARM_REQUESTS || now() >= WARM_BUDGET_MS) {
        if (done === sent) {
          clearTimeout(deadline);
          resolve();
        }
        return;
      }
      const at = now();
      sent++;
      prober.send(
        new InflightProbe(-1, at, at, at + WARM_BUDGET_MS, () => {
          done++;
          setImmediate(next);
        }),
      );
    };
    for (let i = 0; i < WARM_CONCURRENCY; i++) next();
  });
  await prober.close();
  server.closeAllConnections();
  server.close();
  // Idle for a moment: the optimizing compiler finishes what the burst queued on its own
  // threads instead of competing with the first probes for the CPU.
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
}
