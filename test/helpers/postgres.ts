/**
 * A real PostgreSQL 15 cluster for a test: made with initdb in a temporary folder, listening on
 * 127.0.0.1 at a free port (its socket in that folder too), trust authentication. As
 * root (CI) it runs as the `postgres` user, since postgres refuses to run as root. `destroy()`
 * stops it and removes the folder; so does the process's exit, should a test forget or fail.
 */
import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './serve.ts';

/** Where Debian's postgresql-15 puts its programs. */
export const PG_BIN = '/usr/lib/postgresql/15/bin';

/** A running test cluster. */
export interface PostgresCluster {
  /** `postgres://zerodown@127.0.0.1:<port>/postgres`. */
  url: string;
  port: number;
  /** Stops the server (fast shutdown); the data stays, `start()` brings it back. */
  stop(): void;
  start(): void;
  /** Stops it and removes every file. */
  destroy(): void;
}

const live = new Set<PostgresCluster>();
process.on('exit', () => {
  for (const c of live) c.destroy();
});

/** True when the PostgreSQL 15 programs are installed. */
export function havePostgres(): boolean {
  return existsSync(join(PG_BIN, 'initdb')) && existsSync(join(PG_BIN, 'pg_ctl'));
}

/**
 * Makes and starts a cluster. Tests run it without fsync (their data is thrown away); the
 * benchmark asks for `fsync: true` so a commit costs what it costs in production.
 */
export async function startPostgres(settings: { fsync?: boolean } = {}): Promise<PostgresCluster> {
  const root = mkdtempSync(join(tmpdir(), 'zd-pg-'));
  const data = join(root, 'data');
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const uid = Number(run('id', ['-u', 'postgres'], false).trim());
    const gid = Number(run('id', ['-g', 'postgres'], false).trim());
    chownSync(root, uid, gid);
  }
  const pg = (program: string, args: string[]) =>
    asRoot
      ? run('runuser', ['-u', 'postgres', '--', join(PG_BIN, program), ...args])
      : run(join(PG_BIN, program), args);
  try {
    pg('initdb', [
      '-D',
      data,
      '-A',
      'trust',
      '-U',
      'zerodown',
      '-E',
      'UTF8',
      '--locale=C',
      '--no-sync',
    ]);
  } catch (err) {
    rmSync(root, { recursive: true, force: true });
    throw err;
  }
  const port = await freePort();
  const options = [
    `-p ${port}`,
    `-k ${root}`,
    '-c listen_addresses=127.0.0.1',
    ...(settings.fsync
      ? []
      : ['-c fsync=off', '-c synchronous_commit=off', '-c full_page_writes=off']),
    '-c max_connections=60',
  ].join(' ');
  let running = false;
  const cluster: PostgresCluster = {
    url: `postgres://zerodown@127.0.0.1:${port}/postgres`,
    port,
    start() {
      pg('pg_ctl', [
        '-D',
        data,
        '-l',
        join(root, 'server.log'),
        '-o',
        options,
        '-w',
        '-t',
        '30',
        'start',
      ]);
      running = true;
    },
    stop() {
      if (!running) return;
      running = false;
      pg('pg_ctl', ['-D', data, '-m', 'fast', '-w', '-t', '30', 'stop']);
    },
    destroy() {
      try {
        cluster.stop();
      } catch {
        // removed all the same
      }
      live.delete(cluster);
      rmSync(root, { recursive: true, force: true });
    },
  };
  live.add(cluster);
  try {
    cluster.start();
  } catch (err) {
    cluster.destroy();
    throw err;
  }
  return cluster;
}

function run(program: string, args: string[], check = true): string {
  const r = spawnSync(program, args, { encoding: 'utf8', timeout: 60_000 });
  if (check && r.status !== 0) {
    throw new Error(`${program} ${args.join(' ')}: exit ${r.status}: ${r.stderr || r.stdout}`);
  }
  return r.stdout;
}
