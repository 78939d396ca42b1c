/** Loopback ports and readiness polls for the scenario harness. */
import { spawnSync } from 'node:child_process';
import net from 'node:net';

/**
 * A port that was free a moment ago (bound to 0, then closed). Another process could take it
 * before it is used; on a test machine that is rare, and the start-up checks would say so.
 */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Polls `url` until it answers with `status` (any status when omitted), or throws. */
export async function waitForHttp(
  url: string,
  options: { status?: number; timeoutMs?: number; what?: string } = {},
): Promise<void> {
  const until = Date.now() + (options.timeoutMs ?? 10_000);
  let last = 'no answer';
  while (Date.now() < until) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (options.status === undefined || res.status === options.status) return;
      last = `status ${res.status}`;
    } catch (err) {
      last = String((err as Error).cause ?? err);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`${options.what ?? url} not ready: ${last}`);
}

/** The first of `candidates` that runs (`<bin> -v` exits 0), or throws naming the package. */
export function findBinary(candidates: readonly string[], pkg: string): string {
  for (const bin of candidates) {
    if (spawnSync(bin, ['-v'], { stdio: 'ignore' }).status === 0) return bin;
  }
  throw new Error(`${pkg} not found: run \`bash scripts/system-deps.sh ${pkg}\``);
}
