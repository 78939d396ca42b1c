/**
 * Benchmark helper (section 7): N in-process agents publishing real probe records over real
 * NATS JetStream, as `zerodown agent` does (batches every 200 ms with `Nats-Msg-Id`, heartbeats
 * every 250 ms), without probing anything: the records are synthetic outcomes, stamped so that
 * each one completed just before its batch was cut.
 *
 *   node bench/hub-publishers.ts <nats-url> <run> <agents> <rate per agent> <seconds>
 */
import { jetstream } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { probeRecord, type ProbeRecord } from '../src/probe/record.ts';
import { BATCH_EVERY_MS } from '../src/hub/agent.ts';
import {
  CONTROL_EVERY_MS,
  HEARTBEAT_PREFIX,
  dataSubject,
  type Batch,
} from '../src/hub/protocol.ts';

const [url, run, agentsArg, rateArg, secondsArg] = process.argv.slice(2);
const agents = Array.from({ length: Number(agentsArg) }, (_, i) => `a${i}`);
const rate = Number(rateArg);
const seconds = Number(secondsArg);

const nc = await connect({ servers: url! });
const js = jetstream(nc);
const beat = setInterval(() => {
  for (const a of agents) {
    nc.publish(
      HEARTBEAT_PREFIX + a,
      JSON.stringify({
        type: 'heartbeat',
        agent: a,
        run,
        endpoints: ['/health'],
        batches: 0,
        pending: 0,
      }),
    );
  }
}, CONTROL_EVERY_MS);
for (const a of agents)
  nc.publish(HEARTBEAT_PREFIX + a, JSON.stringify({ type: 'heartbeat', agent: a }));
// The coordinator says go by subscribing; a short pause lets it start reading.
process.stdout.write('ready\n');
await new Promise<void>((r) => process.stdin.once('data', () => r()));
process.stdin.destroy();

const t0 = performance.now();
const startedAt = new Date(Date.now()).toISOString();
const seq = new Map(agents.map((a) => [a, 0]));
const batchNo = new Map(agents.map((a) => [a, 0]));
let due = 0;
const publishing: Promise<unknown>[] = [];

function cut(final: boolean): void {
  const now = performance.now() - t0;
  const want = Math.min(Math.floor((now / 1000) * rate), seconds * rate);
  for (const a of agents) {
    const records: ProbeRecord[] = [];
    for (let s = seq.get(a)!; s < want; s++) {
      const scheduledMs = (s / rate) * 1000;
      records.push(
        probeRecord(
          {
            endpoint: 0,
            seq: s,
            scheduledMs,
            sentMs: scheduledMs,
            latencyMs: 1 + (s % 5),
            ok: true,
            skipped: false,
            code: '200',
            status: 200,
            retried: false,
            check: undefined,
            version: undefined,
            protocol: undefined,
          },
          '/health',
          a,
        ),
      );
    }
    seq.set(a, want);
    const n = batchNo.get(a)!;
    batchNo.set(a, n + 1);
    const batch: Batch = {
      type: 'batch',
      run: run!,
      agent: a,
      batch: n,
      startedAt,
      nowMs: now,
      phases: [{ name: 'probe', startMs: 0, endMs: now }],
      records,
      dropped: 0,
      final,
    };
    if (final) {
      batch.engine = {
        latenessMs: { p50: 0, p99: 0, max: 0 },
        eventLoopDelayMs: { p99: 0, max: 0 },
        sent: want,
        skipped: 0,
        retries: 0,
        stalls: [],
      };
    }
    publishing.push(
      js.publish(dataSubject(run!, a), JSON.stringify(batch), { msgID: `${run}.${a}.${n}` }),
    );
  }
  due++;
}

const timer = setInterval(() => cut(false), BATCH_EVERY_MS);
await new Promise((r) => setTimeout(r, seconds * 1000 + 50));
clearInterval(timer);
cut(true);
await Promise.all(publishing);
clearInterval(beat);
await nc.drain();
process.stdout.write(`done ${due} cuts\n`);
