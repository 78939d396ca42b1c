/**
 * A scenario backend: a real HTTP service in its own process, with the behaviours deploys run
 * into. Started by the harness (`startBackend`) or by a deploy script (`start_backend` in
 * deploy/lib.sh) as
 *
 *   node backend.ts --name s1 --port 41234 --version v1 --dir <scenario dir>
 *                   [--boot-delay 700] [--ready-after 1000] [--on-term graceful|exit|drain:2000]
 *
 * - every path but /healthz and /__admin/* answers 200 `{"status":"ok","version":"v1",…}` with
 *   `x-app-version: v1`;
 * - `--boot-delay`: waits before it listens (an application booting);
 * - `--ready-after`: listens at once but answers 503 `{"status":"starting"}` everywhere (and on
 *   /healthz) until that long after listening (an instance warming up);
 * - `--on-term`: SIGTERM `graceful` (default: stop accepting, finish requests in flight, close
 *   idle keep-alive connections, exit), `exit` (exit at once), or `drain:<ms>` (stop accepting
 *   but keep serving the keep-alive connections it has for that long, then close them and exit);
 * - `/__admin/fault?status=500|429|hang&ms=1000[&path=/method1]`: answer that status (or hold
 *   requests without ever answering) for `ms`, on one path or all; `&body=<json>` answers 200
 *   with that body instead.
 *
 * Every state change is appended to `<dir>/events.jsonl` (`{ t, ev, name, version, … }`, `t` in
 * epoch ms with sub-ms precision), so a test compares zerodown's windows with what really
 * happened. The process registers itself in `<dir>/pids/` so the harness can end it even when a
 * deploy script started it, and exits by itself when the test process (`--parent`) is gone.
 */
import { appendFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    name: { type: 'string' },
    port: { type: 'string' },
    version: { type: 'string', default: 'v1' },
    dir: { type: 'string' },
    'boot-delay': { type: 'string', default: '0' },
    'ready-after': { type: 'string', default: '0' },
    'on-term': { type: 'string', default: 'graceful' },
    parent: { type: 'string' },
  },
});
if (!args.name || !args.port || !args.dir) {
  throw new Error('usage: backend.ts --name N --port P --dir D [--version V] …');
}
const name = args.name;
const port = Number(args.port);
const version = args.version;
const dir = args.dir;

/** Epoch ms with sub-millisecond precision, comparable across processes. */
const now = (): number => performance.timeOrigin + performance.now();

function event(ev: string, extra: Record<string, unknown> = {}): void {
  const line = JSON.stringify({ t: now(), ev, name, version, pid: process.pid, ...extra });
  appendFileSync(join(dir, 'events.jsonl'), `${line}\n`);
}

// Register for the harness's clean-up and for deploy/lib.sh's stop_backend.
mkdirSync(join(dir, 'pids'), { recursive: true });
mkdirSync(join(dir, 'run'), { recursive: true });
const pidFile = join(dir, 'pids', String(process.pid));
writeFileSync(pidFile, `backend ${name}\n`);
writeFileSync(join(dir, 'run', `${name}.pid`), `${process.pid}\n`);
process.on('exit', () => rmSync(pidFile, { force: true }));

// The watchdog of last resort: never outlive the test.
const parent = Number(args.parent ?? process.ppid);
setInterval(() => {
  try {
    process.kill(parent, 0);
  } catch {
    process.exit(0);
  }
}, 500).unref();

interface Fault {
  status: number | 'hang' | 'body';
  body: string | undefined;
  path: string | undefined;
  untilMs: number;
  /** Requests answered with the fault so far (reported at `fault-end`). */
  answered: number;
}
let fault: Fault | undefined;
let readyAtMs = Infinity;
let unready = { answers: 0, firstT: 0, lastT: 0 };
let terminating = false;
/** After SIGTERM (and any drain period): answers say `connection: close`. */
let closeConnections = false;
const held = new Set<http.ServerResponse>();

const server = http.createServer((req, res) => handle(req, res));
server.keepAliveTimeout = 10_000;
const sockets = new Set<net.Socket>();
// A listener of its own, handing connections to the HTTP server: closing it stops new
// connections without touching the ones already open (what `drain:` needs).
const listener = net.createServer((socket) => {
  sockets.add(socket);
  socket.on('close', () => sockets.delete(socket));
  server.emit('connection', socket);
});

function handle(req: http.IncomingMessage, res: http.ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://backend');
  if (url.pathname.startsWith('/__admin/')) return admin(url, res);
  if (closeConnections) res.setHeader('connection', 'close');
  res.setHeader('x-app-version', version);
  const t = now();
  if (t < readyAtMs) {
    unready.answers++;
    unready.firstT ||= t;
    unready.lastT = t;
    return json(res, 503, { status: 'starting', version });
  }
  if (url.pathname === '/healthz') return json(res, 200, { status: 'ok', version });
  const f = fault && (fault.path === undefined || fault.path === url.pathname) ? fault : undefined;
  if (f && t < f.untilMs) {
    f.answered++;
    if (f.status === 'hang') {
      // Accepted, never answered: the client's deadline must fire.
      held.add(res);
      res.on('close', () => held.delete(res));
      return;
    }
    if (f.status === 'body') {
      res.setHeader('content-type', 'application/json');
      res.end(f.body);
      return;
    }
    return json(res, f.status, { status: 'error', version, path: url.pathname });
  }
  json(res, 200, { status: 'ok', version, path: url.pathname });
}

function json(res: http.ServerResponse, status: number, body: unknown): void {
  res.statusCode = status;
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify(body));
}

function admin(url: URL, res: http.ServerResponse): void {
  const q = url.searchParams;
  if (url.pathname === '/__admin/fault') {
    const ms = Number(q.get('ms') ?? '1000');
    const s = q.get('status') ?? '500';
    const body = q.get('body') ?? undefined;
    const status = body !== undefined ? 'body' : s === 'hang' ? 'hang' : Number(s);
    const path = q.get('path') ?? undefined;
    // The fault is a span of arrival times, [start, start + ms), checked on each request: its
    // real length is `ms` exactly, however late the timer below fires on a busy machine.
    const startT = now();
    const f: Fault = { status, body, path, untilMs: startT + ms, answered: 0 };
    fault = f;
    event('fault-start', { status, path, ms, untilT: startT + ms });
    setTimeout(() => event('fault-end', { status, path, answered: f.answered }), ms);
    res.end('fault started\n');
    return;
  }
  res.statusCode = 404;
  res.end('unknown admin command\n');
}

function onTerm(): void {
  if (terminating) return;
  terminating = true;
  const mode = args['on-term'];
  listener.close();
  event('closed', { mode });
  if (mode === 'exit') process.exit(0);
  const drainMs = mode.startsWith('drain:') ? Number(mode.slice('drain:'.length)) : 0;
  setTimeout(() => {
    if (drainMs > 0) event('drained');
    closeConnections = true;
    server.closeIdleConnections();
    for (const res of held) res.socket?.destroy();
    // Requests in flight finish (their answers close the connection), then exit; a connection
    // still open after 5 s is cut.
    setInterval(() => sockets.size === 0 && process.exit(0), 10);
    setTimeout(() => process.exit(0), 5000).unref();
  }, drainMs);
}
process.on('SIGTERM', onTerm);
process.on('SIGINT', onTerm);

setTimeout(() => {
  listener.listen(port, '127.0.0.1', () => {
    event('listening');
    const readyAfter = Number(args['ready-after']);
    if (readyAfter > 0) {
      readyAtMs = now() + readyAfter;
      setTimeout(() => {
        event('ready', { unreadyAnswers: unready.answers, ...firstLast() });
        unready = { answers: 0, firstT: 0, lastT: 0 };
      }, readyAfter);
    } else {
      readyAtMs = 0;
      event('ready');
    }
  });
}, Number(args['boot-delay']));

function firstLast(): { firstUnreadyT?: number; lastUnreadyT?: number } {
  return unready.answers > 0 ? { firstUnreadyT: unready.firstT, lastUnreadyT: unready.lastT } : {};
}
