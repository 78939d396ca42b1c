/**
 * Watching a deploy: alarm thresholds over sliding windows, evaluated continuously on the live
 * probe outcomes (error rate, consecutive failures and downtime on every outcome; latency
 * percentiles, "nothing happens" and Prometheus queries on a 100 ms tick). The first breach is
 * reported once.
 */
import type { ProbeOutcome } from '../probe/outcome.ts';
import type { ProbeSession } from '../session.ts';
import { conditionHolds } from './prometheus.ts';
import type { Threshold } from './schema.ts';
import { round3 } from '../analysis/histogram.ts';

/** A threshold that was crossed. */
export interface Breach {
  threshold: string;
  endpoint?: string;
  reason: string;
  /** When the monitor noticed, ms since the run started. */
  atMs: number;
  /** When the data that crossed it arrived (the probe's completion or the query's answer). */
  measurableAtMs: number;
}

const TICK_MS = 100;

interface Recent {
  tMs: number;
  ok: boolean;
  latencyMs: number;
}

/** Per-endpoint sliding state. */
class Lane {
  readonly recent: Recent[] = [];
  head = 0;
  failures = 0;
  streak = 0;
  lastOkMs: number;
  downtimeAtArmMs = 0;

  constructor(armedAtMs: number) {
    this.lastOkMs = armedAtMs;
  }

  push(r: Recent, keepMs: number): void {
    this.recent.push(r);
    if (!r.ok) this.failures++;
    this.prune(r.tMs - keepMs);
  }

  prune(beforeMs: number): void {
    while (this.head < this.recent.length && this.recent[this.head]!.tMs < beforeMs) {
      if (!this.recent[this.head]!.ok) this.failures--;
      this.head++;
    }
    if (this.head > 4096 && this.head * 2 > this.recent.length) {
      this.recent.splice(0, this.head);
      this.head = 0;
    }
  }

  /** Outcomes completed since `fromMs`. */
  since(fromMs: number): Recent[] {
    const out: Recent[] = [];
    for (let i = this.recent.length - 1; i >= this.head && this.recent[i]!.tMs >= fromMs; i--)
      out.push(this.recent[i]!);
    return out;
  }
}

/**
 * What the monitor watches: a local session, or an agent's live view on a hub (hub/agent-view.ts)
 * — its endpoints' accumulators, its outcomes as they come, and its clock.
 */
export type GuardedSource = Pick<ProbeSession, 'nowMs' | 'stats' | 'onOutcome' | 'config'>;

/** Evaluates thresholds on a session while armed. */
export class GuardMonitor {
  private readonly session: GuardedSource;
  private readonly thresholds: readonly Threshold[];
  private readonly onBreach: (b: Breach) => void;
  private lanes: Lane[] = [];
  private armedAtMs = 0;
  private timer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;
  private readonly keepMs: number;
  private readonly lastQuery = new Map<number, number>();
  private querying = new Set<number>();
  breach: Breach | undefined;

  constructor(
    session: GuardedSource,
    thresholds: readonly Threshold[],
    onBreach: (b: Breach) => void,
  ) {
    this.session = session;
    this.thresholds = thresholds;
    this.onBreach = onBreach;
    this.keepMs = Math.max(
      1000,
      ...thresholds.map((t) => {
        const v = Object.values(t)[0] as { window?: number };
        return v.window ?? 0;
      }),
    );
  }

  /** Starts watching from now (downtime counts from now on). */
  arm(): void {
    if (this.thresholds.length === 0 || this.timer) return;
    this.armedAtMs = this.session.nowMs();
    this.lanes = this.session.stats.map((s) => {
      const lane = new Lane(this.armedAtMs);
      lane.downtimeAtArmMs = s.downtimeMs;
      return lane;
    });
    this.unsubscribe = this.session.onOutcome((o) => this.outcome(o));
    this.timer = setInterval(() => this.tick(), TICK_MS);
    this.timer.unref();
  }

  /** Stops watching. */
  disarm(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  private name(i: number): string {
    return this.session.config.endpoints[i]!.name;
  }

  private applies(endpoint: string | undefined, i: number): boolean {
    return endpoint === undefined || endpoint === this.name(i);
  }

  /** Reports a breach found outside the monitor (e.g. a canary comparison at a bake's end). */
  report(b: Omit<Breach, 'atMs'>): void {
    this.fire(b);
  }

  private fire(b: Omit<Breach, 'atMs'>): void {
    if (this.breach) return;
    this.breach = { ...b, atMs: round3(this.session.nowMs()) };
    this.disarm();
    this.onBreach(this.breach);
  }

  private outcome(o: ProbeOutcome): void {
    if (o.skipped || this.breach) return;
    const lane = this.lanes[o.endpoint]!;
    const tMs = o.scheduledMs + o.latencyMs;
    lane.push({ tMs, ok: o.ok, latencyMs: o.latencyMs }, this.keepMs);
    lane.streak = o.ok ? 0 : lane.streak + 1;
    if (o.ok) lane.lastOkMs = tMs;
    const at = round3(tMs);
    const name = this.name(o.endpoint);
    for (const t of this.thresholds) {
      if ('consecutiveFailures' in t && this.applies(t.consecutiveFailures.endpoint, o.endpoint)) {
        if (lane.streak > t.consecutiveFailures.max) {
          this.fire({
            threshold: 'consecutiveFailures',
            endpoint: name,
            measurableAtMs: at,
            reason: `${lane.streak} consecutive failures on ${name} (max ${t.consecutiveFailures.max})`,
          });
        }
      } else if ('downtime' in t && this.applies(t.downtime.endpoint, o.endpoint)) {
        this.checkDowntime(t.downtime.max, o.endpoint, at);
      }
      if (this.breach) return;
    }
  }

  private checkErrorRate(
    t: { max: number; window: number; minProbes: number },
    i: number,
    at: number,
  ): void {
    const recent = this.lanes[i]!.since(at - t.window);
    if (recent.length < t.minProbes) return;
    const last = Math.max(...recent.map((r) => r.tMs));
    const failed = recent.filter((r) => !r.ok).length;
    const rate = failed / recent.length;
    if (rate > t.max) {
      this.fire({
        threshold: 'errorRate',
        endpoint: this.name(i),
        measurableAtMs: round3(last),
        reason: `error rate ${(rate * 100).toFixed(1)}% on ${this.name(i)} over ${t.window} ms (${failed}/${recent.length}; max ${(t.max * 100).toFixed(1)}%)`,
      });
    }
  }

  private checkDowntime(maxMs: number, i: number, at: number): void {
    const down = this.session.stats[i]!.downtimeMs - this.lanes[i]!.downtimeAtArmMs;
    if (down > maxMs) {
      this.fire({
        threshold: 'downtime',
        endpoint: this.name(i),
        measurableAtMs: at,
        reason: `${Math.round(down)} ms of downtime on ${this.name(i)} during the deploy (max ${maxMs} ms)`,
      });
    }
  }

  private tick(): void {
    const now = this.session.nowMs();
    this.thresholds.forEach((t, ti) => {
      if (this.breach) return;
      if ('errorRate' in t) {
        // On the tick, not per outcome: a window of 10 s at 1000/s is 10k probes to count.
        this.lanes.forEach((_lane, i) => {
          if (this.applies(t.errorRate.endpoint, i) && !this.breach)
            this.checkErrorRate(t.errorRate, i, now);
        });
      } else if ('latency' in t) {
        this.lanes.forEach((lane, i) => {
          if (!this.applies(t.latency.endpoint, i) || this.breach) return;
          const recent = lane.since(now - t.latency.window);
          if (recent.length < t.latency.minProbes) return;
          const sorted = recent.map((r) => r.latencyMs).sort((a, b) => a - b);
          const value =
            sorted[
              Math.min(
                sorted.length - 1,
                Math.ceil((t.latency.percentile / 100) * sorted.length) - 1,
              )
            ]!;
          if (value > t.latency.max) {
            this.fire({
              threshold: 'latency',
              endpoint: this.name(i),
              measurableAtMs: round3(Math.max(...recent.map((r) => r.tMs))),
              reason: `p${t.latency.percentile} latency ${value.toFixed(1)} ms on ${this.name(i)} over ${t.latency.window} ms (max ${t.latency.max} ms)`,
            });
          }
        });
      } else if ('noTraffic' in t) {
        this.lanes.forEach((lane, i) => {
          if (!this.applies(t.noTraffic.endpoint, i) || this.breach) return;
          if (now - lane.lastOkMs > t.noTraffic.window) {
            this.fire({
              threshold: 'noTraffic',
              endpoint: this.name(i),
              measurableAtMs: round3(lane.lastOkMs + t.noTraffic.window),
              reason: `nothing happens on ${this.name(i)}: no successful probe for ${Math.round(now - lane.lastOkMs)} ms (max ${t.noTraffic.window} ms)`,
            });
          }
        });
      } else if ('prometheus' in t) {
        const p = t.prometheus;
        if (this.querying.has(ti) || now - (this.lastQuery.get(ti) ?? -Infinity) < p.interval)
          return;
        this.lastQuery.set(ti, now);
        this.querying.add(ti);
        conditionHolds(p)
          .then((r) => {
            if (r.holds && this.timer) {
              this.fire({
                threshold: `prometheus:${p.name}`,
                measurableAtMs: round3(this.session.nowMs()),
                reason: `${p.name}: ${r.detail}`,
              });
            }
          })
          .catch((err: Error) =>
            process.stderr.write(`zerodown guard: ${p.name}: query failed: ${err.message}\n`),
          )
          .finally(() => this.querying.delete(ti));
      }
    });
  }
}
