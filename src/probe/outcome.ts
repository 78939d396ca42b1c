/**
 * The one record that flows from the engine to every accumulator, as vegeta's `Result` does.
 * A probe failure is data here, never an exception.
 */
import type { CertificateFacts } from './certificates.ts';

export interface ProbeOutcome {
  /** Index of the endpoint in the config. */
  endpoint: number;
  /** Sequence number within the endpoint, from 0, in scheduled-send order. */
  seq: number;
  /** When the probe was due, ms since the run started (monotonic). */
  scheduledMs: number;
  /** When it actually went out (NaN when skipped). */
  sentMs: number;
  /** From the scheduled send time to the complete response or the failure, in ms. */
  latencyMs: number;
  ok: boolean;
  /** Not sent: zerodown could not keep up. Neither success nor failure of the target. */
  skipped: boolean;
  /** The status as text (`"200"`, `"503"`) or an error code (`timeout`, `ECONNREFUSED`…). */
  code: string;
  /** HTTP status when a response arrived. */
  status: number | undefined;
  /** For `assertion`: which check failed (`bodyContains`, `header:x-ready`…). */
  check: string | undefined;
  /** Retried once on a new connection after a stale keep-alive connection closed. */
  retried: boolean;
  /** Version read from the response, when version tracking is on. */
  version: string | undefined;
  /** The protocol that answered (`http/1.1`, `h2`, `grpc`, `tcp`, `ws`), when known. */
  protocol: string | undefined;
  /**
   * The server certificate of the TLS connection it went over (shared by every probe on that
   * connection). Not part of the probe record (record.ts): results rebuilt from records have none.
   */
  certificate?: CertificateFacts | undefined;
}
