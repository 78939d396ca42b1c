/**
 * What the engine needs of a prober, whatever the endpoint's kind (contract §9): send a probe,
 * complete it once through `InflightProbe.complete`, close at the end. The engine owns the
 * schedule and the deadline; a prober only does the one check and classifies its outcome.
 */
import type { EndpointConfig } from '../config/resolve.ts';
import { HttpProber } from './http-prober.ts';
import type { InflightProbe } from './inflight.ts';
import { TcpProber } from './tcp-prober.ts';

/** Sends one endpoint's probes. */
export interface Prober {
  /** Starts the check of `probe`; its outcome arrives through `probe.complete` (at most once). */
  send(probe: InflightProbe): void;
  /** Closes every connection; probes still going complete or time out. */
  close(): Promise<void>;
  /** Probes retried after a stale keep-alive connection (0 for kinds that never retry). */
  readonly retries: number;
}

/** Reports a probe that waited for a connection while zerodown's own loop was busy. */
export type HeldBack = (probe: InflightProbe, waitedMs: number) => void;

/** The prober of an endpoint's kind. */
export function createProber(
  endpoint: EndpointConfig,
  now: () => number,
  onHeldBack?: HeldBack,
): Prober {
  switch (endpoint.kind) {
    case 'http':
      return new HttpProber(endpoint, now, onHeldBack);
    case 'tcp':
      return new TcpProber(endpoint, now);
  }
}
