/**
 * `tcp://host:port` probes (contract §9): each probe opens a new connection and, with `tls:`,
 * completes a TLS handshake; then closes it. A success is `connected` (`protocol: tcp`) or
 * `handshake` (`protocol: tls`); a failure keeps the socket's code (`ECONNREFUSED`,
 * `CERT_HAS_EXPIRED`, `DEPTH_ZERO_SELF_SIGNED_CERT`…). The deadline is the engine's: it aborts
 * the socket through `InflightProbe.controller`.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import type { EndpointConfig } from '../config/resolve.ts';
import { classifyError } from './classify.ts';
import { resultWithoutResponse, type InflightProbe } from './inflight.ts';
import type { Prober } from './prober.ts';
import { tlsConnectOptions } from './tls.ts';
import { certificateFacts, type CertificateFacts } from './certificates.ts';

/** Sends one `tcp://` endpoint's probes. */
export class TcpProber implements Prober {
  private readonly endpoint: EndpointConfig;
  private readonly now: () => number;
  private readonly host: string;
  private readonly port: number;
  /** Sockets still open, destroyed by `close()`. */
  private readonly open = new Set<Socket>();
  /** A connect probe is never retried. */
  readonly retries = 0;

  constructor(endpoint: EndpointConfig, now: () => number) {
    this.endpoint = endpoint;
    this.now = now;
    const url = new URL(endpoint.url);
    this.host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    this.port = Number(url.port);
  }

  /** Connects (and shakes hands) once for `probe`. */
  send(probe: InflightProbe): void {
    const tls = this.endpoint.tls !== undefined;
    const socket: Socket = tls
      ? tlsConnect(tlsConnectOptions(this.endpoint))
      : netConnect({ host: this.host, port: this.port });
    this.open.add(socket);
    const finish = (ok: boolean, code: string, certificate?: CertificateFacts) => {
      const endMs = this.now();
      socket.destroy();
      probe.complete(
        resultWithoutResponse(ok, code, { protocol: tls ? 'tls' : 'tcp', certificate }),
        endMs,
      );
    };
    probe.controller = { abort: () => socket.destroy() };
    socket.once(tls ? 'secureConnect' : 'connect', () => {
      const cert = tls ? certificateFacts((socket as TLSSocket).getPeerCertificate()) : undefined;
      finish(true, tls ? 'handshake' : 'connected', cert);
    });
    socket.once('error', (err) => finish(false, classifyError(err)));
    socket.once('close', () => {
      this.open.delete(socket);
      if (!probe.done) finish(false, 'ECONNRESET');
    });
  }

  /** Destroys the sockets still connecting. */
  close(): Promise<void> {
    for (const s of this.open) s.destroy();
    this.open.clear();
    return Promise.resolve();
  }
}
