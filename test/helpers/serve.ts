/** Starting `zerodown serve` (the built binary) as a real background process for tests. */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { CLI } from './cli.ts';
import assert from 'node:assert/strict';

/** A free TCP port on 127.0.0.1 (bound and released). */
export async function freePort(): Promise<number> {
  const s = createServer();
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

/** A running `zerodown serve`. */
export interface ServeProcess {
  child: ChildProcess;
  url: string;
  output: () => string;
  stop: (signal?: NodeJS.Signals) => Promise<number | null>;
}

/**
 * Starts `zerodown serve ...args` on a free port and waits until /healthz answers. Without a
 * `--data-dir` in `args` it gets a temporary one of its own (removed when the process exits):
 * serve's default, `.zerodown` in the working directory, would be shared by every test and
 * restore one test's run into the next.
 */
export async function startServe(
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
): Promise<ServeProcess> {
  const own = args.includes('--data-dir') ? undefined : mkdtempSync(join(tmpdir(), 'zd-serve-'));
  const dataDir = own === undefined ? [] : ['--data-dir', own];
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', ...dataDir, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      if (own !== undefined) rmSync(own, { recursive: true, force: true });
      resolve(code);
    }),
  );
  // Port 0: the server picks a free port and says which; no race with other processes.
  const until = Date.now() + 15_000;
  let url: string | undefined;
  while (url === undefined) {
    if (child.exitCode !== null) throw new Error(`serve exited ${child.exitCode}: ${out}`);
    url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
    if (Date.now() > until) throw new Error(`serve did not come up: ${out}`);
    if (url === undefined) await new Promise((r) => setTimeout(r, 50));
  }
  assert.ok((await fetch(`${url}/healthz`)).ok);
  return {
    child,
    url,
    output: () => out,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
