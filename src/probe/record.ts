/**
 * A probe as one line of JSON: what `--out` writes (NDJSON, one record a line), what
 * `report --from-probes` reads back, and what an agent publishes to the hub (contract §7, §9).
 * It is the engine's {@link ProbeOutcome} with the endpoint named instead of numbered (an
 * index means nothing to another process) and the vantage that sent it.
 *
 * Times are ms since the run's time zero on the sender's monotonic clock, rounded to the
 * microsecond; a skipped probe (zerodown could not send it) has `sentMs: null`.
 */
import type { CertificateFacts } from './certificates.ts';
import type { ProbeOutcome } from './outcome.ts';

/** Version of the record format; a reader refuses records of a newer one. */
export const PROBE_RECORD_VERSION = 1;

/** One probe, as written and read. */
export interface ProbeRecord {
  type: 'probe';
  /** The endpoint's name in the config. */
  endpoint: string;
  seq: number;
  scheduledMs: number;
  sentMs: number | null;
  latencyMs: number;
  ok: boolean;
  skipped: boolean;
  code: string;
  status: number | null;
  check: string | null;
  retried: boolean;
  version: string | null;
  protocol: string | null;
  /** The vantage that sent it (contract §7); null for a run without agents. */
  agent: string | null;
  /**
   * The server certificate of the TLS connection it went over; absent when none (not TLS, or a
   * failure before the handshake). Kept whole on every probe so each line stands alone: a lost
   * or resent batch never leaves a fingerprint without its facts.
   */
  certificate?: CertificateFacts;
}

/** The record of an outcome of endpoint `endpointName`, sent from vantage `agent`. */
export function probeRecord(
  o: ProbeOutcome,
  endpointName: string,
  agent: string | null = null,
): ProbeRecord {
  return {
    type: 'probe',
    endpoint: endpointName,
    seq: o.seq,
    scheduledMs: micro(o.scheduledMs),
    sentMs: Number.isFinite(o.sentMs) ? micro(o.sentMs) : null,
    latencyMs: micro(o.latencyMs),
    ok: o.ok,
    skipped: o.skipped,
    code: o.code,
    status: o.status ?? null,
    check: o.check ?? null,
    retried: o.retried,
    version: o.version ?? null,
    protocol: o.protocol ?? null,
    agent,
    ...(o.certificate ? { certificate: o.certificate } : {}),
  };
}

/** The outcome a record stands for, as endpoint number `endpoint` of the reader's config. */
export function outcomeOf(r: ProbeRecord, endpoint: number): ProbeOutcome {
  return {
    endpoint,
    seq: r.seq,
    scheduledMs: r.scheduledMs,
    sentMs: r.sentMs ?? NaN,
    latencyMs: r.latencyMs,
    ok: r.ok,
    skipped: r.skipped,
    code: r.code,
    status: r.status ?? undefined,
    check: r.check ?? undefined,
    retried: r.retried,
    version: r.version ?? undefined,
    protocol: r.protocol ?? undefined,
    certificate: r.certificate,
  };
}

/**
 * Checks that `value` (parsed JSON) is a probe record; throws an Error saying which field is
 * wrong, prefixed with `where` (`probes.ndjson:12`).
 */
export function parseProbeRecord(value: unknown, where: string): ProbeRecord {
  const fail = (field: string, expected: string): never => {
    throw new Error(`${where}: ${field}: expected ${expected}`);
  };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return fail('record', 'a JSON object');
  }
  const v = value as Record<string, unknown>;
  if (v.type !== 'probe') fail('type', '"probe"');
  const str = (k: string) => typeof v[k] === 'string' || fail(k, 'a string');
  const strOrNull = (k: string) =>
    v[k] === null || v[k] === undefined || typeof v[k] === 'string' || fail(k, 'a string or null');
  const num = (k: string) =>
    (typeof v[k] === 'number' && Number.isFinite(v[k])) || fail(k, 'a finite number');
  const bool = (k: string) => typeof v[k] === 'boolean' || fail(k, 'true or false');
  str('endpoint');
  str('code');
  num('scheduledMs');
  num('latencyMs');
  bool('ok');
  bool('skipped');
  if (!Number.isSafeInteger(v.seq) || (v.seq as number) < 0) fail('seq', 'an integer ≥ 0');
  if (v.sentMs !== null && v.sentMs !== undefined) num('sentMs');
  if (v.status !== null && v.status !== undefined) num('status');
  for (const k of ['check', 'version', 'protocol', 'agent']) strOrNull(k);
  const certificate = v.certificate === undefined ? undefined : certificateOf(v.certificate, fail);
  return {
    type: 'probe',
    endpoint: v.endpoint as string,
    seq: v.seq as number,
    scheduledMs: v.scheduledMs as number,
    sentMs: (v.sentMs as number | null | undefined) ?? null,
    latencyMs: v.latencyMs as number,
    ok: v.ok as boolean,
    skipped: v.skipped as boolean,
    code: v.code as string,
    status: (v.status as number | null | undefined) ?? null,
    check: (v.check as string | null | undefined) ?? null,
    retried: v.retried === true,
    version: (v.version as string | null | undefined) ?? null,
    protocol: (v.protocol as string | null | undefined) ?? null,
    agent: (v.agent as string | null | undefined) ?? null,
    ...(certificate ? { certificate } : {}),
  };
}

/** A record's `certificate`: four strings. */
function certificateOf(
  value: unknown,
  fail: (field: string, expected: string) => never,
): CertificateFacts {
  const c = value as Record<string, unknown> | null;
  if (typeof c !== 'object' || c === null || Array.isArray(c)) {
    return fail('certificate', 'an object');
  }
  for (const k of ['subject', 'issuer', 'fingerprint256', 'validTo']) {
    if (typeof c[k] !== 'string') fail(`certificate.${k}`, 'a string');
  }
  return {
    subject: c.subject as string,
    issuer: c.issuer as string,
    fingerprint256: c.fingerprint256 as string,
    validTo: c.validTo as string,
  };
}

/**
 * The outcome at the record's resolution (times rounded to the µs), as a reader of its record
 * gets it back: what a session accumulates, so a run rebuilt from its records is the same run.
 */
export function atRecordResolution(o: ProbeOutcome): ProbeOutcome {
  const sentMs = Number.isFinite(o.sentMs) ? micro(o.sentMs) : NaN;
  return { ...o, scheduledMs: micro(o.scheduledMs), sentMs, latencyMs: micro(o.latencyMs) };
}

/** Rounded to the microsecond: the record's resolution (the histogram records µs too). */
function micro(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
