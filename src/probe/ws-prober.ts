/**
 * `ws://` and `wss://` probes (contract §9): `connections: N` WebSocket connections ("lanes")
 * held open; probe `seq` checks lane `seq % N`.
 *
 *   lane open                  → ok (`ws:open`), or with `ws.ping` / `ws.send` once the pong /
 *                                answer arrives before the deadline (`ws:pong`, `ws:message`)
 *   lane dropped (not 1000/1001) → the next probe on it fails as `ws:<close code>` (`ws:1006`);
 *                                a reconnect starts at once
 *   lane down, reconnecting    → the probe waits for that attempt; refused → `ECONNREFUSED`
 *   lane down, no attempt left → the probe makes one (reconnects are paced by the probes)
 *   graceful close (1000/1001) → a reconnect starts at once and the probe waits for it: a
 *                                server that drains and accepts again costs no downtime
 *
 * The first probe on a lane after a drop carries its close code (`closeCode`), so the stats
 * count drops and drained closes per lane from the outcomes alone.
 */
import WebSocket from 'ws';
import type { EndpointConfig } from '../config/resolve.ts';
import { classifyError } from './classify.ts';
import { resultWithoutResponse, type InflightProbe, type ProbeResult } from './inflight.ts';
import type { Prober } from './prober.ts';
import { tlsConnectOptions } from './tls.ts';
import { certificateFacts, type CertificateFacts } from './certificates.ts';
import type { TLSSocket } from 'node:tls';

/** Close codes of a connection closed on purpose (normal, going away): a drain, not a fault. */
export const GRACEFUL_CLOSE_CODES: ReadonlySet<number> = new Set([1000, 1001]);

/** A check's answer; `closeCode`: the drop it saw; `again`: drained, check the new connection. */
interface Checked {
  ok: boolean;
  code: string;
  closeCode?: number | undefined;
  again?: boolean | undefined;
}
type Waiter = (r: Checked) => void;

/** One connection held open, and what its next probe must report. */
interface Lane {
  socket: WebSocket | undefined;
  open: boolean;
  /** The connect under way: resolves with undefined once open, else the failure code. */
  connecting: Promise<string | undefined> | undefined;
  /** A close code the next probe on this lane reports (then forgets). */
  closeCode: number | undefined;
  /** Pings or messages sent and not yet answered, oldest first. */
  waiters: Waiter[];
  /** wss://: the server certificate of the open connection, recorded with each of its probes. */
  certificate: CertificateFacts | undefined;
}

/** Sends one `ws://` endpoint's probes over its held-open connections. */
export class WsProber implements Prober {
  private readonly endpoint: EndpointConfig;
  private readonly now: () => number;
  private readonly lanes: Lane[];
  private closed = false;
  /** A probe is never retried. */
  readonly retries = 0;

  constructor(endpoint: EndpointConfig, now: () => number) {
    this.endpoint = endpoint;
    this.now = now;
    const n = endpoint.ws?.connections ?? 1;
    this.lanes = Array.from({ length: n }, () => ({
      socket: undefined,
      open: false,
      connecting: undefined,
      closeCode: undefined,
      waiters: [],
      certificate: undefined,
    }));
    for (const lane of this.lanes) lane.connecting = this.connect(lane);
  }

  /** Checks lane `seq % N` for `probe`. */
  send(probe: InflightProbe): void {
    // Primers (seq -1, before time zero) check the first lane.
    const lane = this.lanes[Math.max(0, probe.seq) % this.lanes.length]!;
    const closeCode = lane.closeCode;
    lane.closeCode = undefined;
    const finish = (ok: boolean, code: string) => {
      const endMs = this.now();
      probe.complete(this.result(ok, code, closeCode), endMs);
    };
    if (closeCode !== undefined && !GRACEFUL_CLOSE_CODES.has(closeCode)) {
      finish(false, `ws:${closeCode}`);
      return;
    }
    void this.check(lane, probe).then((r) => {
      const endMs = this.now();
      const cert = r.ok ? lane.certificate : undefined;
      probe.complete(this.result(r.ok, r.code, r.closeCode ?? closeCode, cert), endMs);
    });
  }

  /** Waits for the lane to be open (connecting if nobody is), then runs the configured check. */
  private async check(lane: Lane, probe: InflightProbe): Promise<Checked> {
    if (!lane.open) {
      lane.connecting ??= this.connect(lane);
      const failed = await lane.connecting;
      if (failed !== undefined) return { ok: false, code: failed };
      if (probe.done) return { ok: false, code: 'timeout' };
    }
    const socket = lane.socket!;
    const ws = this.endpoint.ws!;
    if (!ws.ping && ws.send === undefined) return { ok: true, code: 'ws:open' };
    const r = await new Promise<Checked>((resolve) => {
      const waiter: Waiter = resolve;
      lane.waiters.push(waiter);
      probe.controller = {
        abort: () => {
          const i = lane.waiters.indexOf(waiter);
          // Keep its place so later answers still pair with later requests.
          if (i >= 0) lane.waiters[i] = () => undefined;
        },
      };
      if (ws.ping) socket.ping();
      else socket.send(ws.send!);
    });
    if (!r.again || probe.done) return r;
    const next = await this.check(lane, probe);
    return { ...next, closeCode: next.closeCode ?? r.closeCode };
  }

  /** Opens the lane's connection; resolves with undefined once open, else the failure code. */
  private connect(lane: Lane): Promise<string | undefined> {
    if (this.closed) return Promise.resolve('closed');
    const e = this.endpoint;
    const tls = e.tls === undefined ? {} : tlsConnectOptions(e);
    const socket = new WebSocket(e.url, {
      headers: e.headers,
      handshakeTimeout: e.timeoutMs,
      perMessageDeflate: false,
      // A hostile server cannot make zerodown buffer more than this per message.
      maxPayload: 1 << 20,
      ...(e.tls === undefined
        ? {}
        : {
            ca: tls.ca,
            rejectUnauthorized: tls.rejectUnauthorized,
            servername: tls.servername,
          }),
    });
    lane.socket = socket;
    return new Promise((resolve) => {
      let failure: string | undefined;
      socket.on('unexpected-response', (_req, res) => {
        failure = String(res.statusCode);
        socket.terminate();
      });
      socket.on('error', (err) => {
        failure ??= classifyError(err);
      });
      socket.once('upgrade', (res) => {
        const tlsSocket = res.socket as TLSSocket;
        lane.certificate =
          typeof tlsSocket.getPeerCertificate === 'function'
            ? certificateFacts(tlsSocket.getPeerCertificate())
            : undefined;
      });
      socket.once('open', () => {
        lane.open = true;
        lane.connecting = undefined;
        resolve(undefined);
      });
      socket.on('pong', () => lane.waiters.shift()?.({ ok: true, code: 'ws:pong' }));
      socket.on('message', (data) => {
        const expect = this.endpoint.ws?.expect;
        const text = Buffer.isBuffer(data)
          ? data.toString('utf8')
          : Buffer.concat(Array.isArray(data) ? data : [Buffer.from(data)]).toString('utf8');
        const ok = expect === undefined || text.includes(expect);
        lane.waiters.shift()?.({ ok, code: ok ? 'ws:message' : 'ws:unexpected-message' });
      });
      socket.once('close', (code: number) => {
        if (lane.socket === socket) lane.socket = undefined;
        if (!lane.open) {
          lane.connecting = undefined;
          resolve(failure ?? `ws:${code}`);
          return;
        }
        lane.open = false;
        const waiting = lane.waiters.splice(0);
        if (this.closed) return;
        if (GRACEFUL_CLOSE_CODES.has(code)) {
          lane.closeCode = code;
          // A drained connection: reconnect now; checks under way go to the new one.
          lane.connecting = this.connect(lane);
          waiting.forEach((w, i) =>
            w({
              ok: false,
              code: `ws:${code}`,
              closeCode: i === 0 ? code : undefined,
              again: true,
            }),
          );
          if (waiting.length > 0) lane.closeCode = undefined;
          return;
        }
        // Checks under way report the drop; else the next probe on the lane does.
        waiting.forEach((w, i) =>
          w({ ok: false, code: `ws:${code}`, closeCode: i === 0 ? code : undefined }),
        );
        if (waiting.length === 0) lane.closeCode = code;
        lane.connecting = this.connect(lane);
      });
    });
  }

  private result(
    ok: boolean,
    code: string,
    closeCode: number | undefined,
    certificate?: CertificateFacts,
  ): ProbeResult {
    return resultWithoutResponse(ok, code, { protocol: 'ws', certificate, closeCode });
  }

  /** Closes every connection (a normal close, 1000). */
  close(): Promise<void> {
    this.closed = true;
    const closing = this.lanes.map(
      (lane) =>
        new Promise<void>((resolve) => {
          const s = lane.socket;
          if (!s || s.readyState === WebSocket.CLOSED) return resolve();
          const timer = setTimeout(() => {
            s.terminate();
            resolve();
          }, 500);
          s.once('close', () => {
            clearTimeout(timer);
            resolve();
          });
          if (s.readyState === WebSocket.CONNECTING) s.terminate();
          else s.close(1000);
        }),
    );
    return Promise.all(closing).then(() => undefined);
  }
}
