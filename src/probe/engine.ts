/**
 * The probe engine: every endpoint fires at its rate on a fixed schedule (open model), whatever
 * its earlier probes are doing. One loop serves all endpoints; it wakes for the next due probe
 * or the next deadline, whichever comes first.
 *
 * Deadlines: an endpoint's probes share one timeout and go out in order, so their deadlines are
 * in order too; a FIFO per endpoint replaces a timer per probe.
 *
 * The engine never lowers the rate: when it cannot send a probe (its in-flight cap is reached or
 * the machine is out of sockets) it records the probe as skipped, and late sends as lateness;
 * both mark stalls in the result.
 *
 * Catching up: probes that fell behind (zerodown's own loop stalled) are all still sent, in
 * order, but at most {@link CATCH_UP} times the rate, so a stall of the client never reaches the
 * target as a burst. Their lateness is recorded, and their latency counts from the scheduled
 * time as always.
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { EndpointConfig } from '../config/resolve.ts';
import type { EngineReport } from '../result.ts';
import { InflightProbe, type ProbeResult } from './inflight.ts';
import { createProber, type Prober } from './prober.ts';
import { warmCodePath } from './warm.ts';
import type { ProbeOutcome } from './outcome.ts';
import { Deque } from './deque.ts';
import { CatchUp, Pacer, staggerOffsets } from './pacer.ts';
import { DensestWindow, StallTracker } from './stalls.ts';
import { deprioritizeV8Workers } from './threads.ts';
import { fitMemoryToRate } from './memory.ts';

/** What the engine needs besides the endpoints. */
export interface EngineOptions {
  /** Receives every outcome, in completion order. */
  onOutcome: (outcome: ProbeOutcome) => void;
  /** Most probes one endpoint may have in flight (default: rate × timeout × 1.5 + 64). */
  maxInflight?: number;
}

/**
 * How long (ms) priming runs before time zero: each endpoint's probes start this early, on the
 * same cadence, and are not recorded (see {@link ProbeEngine.prime}).
 */
export const PRIME_MS = 250;
/** Longest wait (ms) for the one request that opens each endpoint's first connection. */
const WARM_UP_MAX_MS = 250;
/**
 * An endpoint sends at most this many times its rate (see {@link CatchUp}): probes (and primers)
 * that fell behind catch up at that pace, and after a stall of zerodown itself the target sees at
 * most 1.2× its rate, never a burst.
 */
export const CATCH_UP = 1.2;
/**
 * …with at most this many ms' worth at once. Timer ticks come 1–2 ms apart, so on schedule a
 * tick needs up to 2 ms' worth; with 2.4 tokens at 1000/s, any 10 ms holds at most 14 probes.
 */
const CATCH_UP_BUCKET_MS = 2;

/** Sampling interval of the event-loop delay monitor (ms). */
const LOOP_RESOLUTION_MS = 10;

interface Lane {
  index: number;
  config: EndpointConfig;
  pacer: Pacer;
  /** Paces the catch-up after the lane fell behind (from time zero on). */
  catchUp: CatchUp;
  prober: Prober;
  /** The densest 10 ms of its sends, primers included (on the run's clock). */
  density: DensestWindow;
  /** In flight, in send order (= deadline order). Completed ones are dropped from the head. */
  queue: Deque<InflightProbe>;
  inflight: number;
  cap: number;
}

/** Runs the probes of a set of endpoints. */
export class ProbeEngine {
  private readonly lanes: Lane[];
  private readonly onOutcome: (o: ProbeOutcome) => void;
  private readonly stallTracker = new StallTracker();
  private readonly loopDelay = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
  private origin = 0;
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private stopAtMs = Infinity;
  private started = false;
  private primed = false;
  /** Requests sent to the targets by priming. */
  private primedCount = 0;
  private drained: (() => void) | undefined;

  constructor(endpoints: readonly EndpointConfig[], options: EngineOptions) {
    this.onOutcome = options.onOutcome;
    const offsets = staggerOffsets(endpoints.map((e) => e.rate));
    this.lanes = endpoints.map((config, index) => ({
      index,
      config,
      pacer: new Pacer(config.rate, offsets[index]),
      catchUp: catchUpFor(config.rate, 0),
      prober: createProber(
        config,
        () => this.nowMs(),
        (p, waitedMs) => this.stallTracker.lateUntil(p.scheduledMs, p.sentMs + waitedMs),
      ),
      density: new DensestWindow(),
      queue: new Deque<InflightProbe>(),
      inflight: 0,
      cap: options.maxInflight ?? Math.ceil((config.rate * config.timeoutMs * 1.5) / 1000) + 64,
    }));
  }

  /** Milliseconds since `start()` on the monotonic clock. */
  nowMs(): number {
    return performance.now() - this.origin;
  }

  /**
   * Runs the schedule for {@link PRIME_MS} before time zero without recording it, and resolves
   * at time zero. Without it, the first probes pay for connection set-up and cold code, fall
   * behind, and the overdue ones then go out together, each opening one more connection — the
   * target would see a burst where it should see a steady rate.
   *
   * It starts by fitting V8's memory settings to the run's rate (see memory.ts) and lowering the
   * priority of V8's background threads (see threads.ts), then warms the code path on loopback
   * (warm.ts). Next, each endpoint sends one request and waits for it (at most its timeout or
   * {@link WARM_UP_MAX_MS}): that opens the first connection and loads the HTTP parser, so the
   * first primer is not late. Then priming keeps the endpoint's cadence (the probe due at −1
   * interval, −2, …, from time zero; one at −{@link PRIME_MS} when the interval is longer), so
   * the target sees one steady stream from the first primer on. Primers that fall behind while
   * the code is still cold catch up at most {@link CATCH_UP} times the rate, never in a burst;
   * any still owed at time zero are dropped. Primers in flight at time zero complete or time out
   * unrecorded. A target that is down costs nothing: priming always ends at time zero.
   */
  async prime(): Promise<void> {
    if (this.started || this.primed) throw new Error('engine already started');
    this.primed = true;
    fitMemoryToRate(this.lanes.reduce((sum, lane) => sum + lane.config.rate, 0));
    deprioritizeV8Workers();
    this.origin = performance.now();
    const http = this.lanes.find((l) => l.config.kind === 'http');
    if (http) await warmCodePath(http.config);
    await Promise.all(this.lanes.map((lane) => this.warmUp(lane)));
    this.origin = performance.now() + PRIME_MS;
    const plans = this.lanes.map((lane) => {
      const interval = lane.pacer.intervalMs;
      const count = Math.max(1, Math.floor(PRIME_MS / interval));
      return { lane, interval, count, next: 0, catchUp: catchUpFor(lane.config.rate, -PRIME_MS) };
    });
    // Primer k (0-based) of `count` is due at offset − (count − k) × interval, or −PRIME_MS.
    const dueMs = (p: (typeof plans)[number], k: number) =>
      Math.max(-PRIME_MS, p.lane.pacer.offsetMs - (p.count - k) * p.interval);
    await new Promise<void>((resolve) => {
      const step = () => {
        const now = this.nowMs();
        if (now >= 0) {
          resolve();
          return;
        }
        let wakeAt = 0;
        for (const p of plans) {
          this.expire(p.lane, now);
          while (p.next < p.count) {
            const at = dueMs(p, p.next);
            if (at > now) {
              wakeAt = Math.min(wakeAt, at);
              break;
            }
            if (!p.catchUp.take(now)) {
              wakeAt = Math.min(wakeAt, p.catchUp.nextAtMs());
              break;
            }
            this.firePrimer(p.lane, at);
            p.next++;
          }
        }
        this.timer = setTimeout(step, Math.max(1, Math.floor(wakeAt - now)));
      };
      step();
    });
    this.timer = undefined;
    // The schedule goes on at time zero, and so does its bucket: a fresh, full one would allow
    // one bucket more around time zero. Not when the interval is longer than priming: the one
    // primer, PRIME_MS before time zero, left too little refill for the first probe (at 1/s it
    // would go 583 ms late), and a fresh bucket cannot burst at such rates anyway.
    for (const p of plans) if (p.interval <= PRIME_MS) p.lane.catchUp = p.catchUp;
  }

  /** One unrecorded request; resolves when it completes or after the warm-up limit. */
  private warmUp(lane: Lane): Promise<void> {
    return new Promise((resolve) => {
      const now = this.nowMs();
      const limit = Math.min(lane.config.timeoutMs, WARM_UP_MAX_MS);
      const timer = setTimeout(() => probe.expire(this.nowMs()), limit);
      const probe = new InflightProbe(-1, now, now, now + limit, () => {
        clearTimeout(timer);
        resolve();
      });
      this.primedCount++;
      lane.prober.send(probe);
    });
  }

  /** Sends one unrecorded primer (see {@link prime}); the deadline FIFO still times it out. */
  private firePrimer(lane: Lane, scheduledMs: number): void {
    const sentMs = this.nowMs();
    const probe = new InflightProbe(-1, scheduledMs, sentMs, sentMs + lane.config.timeoutMs, noop);
    lane.queue.push(probe);
    this.primedCount++;
    lane.density.add(sentMs);
    lane.prober.send(probe);
  }

  /**
   * Starts probing now (or at time zero set by {@link prime}). Returns the origin
   * (`performance.now()` at time zero).
   */
  start(): number {
    if (this.started) throw new Error('engine already started');
    this.started = true;
    // After priming, time zero is already set and the schedule just goes on.
    if (!this.primed) this.origin = performance.now();
    this.loopDelay.enable();
    this.tick();
    return this.origin;
  }

  /**
   * Stops sending (no probe due after now goes out; any still owed from before now go out at
   * the catch-up pace), waits for every probe sent to complete or reach its deadline, and closes
   * the connections.
   */
  async stop(): Promise<void> {
    if (!this.started) return;
    this.stopAtMs = Math.min(this.stopAtMs, this.nowMs());
    this.tick();
    if (!this.isDrained()) {
      await new Promise<void>((resolve) => (this.drained = resolve));
    }
    this.clearTimers();
    this.loopDelay.disable();
    await Promise.all(this.lanes.map((l) => l.prober.close()));
  }

  /** When probe `seq` of endpoint `index` is (or was) due, in ms since start. */
  scheduledMs(index: number, seq: number): number {
    return this.lanes[index]!.pacer.scheduledMs(seq);
  }

  /** How well the engine kept its schedule so far. */
  report(): EngineReport {
    const ns = (v: number) => Math.round(v / 1e3) / 1e3;
    return {
      latenessMs: this.stallTracker.latenessMs(),
      eventLoopDelayMs: {
        // The histogram holds whole timer intervals; the delay is what exceeds the interval.
        p99: this.loopDelay.count ? ns(excess(this.loopDelay.percentile(99))) : 0,
        max: this.loopDelay.count ? ns(excess(this.loopDelay.max)) : 0,
      },
      sent: this.stallTracker.sent,
      skipped: this.stallTracker.skipped,
      retries: this.lanes.reduce((n, l) => n + l.prober.retries, 0),
      primed: this.primedCount,
      densest10ms: Math.max(0, ...this.lanes.map((l) => l.density.max)),
      stalls: this.stallTracker.stalls(),
    };
  }

  private readonly tick = (): void => {
    this.clearTimers();
    const now = this.nowMs();
    let wakeAt = Infinity;
    for (const lane of this.lanes) {
      this.expire(lane, now);
      const pacer = lane.pacer;
      let next = pacer.nextMs;
      while (next <= now && next <= this.stopAtMs) {
        // A probe skipped at the in-flight cap (in fire) takes its token too: skips are paced
        // like sends, which is harmless.
        if (!lane.catchUp.take(now)) {
          // Behind schedule: the rest of the backlog goes out as tokens come (CATCH_UP).
          next = lane.catchUp.nextAtMs();
          break;
        }
        this.fire(lane, pacer.next, next, now);
        pacer.next++;
        next = pacer.nextMs;
      }
      if (pacer.nextMs <= this.stopAtMs) wakeAt = Math.min(wakeAt, next);
      const oldest = this.oldest(lane);
      if (oldest) wakeAt = Math.min(wakeAt, oldest.deadlineMs);
    }
    if (wakeAt === Infinity) {
      if (this.stopAtMs !== Infinity) this.checkDrained();
      return;
    }
    const delay = wakeAt - this.nowMs();
    // Never spin: yielding with setImmediate until a probe is due burns a whole core at
    // 1000/s. A timer has 1 ms granularity and fires late rather than early, so wake at the
    // whole millisecond (lateness stays under ~1.5 ms) — or at once when already due.
    if (delay <= 0) this.immediate = setImmediate(this.tick);
    else this.timer = setTimeout(this.tick, Math.max(1, Math.floor(delay)));
  };

  private fire(lane: Lane, seq: number, scheduledMs: number, now: number): void {
    if (lane.inflight >= lane.cap) {
      this.stallTracker.skip(scheduledMs, now);
      this.emitSkipped(lane, seq, scheduledMs);
      return;
    }
    // Read the clock per probe, not once per tick: in a burst, the time spent sending the
    // earlier probes is lateness of the later ones too.
    const sentMs = this.nowMs();
    this.stallTracker.sentLate(scheduledMs, sentMs - scheduledMs);
    const probe = new InflightProbe(
      seq,
      scheduledMs,
      sentMs,
      sentMs + lane.config.timeoutMs,
      (p, result, endMs) => this.completed(lane, p, result, endMs),
    );
    lane.queue.push(probe);
    lane.inflight++;
    lane.density.add(sentMs);
    lane.prober.send(probe);
  }

  private completed(lane: Lane, p: InflightProbe, r: ProbeResult, endMs: number): void {
    lane.inflight--;
    if (r.clientSide) {
      this.stallTracker.skip(p.scheduledMs, endMs);
      this.emitSkipped(lane, p.seq, p.scheduledMs);
    } else {
      this.onOutcome({
        endpoint: lane.index,
        seq: p.seq,
        scheduledMs: p.scheduledMs,
        sentMs: p.sentMs,
        latencyMs: endMs - p.scheduledMs,
        ok: r.ok,
        skipped: false,
        code: r.code,
        status: r.status,
        check: r.check,
        retried: p.retried,
        version: r.version,
        protocol: r.protocol,
        certificate: r.certificate,
      });
    }
    if (this.stopAtMs !== Infinity) this.checkDrained();
  }

  private emitSkipped(lane: Lane, seq: number, scheduledMs: number): void {
    this.onOutcome({
      endpoint: lane.index,
      seq,
      scheduledMs,
      sentMs: NaN,
      latencyMs: 0,
      ok: false,
      skipped: true,
      code: 'skipped',
      status: undefined,
      check: undefined,
      retried: false,
      version: undefined,
      protocol: undefined,
    });
  }

  /** Times out every probe whose deadline has passed (they are at the head of the FIFO). */
  private expire(lane: Lane, now: number): void {
    let p: InflightProbe | undefined;
    while ((p = this.oldest(lane)) && p.deadlineMs <= now) {
      lane.queue.shift();
      p.expire(now);
    }
  }

  /** The oldest probe still in flight, dropping completed ones from the head. */
  private oldest(lane: Lane): InflightProbe | undefined {
    const q = lane.queue;
    while (q.peek()?.done) q.shift();
    return q.peek();
  }

  /** Every probe due before the stop was sent (see {@link CATCH_UP}) and has completed. */
  private isDrained(): boolean {
    return this.lanes.every((l) => l.inflight === 0 && l.pacer.nextMs > this.stopAtMs);
  }

  private checkDrained(): void {
    if (this.drained && this.isDrained()) {
      const resolve = this.drained;
      this.drained = undefined;
      resolve();
    }
  }

  private clearTimers(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = undefined;
    this.immediate = undefined;
  }
}

function noop(): void {}

/** The catch-up pacing of one endpoint (see {@link CATCH_UP}), its clock starting at `nowMs`. */
function catchUpFor(rate: number, nowMs: number): CatchUp {
  return new CatchUp(rate, CATCH_UP, CATCH_UP_BUCKET_MS, nowMs);
}

/** A timer interval of the loop-delay monitor (ns) less the interval itself: the delay. */
function excess(intervalNs: number): number {
  return Math.max(0, intervalNs - LOOP_RESOLUTION_MS * 1e6);
}
