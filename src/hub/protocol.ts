/**
 * The hub's wire protocol (contract §7): subjects and messages between a coordinator and its
 * agents over NATS. Control and heartbeats are core NATS (live only: a late agent reads the next
 * control message, sent every {@link CONTROL_EVERY_MS}); probe batches go to the JetStream stream
 * {@link STREAM}, de-duplicated by `Nats-Msg-Id` = `<run>.<agent>.<batch>`.
 *
 * No message carries a target: an agent probes only its own config's endpoints, whatever a hub
 * message says (the probe host must not become a relay for requests chosen by others).
 */
import type { EngineReport, PhaseSpan } from '../result.ts';
import { parseProbeRecord, type ProbeRecord } from '../probe/record.ts';

/** The JetStream stream that keeps every agent's probe batches. */
export const STREAM = 'ZERODOWN';
/** Subjects of that stream: `zerodown.data.<run>.<agent>`. */
export const DATA_SUBJECTS = 'zerodown.data.>';
/** Runs announced by the coordinator (core NATS). */
export const CONTROL_SUBJECT = 'zerodown.control';
/** Heartbeats: `zerodown.hb.<agent>` (core NATS). */
export const HEARTBEAT_PREFIX = 'zerodown.hb.';
/** How often the coordinator repeats the run's state, and agents send heartbeats (ms). */
export const CONTROL_EVERY_MS = 250;
/** An agent silent this long during a run is lost (ms). */
export const HEARTBEAT_LOST_MS = 3000;

/** The subject of one agent's batches in one run. */
export function dataSubject(run: string, agent: string): string {
  return `zerodown.data.${run}.${agent}`;
}

/** The coordinator's announcement of a run's state. */
export interface ControlMessage {
  type: 'control';
  run: string;
  /** The agents taking part. */
  agents: string[];
  /** `waiting`: agents are gathering; `running`: probe in `phase`; `ended`: stop and flush. */
  state: 'waiting' | 'running' | 'ended';
  /** The phase now going on, and how many phase changes came before it. */
  phase: string;
  phaseIndex: number;
}

/** An agent's heartbeat. */
export interface Heartbeat {
  type: 'heartbeat';
  agent: string;
  /** The run it is in, or null when idle. */
  run: string | null;
  /** Its endpoints' names. */
  endpoints: string[];
  /** Batches published so far in this run, and records waiting to be published. */
  batches: number;
  pending: number;
}

/** A batch of one agent's probe records. */
export interface Batch {
  type: 'batch';
  run: string;
  agent: string;
  /** 0, 1, 2… per agent and run: the coordinator counts each batch once. */
  batch: number;
  /** The agent's time zero (ISO wall clock). */
  startedAt: string;
  /** The agent's ms since its time zero when the batch was cut. */
  nowMs: number;
  phases: PhaseSpan[];
  records: ProbeRecord[];
  /** Records the agent dropped because its buffer was full while the hub was away (cumulative). */
  dropped: number;
  /** The last batch of the run: the agent stopped; `engine` is its pacing report. */
  final: boolean;
  engine?: EngineReport | undefined;
}

/** Parses a control message; undefined when it is not one (ignored, never trusted). */
export function parseControl(data: unknown): ControlMessage | undefined {
  if (!isObject(data) || data.type !== 'control') return undefined;
  const { run, agents, state, phase, phaseIndex } = data;
  if (typeof run !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(run)) return undefined;
  if (!Array.isArray(agents) || !agents.every((a) => typeof a === 'string')) return undefined;
  if (state !== 'waiting' && state !== 'running' && state !== 'ended') return undefined;
  if (typeof phase !== 'string' || typeof phaseIndex !== 'number') return undefined;
  // Only these fields are read: anything else in the message (a URL, a target) is ignored.
  return { type: 'control', run, agents: agents, state, phase, phaseIndex };
}

/** Parses a heartbeat; undefined when it is not one. */
export function parseHeartbeat(data: unknown): Heartbeat | undefined {
  if (!isObject(data) || data.type !== 'heartbeat' || typeof data.agent !== 'string') {
    return undefined;
  }
  return {
    type: 'heartbeat',
    agent: data.agent,
    run: typeof data.run === 'string' ? data.run : null,
    endpoints: Array.isArray(data.endpoints)
      ? data.endpoints.filter((e) => typeof e === 'string')
      : [],
    batches: typeof data.batches === 'number' ? data.batches : 0,
    pending: typeof data.pending === 'number' ? data.pending : 0,
  };
}

/** Parses a batch; throws an Error saying what is wrong. */
export function parseBatch(data: unknown): Batch {
  if (!isObject(data) || data.type !== 'batch') throw new Error('not a batch');
  const { run, agent, batch, startedAt, nowMs, phases, records, dropped, final } = data;
  if (typeof run !== 'string' || typeof agent !== 'string') throw new Error('run, agent');
  if (!Number.isSafeInteger(batch) || typeof startedAt !== 'string') throw new Error('batch');
  if (typeof nowMs !== 'number' || !Array.isArray(phases) || !Array.isArray(records)) {
    throw new Error('nowMs, phases, records');
  }
  return {
    type: 'batch',
    run,
    agent,
    batch: batch as number,
    startedAt,
    nowMs,
    phases: phases as PhaseSpan[],
    records: records.map((r, i) => parseProbeRecord(r, `${agent} batch ${String(batch)}[${i}]`)),
    dropped: typeof dropped === 'number' ? dropped : 0,
    final: final === true,
    engine: isObject(data.engine) ? (data.engine as unknown as EngineReport) : undefined,
  };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
