/**
 * The benchmark's target: a private nginx on 127.0.0.1 (its own prefix, config and logs in a
 * temp folder, no daemon, one worker) serving a 3-byte static answer and logging every request
 * with `$msec` (arrival time, ms resolution) and `$connection` (connection serial number).
 */
import { spawnSync } from 'node:child_process';
import {
  closeSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import {
  delay,
  freePort,
  makeTempDir,
  removeTempDir,
  SERVER_CPU,
  startChild,
  type Started,
} from './proc.ts';

/** One request as nginx logged it. */
export interface Arrival {
  /** Epoch milliseconds (integer: `$msec` has ms resolution). */
  ms: number;
  /** nginx's connection serial number. */
  connection: number;
  status: number;
}

/** Log flush interval of the access log buffer, ms (read the log only after twice this). */
const FLUSH_MS = 100;

/** A running private nginx. */
export class Nginx {
  readonly port: number;
  readonly url: string;
  readonly version: string;
  private readonly dir: string;
  private readonly logFile: string;
  private readonly proc: Started;
  private stopped = false;
  private exited = false;

  private constructor(port: number, dir: string, version: string, proc: Started) {
    this.port = port;
    this.url = `http://127.0.0.1:${port}/`;
    this.dir = dir;
    this.version = version;
    this.logFile = join(dir, 'logs', 'access.log');
    this.proc = proc;
    void proc.done.then(() => (this.exited = true));
  }

  /** Starts nginx on a free port and waits until it answers. */
  static async start(): Promise<Nginx> {
    const bin = findNginx();
    const version = spawnSync(bin, ['-v'])
      .stderr.toString()
      .trim()
      .replace(/^nginx version: /, '');
    const port = await freePort();
    const dir = makeTempDir('zerodown-bench-nginx-');
    mkdirSync(join(dir, 'logs'));
    mkdirSync(join(dir, 'tmp'));
    writeFileSync(join(dir, 'logs', 'access.log'), '');
    const conf = join(dir, 'nginx.conf');
    writeFileSync(conf, nginxConfig(port));
    const proc = startChild(
      bin,
      ['-p', dir, '-c', conf, '-e', join(dir, 'logs', 'error.log'), '-g', 'daemon off;'],
      { cpu: SERVER_CPU, limitMs: 3 * 3600_000 },
    );
    const ngx = new Nginx(port, dir, version, proc);
    for (let i = 0; i < 50; i++) {
      if (await answers(ngx.url)) return ngx;
      await delay(100);
    }
    await ngx.stop();
    const finished = await proc.done;
    throw new Error(`nginx did not start: ${finished.stderr.trim()}`);
  }

  /** The current end of the access log: pass it to `arrivalsSince` after a trial. */
  async mark(): Promise<number> {
    await delay(2 * FLUSH_MS + 50);
    return statSync(this.logFile).size;
  }

  /** Every request logged after `offset` (waits for the log buffer to be flushed first). */
  async arrivalsSince(offset: number): Promise<Arrival[]> {
    await delay(2 * FLUSH_MS + 50);
    const size = statSync(this.logFile).size;
    const buf = Buffer.alloc(size - offset);
    const fd = openSync(this.logFile, 'r');
    try {
      readSync(fd, buf, 0, buf.length, offset);
    } finally {
      closeSync(fd);
    }
    const out: Arrival[] = [];
    for (const line of buf.toString('latin1').split('\n')) {
      const [msec, conn, status] = line.split(' ');
      if (msec === undefined || conn === undefined || status === undefined) continue;
      out.push({ ms: Math.round(Number(msec) * 1000), connection: Number(conn), status: +status });
    }
    return out;
  }

  /** The master and worker pids (whose CPU time is the server's). */
  pids(): number[] {
    return [this.proc.pid, ...childPids(this.proc.pid)];
  }

  /** Stops nginx (SIGTERM, then SIGKILL) and removes its folder. Safe to call twice. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.stopSync('SIGTERM');
    const done = await Promise.race([this.proc.done, delay(3000)]);
    if (done === undefined) this.stopSync('SIGKILL');
    removeTempDir(this.dir);
  }

  /** Synchronous last resort for `process.on('exit')`: signals the master and its workers. */
  stopSync(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (this.exited) return;
    const pids = [this.proc.pid];
    if (signal === 'SIGKILL') pids.unshift(...childPids(this.proc.pid));
    for (const pid of pids) {
      try {
        process.kill(pid, signal);
      } catch {
        // already gone
      }
    }
  }
}

function nginxConfig(port: number): string {
  return `# zerodown benchmark target (generated)
worker_processes 1;
worker_rlimit_nofile 65536;
pid nginx.pid;
events { worker_connections 16384; }
http {
  access_log off;
  log_format bench '$msec $connection $status';
  client_body_temp_path tmp;
  proxy_temp_path tmp;
  fastcgi_temp_path tmp;
  uwsgi_temp_path tmp;
  scgi_temp_path tmp;
  # A connection is never closed by nginx during a trial: no reconnects to confound rates.
  keepalive_requests 100000000;
  keepalive_timeout 75s;
  server {
    listen 127.0.0.1:${port} backlog=4096;
    access_log logs/access.log bench buffer=64k flush=${FLUSH_MS}ms;
    location / {
      default_type text/plain;
      return 200 "ok\\n";
    }
  }
}
`;
}

function findNginx(): string {
  for (const p of ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/local/nginx/sbin/nginx']) {
    if (spawnSync(p, ['-v']).status === 0) return p;
  }
  if (spawnSync('nginx', ['-v']).status === 0) return 'nginx';
  throw new Error('nginx not found: run `bash scripts/system-deps.sh nginx`');
}

function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

async function answers(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(500) });
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}
