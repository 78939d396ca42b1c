/**
 * A hub for region tests: nats-server with JetStream listening on an address every region
 * reaches (test/helpers/regions.ts's `targetHost`), and whether this build and machine can run
 * the live hub tests at all.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI } from './cli.ts';
import { cannotMakeRegions } from './regions.ts';

/** The nats-server binary (Debian installs it in /usr/sbin, not always on PATH). */
export const NATS_SERVER = ['nats-server', '/usr/sbin/nats-server', '/usr/bin/nats-server'].find(
  (b) => spawnSync(b, ['--version'], { stdio: 'ignore' }).status === 0,
);

/** Why live hub tests in regions cannot run here (printed as the skip reason), or undefined. */
export function cannotRunRegionHub(): string | undefined {
  const regions = cannotMakeRegions();
  if (regions) return regions;
  if (!NATS_SERVER) return 'nats-server not found: bash scripts/system-deps.sh nats-server';
  // `agent --help` prints the program's help when there is no such command: ask the list.
  const help = spawnSync(process.execPath, [CLI, '--help'], { encoding: 'utf8' });
  if (!/^\s+agent\b/m.test(help.stdout)) return '`zerodown agent` is not in this build';
  return undefined;
}

/** A running nats-server. */
export interface RegionHub {
  url: string;
  stop(): void;
}

/** Starts nats-server -js on `host` (a free port); resolves once it accepts connections. */
export async function startRegionHub(host: string): Promise<RegionHub> {
  const probe = net.createServer().listen(0, host);
  await once(probe, 'listening');
  const { port } = probe.address() as AddressInfo;
  await new Promise((r) => probe.close(r));
  const store = mkdtempSync(join(tmpdir(), 'zd-region-hub-'));
  const child: ChildProcess = spawn(
    NATS_SERVER!,
    ['-js', '-a', host, '-p', String(port), '-sd', store],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr!.on('data', (c: Buffer) => (log += c.toString()));
  const until = Date.now() + 10_000;
  while (!log.includes('Server is ready')) {
    if (child.exitCode !== null || Date.now() > until) {
      child.kill('SIGKILL');
      throw new Error(`nats-server did not start: ${log}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    url: `nats://${host}:${port}`,
    stop: () => {
      child.kill('SIGKILL');
      rmSync(store, { recursive: true, force: true });
    },
  };
}
