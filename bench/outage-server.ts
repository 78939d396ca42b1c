/**
 * A target with one scripted outage, for the detection section: a node HTTP server on 127.0.0.1
 * that answers 200 `ok`, and `--after-ms` after its first request goes down for `--outage-ms`:
 *
 *   --mode 503      answers 503 to every request
 *   --mode refuse   closes the listening socket and every connection (clients get ECONNREFUSED),
 *                   then listens again on the same port
 *   --mode reset    resets the connection of every request (socket.resetAndDestroy())
 *
 * It prints JSON lines on stdout: `listening` (with the port), `outage-start` and `outage-end`
 * (with the exact epoch time the server switched, `epochMs`, sub-millisecond), and `summary` on
 * SIGTERM/SIGINT or after `--life-ms` (then it exits).
 *
 *   node bench/outage-server.ts --mode 503 --outage-ms 1000 --after-ms 1500
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    mode: { type: 'string', default: '503' },
    port: { type: 'string', default: '0' },
    'after-ms': { type: 'string', default: '1500' },
    'outage-ms': { type: 'string', default: '1000' },
    'life-ms': { type: 'string', default: '60000' },
  },
});
const mode = values.mode;
if (mode !== '503' && mode !== 'refuse' && mode !== 'reset') {
  throw new Error(`--mode: 503, refuse or reset, not ${mode}`);
}
const afterMs = Number(values['after-ms']);
const outageMs = Number(values['outage-ms']);

/** Epoch milliseconds with sub-millisecond resolution (monotonic within this process). */
const epochMs = () => performance.timeOrigin + performance.now();
const emit = (event: string, data: Record<string, unknown> = {}) =>
  process.stdout.write(`${JSON.stringify({ event, ...data })}\n`);

let down = false;
let outageStart: number | undefined;
let outageEnd: number | undefined;
const counts = { requests: 0, ok: 0, answered503: 0, resets: 0, duringOutage: 0 };
let firstRequestMs: number | undefined;
let lastRequestMs: number | undefined;
let port = Number(values.port);
let server: Server = listen();

function handle(req: IncomingMessage, res: ServerResponse): void {
  const now = epochMs();
  counts.requests++;
  lastRequestMs = now;
  if (firstRequestMs === undefined) {
    firstRequestMs = now;
    setTimeout(startOutage, afterMs);
  }
  if (down) {
    counts.duringOutage++;
    if (mode === 'reset') {
      counts.resets++;
      req.socket.resetAndDestroy();
      return;
    }
    counts.answered503++;
    res.writeHead(503, { 'content-type': 'text/plain' }).end('down\n');
    return;
  }
  counts.ok++;
  res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
}

function listen(): Server {
  const s = createServer({ keepAliveTimeout: 10_000 }, handle);
  s.listen(port, '127.0.0.1', () => {
    const addr = s.address();
    if (typeof addr === 'object' && addr) port = addr.port;
    if (outageStart === undefined) emit('listening', { port });
  });
  return s;
}

function startOutage(): void {
  if (mode === 'refuse') {
    server.close();
    server.closeAllConnections();
  }
  down = true;
  outageStart = epochMs();
  emit('outage-start', { mode, epochMs: outageStart });
  // A timer fires late, never early (by several ms on a busy machine): wake 20 ms before, then
  // wait out the rest exactly (endOutage polls with setImmediate, never blocking requests).
  setTimeout(endOutage, Math.max(0, outageMs - 20));
}

function endOutage(): void {
  // Wait out the last few ms without blocking: requests arriving meanwhile are still handled
  // (and still find the server down), so the outage ends for them exactly on time.
  if (epochMs() < outageStart! + outageMs) {
    setImmediate(endOutage);
    return;
  }
  if (mode === 'refuse') server = listen();
  down = false;
  outageEnd = epochMs();
  emit('outage-end', { mode, epochMs: outageEnd, durationMs: outageEnd - outageStart! });
}

function finish(): void {
  emit('summary', {
    mode,
    outageStartMs: outageStart ?? null,
    outageEndMs: outageEnd ?? null,
    outageMs: outageStart !== undefined && outageEnd !== undefined ? outageEnd - outageStart : null,
    firstRequestMs: firstRequestMs ?? null,
    lastRequestMs: lastRequestMs ?? null,
    ...counts,
  });
  process.exit(0);
}

process.on('SIGTERM', finish);
process.on('SIGINT', finish);
setTimeout(finish, Number(values['life-ms']));
