/**
 * One probe in flight, whatever its kind, and what a prober reports when it completes. The
 * engine owns the deadline (see engine.ts); a prober completes the probe once.
 */
import type { CertificateFacts } from './certificates.ts';

/** What a prober hands the probe so the deadline can stop its work (an undici controller, a call). */
export interface Abortable {
  abort(reason: Error): void;
}

/** The outcome of one attempt as the prober reports it to the engine. */
export interface ProbeResult {
  ok: boolean;
  code: string;
  status: number | undefined;
  check: string | undefined;
  version: string | undefined;
  /** zerodown could not send it (no sockets/ports): count as skipped, not as a failure. */
  clientSide: boolean;
  /** The protocol that answered (`http/1.1`, `h2`, `grpc`, `tcp`, `ws`), when known. */
  protocol?: string | undefined;
  /** The server certificate of the TLS connection it went over, when there was one. */
  certificate?: CertificateFacts | undefined;
  /** ws://: the close code of a drop of this probe's connection, on the first probe after it. */
  closeCode?: number | undefined;
}

/** One probe in flight; the engine owns its deadline and calls `expire()` at it. */
export class InflightProbe {
  done = false;
  retried = false;
  controller: Abortable | undefined;
  readonly seq: number;
  readonly scheduledMs: number;
  readonly sentMs: number;
  readonly deadlineMs: number;
  readonly onDone: (probe: InflightProbe, result: ProbeResult, endMs: number) => void;

  constructor(
    seq: number,
    scheduledMs: number,
    sentMs: number,
    deadlineMs: number,
    onDone: (probe: InflightProbe, result: ProbeResult, endMs: number) => void,
  ) {
    this.seq = seq;
    this.scheduledMs = scheduledMs;
    this.sentMs = sentMs;
    this.deadlineMs = deadlineMs;
    this.onDone = onDone;
  }

  /** Completes the probe once; later completions (a response after the deadline) are ignored. */
  complete(result: ProbeResult, endMs: number): void {
    if (this.done) return;
    this.done = true;
    this.onDone(this, result, endMs);
  }

  /** The engine's deadline passed: fail as `timeout` and abort the request. */
  expire(nowMs: number): void {
    if (this.done) return;
    this.complete(TIMEOUT, nowMs);
    this.controller?.abort(new Error('zerodown probe deadline'));
  }
}

/** Errors that mean zerodown itself could not send (out of sockets or ports): not the target's. */
const CLIENT_SIDE: ReadonlySet<string> = new Set(['EMFILE', 'ENFILE', 'EADDRNOTAVAIL', 'ENOBUFS']);

/**
 * The result of a probe that got no HTTP response (a connection failed, or a non-HTTP kind's
 * check): no status, check or version; `clientSide` when the code is zerodown's own shortage.
 */
export function resultWithoutResponse(
  ok: boolean,
  code: string,
  more: Pick<ProbeResult, 'protocol' | 'certificate' | 'closeCode'> = {},
): ProbeResult {
  return {
    ok,
    code,
    status: undefined,
    check: undefined,
    version: undefined,
    clientSide: CLIENT_SIDE.has(code),
    ...more,
  };
}

export const TIMEOUT: ProbeResult = {
  ok: false,
  code: 'timeout',
  status: undefined,
  check: undefined,
  version: undefined,
  clientSide: false,
};
