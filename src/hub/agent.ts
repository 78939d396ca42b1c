/**
 * `zerodown agent` (contract §7): joins runs announced on the hub, probes its own config's
 * endpoints through each run's phases, and publishes its probe records in batches.
 *
 * Nothing is lost and nothing counted twice: every batch has a number and goes to JetStream with
 * `Nats-Msg-Id` `<run>.<agent>.<batch>`; a batch stays in the outbox until the hub acknowledges
 * it, and is sent again (same id, so the stream keeps one copy) after a failure. While the hub is
 * away the outbox grows up to {@link MAX_BUFFERED_RECORDS}; past that, new records are dropped and
 * counted in every later batch's `dropped`, which makes this vantage incomplete (exit 6), never a
 * quiet pass.
 */
import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { ZerodownConfig } from '../config/resolve.ts';
import { probeRecord, type ProbeRecord } from '../probe/record.ts';
import type { PhaseSpan } from '../result.ts';
import { ProbeSession } from '../session.ts';
import { round3 } from '../analysis/histogram.ts';
import { connectHub, ensureStream, type HubOptions } from './connect.ts';
import {
  CONTROL_EVERY_MS,
  CONTROL_SUBJECT,
  HEARTBEAT_PREFIX,
  dataSubject,
  parseControl,
  type Batch,
  type ControlMessage,
} from './protocol.ts';

/** Records an agent keeps while the hub does not acknowledge them (about 100 MB). */
export const MAX_BUFFERED_RECORDS = 300_000;
/** How often an agent cuts a batch (ms). */
export const BATCH_EVERY_MS = 200;

/** Options of `runAgent`. */
export interface AgentOptions {
  config: ZerodownConfig;
  hub: HubOptions;
  name: string;
  /** Progress lines (stderr). */
  say: (line: string) => void;
  /** Ends the agent (after flushing the run it is in). */
  signal: AbortSignal;
}

/** Runs the agent until `signal` aborts. */
export async function runAgent(opts: AgentOptions): Promise<void> {
  const nc = await connectHub(opts.hub, opts.say, opts.signal);
  opts.say(`agent ${opts.name} connected to the hub; waiting for runs`);
  void logStatus(nc, opts.say);
  // The coordinator creates the stream too; an agent without the right to may go on.
  await ensureStream(nc).catch((err: unknown) => {
    opts.say(`cannot create the stream (${(err as Error).message}); the coordinator will`);
  });
  const agent = new Agent(nc, jetstream(nc), opts);
  const sub = nc.subscribe(CONTROL_SUBJECT, {
    callback: (err, msg) => {
      if (err) return;
      let data: unknown;
      try {
        data = msg.json();
      } catch {
        return;
      }
      const c = parseControl(data);
      if (c && c.agents.includes(opts.name)) agent.control(c);
    },
  });
  const beat = setInterval(() => agent.heartbeat(), CONTROL_EVERY_MS);
  agent.heartbeat();
  await new Promise<void>((resolve) => {
    if (opts.signal.aborted) resolve();
    opts.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  clearInterval(beat);
  sub.unsubscribe();
  await agent.close();
  await nc.drain().catch(() => undefined);
}

async function logStatus(nc: NatsConnection, say: (line: string) => void): Promise<void> {
  for await (const s of nc.status()) {
    if (s.type === 'disconnect') say('lost the hub; buffering and reconnecting');
    if (s.type === 'reconnect') say('reconnected to the hub');
  }
}

/** One run an agent takes part in. */
class AgentRun {
  readonly session: ProbeSession;
  readonly phases: PhaseSpan[] = [];
  phaseIndex: number;
  queue: ProbeRecord[] = [];
  outbox: Batch[] = [];
  buffered = 0;
  dropped = 0;
  nextBatch = 0;
  ended = false;

  readonly run: string;

  constructor(run: string, config: ZerodownConfig, name: string, phaseIndex: number) {
    this.run = run;
    this.session = new ProbeSession(config, undefined, name);
    this.phaseIndex = phaseIndex;
    this.session.onOutcome((o) => {
      if (this.buffered >= MAX_BUFFERED_RECORDS) {
        this.dropped++;
        return;
      }
      this.buffered++;
      this.queue.push(probeRecord(o, config.endpoints[o.endpoint]!.name, name));
    });
  }

  /** Cuts the records so far into the next batch. */
  cut(final: boolean): void {
    const now = this.session.nowMs();
    const phases = this.phases.map((p) => ({
      name: p.name,
      startMs: round3(p.startMs),
      endMs: round3(Number.isNaN(p.endMs) ? now : p.endMs),
    }));
    const batch: Batch = {
      type: 'batch',
      run: this.run,
      agent: this.session.agent,
      batch: this.nextBatch++,
      startedAt: (this.session.startedAt ?? new Date()).toISOString(),
      nowMs: round3(now),
      phases,
      records: this.queue,
      dropped: this.dropped,
      final,
    };
    if (final) batch.engine = this.session.result().engine;
    this.queue = [];
    this.outbox.push(batch);
  }
}

class Agent {
  private current: AgentRun | undefined;
  private readonly done = new Set<string>();
  private work: Promise<void> = Promise.resolve();
  private publishing = false;
  private batchTimer: NodeJS.Timeout | undefined;
  private failing = false;

  private readonly nc: NatsConnection;
  private readonly js: JetStreamClient;
  private readonly opts: AgentOptions;

  constructor(nc: NatsConnection, js: JetStreamClient, opts: AgentOptions) {
    this.nc = nc;
    this.js = js;
    this.opts = opts;
  }

  /** A control message for this agent: join, change phase, or end. Handled one at a time. */
  control(c: ControlMessage): void {
    this.work = this.work
      .then(() => this.apply(c))
      .catch((err: unknown) => {
        this.opts.say(`run ${c.run}: ${(err as Error).message}`);
      });
  }

  private async apply(c: ControlMessage): Promise<void> {
    const r = this.current;
    if (r === undefined) {
      if (c.state !== 'running' || this.done.has(c.run) || this.opts.signal.aborted) return;
      const run = new AgentRun(c.run, this.opts.config, this.opts.name, c.phaseIndex);
      this.current = run;
      this.opts.say(`joining run ${c.run} in phase ${c.phase}`);
      await run.session.start(c.phase);
      run.phases.push({ name: c.phase, startMs: 0, endMs: NaN });
      this.batchTimer = setInterval(() => {
        run.cut(false);
        void this.publish(run);
      }, BATCH_EVERY_MS);
      return;
    }
    if (c.run !== r.run || r.ended) return;
    if (c.state === 'running' && c.phaseIndex > r.phaseIndex) {
      r.phaseIndex = c.phaseIndex;
      const at = r.session.beginPhase(c.phase);
      const last = r.phases.at(-1);
      if (last) last.endMs = at;
      r.phases.push({ name: c.phase, startMs: at, endMs: NaN });
    } else if (c.state === 'ended') {
      await this.end(r);
    }
  }

  /** Stops probing in `r`, sends the final batch and waits (while connected) until it is acknowledged. */
  private async end(r: AgentRun): Promise<void> {
    r.ended = true;
    clearInterval(this.batchTimer);
    await r.session.stop();
    r.cut(true);
    this.done.add(r.run);
    for (let i = 0; i < 600 && r.outbox.length > 0; i++) {
      await this.publish(r);
      if (r.outbox.length > 0) await new Promise((res) => setTimeout(res, 100));
    }
    const lost = r.outbox.length > 0 ? `; ${r.outbox.length} batches not acknowledged` : '';
    this.opts.say(`run ${r.run} ended${lost}`);
    this.current = undefined;
  }

  /** Publishes the outbox in order; a batch leaves it only once the stream acknowledged it. */
  private async publish(r: AgentRun): Promise<void> {
    if (this.publishing) return;
    this.publishing = true;
    try {
      while (r.outbox.length > 0) {
        const b = r.outbox[0]!;
        try {
          await this.js.publish(dataSubject(b.run, b.agent), JSON.stringify(b), {
            msgID: `${b.run}.${b.agent}.${b.batch}`,
            timeout: 2000,
          });
        } catch (err) {
          if (!this.failing)
            this.opts.say(
              `publishing to the hub failed (${(err as Error).message}); keeping ${r.buffered} records and retrying`,
            );
          this.failing = true;
          return;
        }
        if (this.failing) this.opts.say('publishing to the hub again');
        this.failing = false;
        r.outbox.shift();
        r.buffered -= b.records.length;
      }
    } finally {
      this.publishing = false;
    }
  }

  heartbeat(): void {
    const r = this.current;
    if (this.nc.isClosed()) return;
    this.nc.publish(
      HEARTBEAT_PREFIX + this.opts.name,
      JSON.stringify({
        type: 'heartbeat',
        agent: this.opts.name,
        run: r?.run ?? null,
        endpoints: this.opts.config.endpoints.map((e) => e.name),
        batches: r?.nextBatch ?? 0,
        pending: r?.buffered ?? 0,
      }),
    );
  }

  /** On shutdown: a run still going ends now (its data flushed). */
  async close(): Promise<void> {
    await this.work;
    if (this.current && !this.current.ended) await this.end(this.current);
  }
}
