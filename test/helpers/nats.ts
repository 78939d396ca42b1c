/**
 * A real `nats-server` with JetStream on a free loopback port and a temporary store directory
 * (Debian package `nats-server`, installed by scripts/system-deps.sh).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A running nats-server. */
export interface NatsServer {
  url: string;
  port: number;
  /** Stops it (SIGTERM, then SIGKILL) and removes its store unless `keepStore`. */
  stop(keepStore?: boolean): Promise<void>;
  /** Starts it again on the same port and store (after `stop(true)`). */
  restart(): Promise<void>;
}

/** A free loopback TCP port. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Starts nats-server with JetStream; resolves once it accepts clients. */
export async function startNats(port?: number, extra: readonly string[] = []): Promise<NatsServer> {
  const p = port ?? (await freePort());
  const store = mkdtempSync(join(tmpdir(), 'zerodown-nats-'));
  let child: ChildProcess = await launch(p, store, extra);
  return {
    url: `nats://127.0.0.1:${p}`,
    port: p,
    async stop(keepStore = false) {
      await kill(child);
      if (!keepStore) rmSync(store, { recursive: true, force: true });
    },
    async restart() {
      child = await launch(p, store, extra);
    },
  };
}

function launch(port: number, store: string, extra: readonly string[]): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'nats-server',
      ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', store, ...extra],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let log = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`nats-server did not start: ${log}`));
    }, 10_000);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.stderr.on('data', (c: Buffer) => {
      log += c.toString();
      if (log.includes('Server is ready')) {
        clearTimeout(timer);
        resolve(child);
      }
    });
  });
}

function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => child.kill('SIGKILL'), 3000);
    child.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
