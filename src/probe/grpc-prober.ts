/**
 * `grpc://` and `grpcs://` probes (contract §9): each probe is one
 * `grpc.health.v1.Health/Check` call for `grpc.service` over the endpoint's one channel, reused
 * like a keep-alive connection. `SERVING` is a success; any other serving status
 * (`grpc:NOT_SERVING`) and any call status (`grpc:UNAVAILABLE`, `grpc:UNIMPLEMENTED`…) is a
 * failure keyed by its name. The deadline is the engine's: it cancels the call through
 * `InflightProbe.controller` (a call cancelled by zerodown never reaches the result).
 *
 * The two health messages are encoded here rather than loaded from `health.proto`: the request
 * is one string field and the answer one enum field, while loading the proto (as the
 * `grpc-health-check` package does, through proto-loader and protobufjs) reads a file next to
 * the package at run time, which the Action's single-file bundle does not have. The tests check
 * this encoding against `grpc-health-check`'s own server.
 */
import {
  Client,
  credentials,
  status as grpcStatus,
  type ChannelCredentials,
  type ServiceError,
} from '@grpc/grpc-js';
import type { EndpointConfig } from '../config/resolve.ts';
import { resultWithoutResponse, type InflightProbe, type ProbeResult } from './inflight.ts';
import type { Prober } from './prober.ts';

const CHECK = '/grpc.health.v1.Health/Check';

/** `HealthCheckResponse.ServingStatus` values by number. */
const SERVING_STATUS = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'] as const;

/** Channel options: reconnect soon after a server comes back (grpc-js waits 1 s, then backs off). */
const CHANNEL_OPTIONS = {
  'grpc.initial_reconnect_backoff_ms': 100,
  'grpc.max_reconnect_backoff_ms': 250,
  'grpc.enable_retries': 0,
};

/** `HealthCheckRequest { string service = 1; }`. */
export function encodeHealthRequest(service: string): Buffer {
  const text = Buffer.from(service, 'utf8');
  if (text.length === 0) return Buffer.alloc(0);
  return Buffer.concat([Buffer.from([0x0a]), varint(text.length), text]);
}

/** `HealthCheckResponse { ServingStatus status = 1; }`: the status number (0 when absent). */
export function decodeHealthResponse(bytes: Buffer): number {
  let status = 0;
  let i = 0;
  const read = (): number => {
    let value = 0;
    let shift = 0;
    for (;;) {
      if (i >= bytes.length) throw new Error('truncated HealthCheckResponse');
      const b = bytes[i++]!;
      value += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return value;
      shift += 7;
      if (shift > 63) throw new Error('bad varint in HealthCheckResponse');
    }
  };
  while (i < bytes.length) {
    const key = read();
    const wire = key & 7;
    if (key >>> 3 === 1 && wire === 0) status = read();
    else if (wire === 0) read();
    else if (wire === 2) i += read();
    else if (wire === 1) i += 8;
    else if (wire === 5) i += 4;
    else throw new Error(`unexpected wire type ${wire} in HealthCheckResponse`);
  }
  return status;
}

function varint(n: number): Buffer {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return Buffer.from(out);
}

/** Channel credentials: plain for `grpc://`; TLS with the endpoint's `tls:` for `grpcs://`. */
function channelCredentials(endpoint: EndpointConfig): ChannelCredentials {
  if (endpoint.tls === undefined) return credentials.createInsecure();
  const tls = endpoint.tls;
  return credentials.createSsl(
    tls.ca === undefined ? null : Buffer.from(tls.ca),
    null,
    null,
    tls.insecure ? { rejectUnauthorized: false, checkServerIdentity: () => undefined } : {},
  );
}

/** Sends one `grpc://` endpoint's probes over one channel. */
export class GrpcProber implements Prober {
  private readonly now: () => number;
  private readonly client: Client;
  private readonly request: Buffer;
  /** A health check is never retried. */
  readonly retries = 0;

  constructor(endpoint: EndpointConfig, now: () => number) {
    this.now = now;
    const url = new URL(endpoint.url);
    const port = url.port === '' ? '443' : url.port;
    const options: Record<string, string | number> = { ...CHANNEL_OPTIONS };
    if (endpoint.tls?.serverName !== undefined) {
      options['grpc.ssl_target_name_override'] = endpoint.tls.serverName;
      options['grpc.default_authority'] = endpoint.tls.serverName;
    }
    this.client = new Client(`${url.hostname}:${port}`, channelCredentials(endpoint), options);
    this.request = encodeHealthRequest(endpoint.grpc?.service ?? '');
  }

  /** One `Health/Check` call for `probe`. */
  send(probe: InflightProbe): void {
    const call = this.client.makeUnaryRequest<Buffer, number>(
      CHECK,
      (b) => b,
      decodeHealthResponse,
      this.request,
      (err: ServiceError | null, value?: number) => {
        const endMs = this.now();
        if (probe.done) return;
        probe.complete(err ? callFailed(err) : answered(value ?? 0), endMs);
      },
    );
    probe.controller = { abort: () => call.cancel() };
  }

  /** Closes the channel; calls still going fail as cancelled (after their probe's deadline). */
  close(): Promise<void> {
    this.client.close();
    return Promise.resolve();
  }
}

function answered(servingStatus: number): ProbeResult {
  const name = SERVING_STATUS[servingStatus] ?? String(servingStatus);
  return result(name === 'SERVING', `grpc:${name}`);
}

function callFailed(err: ServiceError): ProbeResult {
  const name = (grpcStatus as unknown as Record<number, string>)[err.code] ?? String(err.code);
  return result(false, `grpc:${name}`);
}

function result(ok: boolean, code: string): ProbeResult {
  return resultWithoutResponse(ok, code, { protocol: 'grpc' });
}
