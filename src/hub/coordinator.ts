/**
 * The coordinator of a hub run (`run`/`probe --hub --agents`, contract §7): waits for the named
 * agents, announces the run and its phases, reads every agent's batches from the JetStream stream
 * and merges the agents' documents with its own (`mergeResults`).
 *
 * The stream is the state: batches are read with an ordered consumer from the run's first
 * message, and each `(agent, batch)` counts once, so a coordinator that reads the stream again
 * (after a restart) rebuilds the same view.
 */
import { randomBytes } from 'node:crypto';
import { jetstream } from '@nats-io/jetstream';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { mergeResults } from '../analysis/merge.ts';
import type { ZerodownConfig } from '../config/resolve.ts';
import { ZerodownError } from '../errors.ts';
import { decideOutcome } from '../outcome.ts';
import type { ResultDocument } from '../result.ts';
import { AgentView } from './agent-view.ts';
import { connectHub, ensureStream, redactHub, type HubOptions } from './connect.ts';
import {
  CONTROL_EVERY_MS,
  CONTROL_SUBJECT,
  HEARTBEAT_LOST_MS,
  HEARTBEAT_PREFIX,
  STREAM,
  parseBatch,
  parseHeartbeat,
  type Batch,
  type ControlMessage,
} from './protocol.ts';

/** How long `finish` waits for the agents' final batches (ms). */
const FINAL_WAIT_MS = 10_000;

/** Coordinates one run with agents over the hub. */
export class HubCoordinator {
  readonly run: string;
  private nc: NatsConnection | undefined;
  private readonly views: Map<string, AgentView>;
  private state: ControlMessage['state'] = 'waiting';
  private phase = 'probe';
  private phaseIndex = 0;
  private ticker: NodeJS.Timeout | undefined;
  private hb: Subscription | undefined;
  private stopReading: (() => void) | undefined;
  /** Called with each batch counted (the first time it arrives): the benchmark's view. */
  onBatch: ((batch: Batch) => void) | undefined;

  readonly agents: readonly string[];
  private readonly hub: HubOptions;
  private readonly say: (line: string) => void;

  constructor(
    config: ZerodownConfig,
    hub: HubOptions,
    agents: readonly string[],
    say: (line: string) => void,
    run?: string,
  ) {
    this.hub = hub;
    this.agents = agents;
    this.say = say;
    this.run = run ?? `${Date.now().toString(36)}${randomBytes(4).toString('hex')}`;
    this.views = new Map(agents.map((a) => [a, new AgentView(a, config)]));
  }

  /** Connects (a hub that stays unreachable for 10 s is `ZD_HUB`) and listens to heartbeats. */
  async connect(signal?: AbortSignal): Promise<void> {
    const nc = await connectHub(this.hub, this.say, signal, 10_000);
    this.nc = nc;
    await ensureStream(nc);
    this.hb = nc.subscribe(`${HEARTBEAT_PREFIX}*`, {
      callback: (err, msg) => {
        if (err) return;
        let beat;
        try {
          beat = parseHeartbeat(msg.json());
        } catch {
          return;
        }
        const v = beat && this.views.get(beat.agent);
        if (v) v.lastHeard = Date.now();
      },
    });
    this.ticker = setInterval(() => this.tick(), CONTROL_EVERY_MS);
  }

  /** Resolves once every agent has a heartbeat; `ZD_AGENTS_MISSING` (exit 4) after `timeoutMs`. */
  async waitForAgents(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    const start = Date.now();
    this.say(`waiting for agents ${this.agents.join(', ')} on ${redactHub(this.hub.url)}`);
    for (;;) {
      const missing = [...this.views.values()].filter((v) => v.lastHeard === 0).map((v) => v.name);
      if (missing.length === 0) return;
      if (signal?.aborted || Date.now() - start >= timeoutMs) {
        throw new ZerodownError(
          'ZD_AGENTS_MISSING',
          `blocked: agent${missing.length > 1 ? 's' : ''} ${missing.join(', ')} did not join within ${timeoutMs} ms; nothing was deployed`,
        );
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /**
   * Announces the run in phase `phase` (the `phaseIndex`-th, when resuming a run) and starts
   * reading the agents' batches from the run's first one.
   */
  async start(phase: string, phaseIndex = 0): Promise<void> {
    this.phase = phase;
    this.phaseIndex = phaseIndex;
    this.state = 'running';
    const now = Date.now();
    for (const v of this.views.values()) v.lastHeard = Math.max(v.lastHeard, now);
    this.tick();
    await this.read();
  }

  /** Announces the next phase. */
  beginPhase(phase: string): void {
    this.phase = phase;
    this.phaseIndex++;
    this.tick();
  }

  /** The merged document as of now (live), with `local` (this process's own vantage). */
  merged(local: ResultDocument | undefined, running = true): ResultDocument {
    const docs = [
      ...(local ? [local] : []),
      ...[...this.views.values()].map((v) => v.document(running)),
    ];
    const doc = mergeResults(docs, { running });
    for (const a of doc.agents ?? []) {
      const why = this.views.get(a.name)?.why();
      if (!a.complete && why) a.reason = why;
    }
    doc.verdict = decideOutcome(doc).verdict;
    return doc;
  }

  /** Ends the run: announces it, waits for the final batches, returns the merged document. */
  async finish(local: ResultDocument | undefined): Promise<ResultDocument> {
    this.state = 'ended';
    this.tick();
    const until = Date.now() + FINAL_WAIT_MS;
    while (Date.now() < until && [...this.views.values()].some((v) => !v.final && !v.lost)) {
      this.checkLost();
      await new Promise((r) => setTimeout(r, 50));
    }
    const doc = this.merged(local, false);
    await this.close();
    return doc;
  }

  /** Stops listening and closes the connection. */
  async close(): Promise<void> {
    clearInterval(this.ticker);
    this.stopReading?.();
    this.hb?.unsubscribe();
    await this.nc?.drain().catch(() => undefined);
  }

  /** The phase announced now, and how many changes came before it. */
  get phaseNow(): { phase: string; phaseIndex: number } {
    return { phase: this.phase, phaseIndex: this.phaseIndex };
  }

  /** Each agent's live view, for the guard's thresholds. */
  vantages(): { name: string; source: AgentView }[] {
    return [...this.views.values()].map((v) => ({ name: v.name, source: v }));
  }

  /** Agents in this run. */
  view(name: string): AgentView | undefined {
    return this.views.get(name);
  }

  private tick(): void {
    if (!this.nc || this.nc.isClosed()) return;
    const c: ControlMessage = {
      type: 'control',
      run: this.run,
      agents: [...this.agents],
      state: this.state,
      phase: this.phase,
      phaseIndex: this.phaseIndex,
    };
    this.nc.publish(CONTROL_SUBJECT, JSON.stringify(c));
    this.checkLost();
  }

  /** An agent whose heartbeat stopped for 3 s during the run is lost, for good. */
  private checkLost(): void {
    if (this.state === 'waiting') return;
    const now = Date.now();
    for (const v of this.views.values()) {
      if (v.lost || v.final || now - v.lastHeard < HEARTBEAT_LOST_MS) continue;
      v.lost = { atMs: v.nowMsSeen, at: new Date(v.lastHeard).toISOString() };
      this.say(`agent ${v.name}: heartbeat lost since ${v.lost.at}; its vantage is incomplete`);
    }
  }

  /** Reads the run's batches from the start of the stream (an ordered consumer). */
  private async read(): Promise<void> {
    const js = jetstream(this.nc!);
    const consumer = await js.consumers.get(STREAM, {
      filter_subjects: `zerodown.data.${this.run}.>`,
    });
    const messages = await consumer.consume();
    this.stopReading = () => void messages.stop();
    void (async () => {
      for await (const m of messages) {
        let batch;
        try {
          batch = parseBatch(m.json());
        } catch (err) {
          this.say(`ignored a bad batch on ${m.subject}: ${(err as Error).message}`);
          continue;
        }
        const v = this.views.get(batch.agent);
        if (!v || batch.run !== this.run) continue;
        if (v.add(batch)) this.onBatch?.(batch);
      }
    })();
  }
}
