/**
 * One-box / canary comparison and "did the deploy make it slower": per endpoint and phase, probe
 * counts and a fixed-memory latency sample, judged with the count-based and rank tests of
 * compare.ts rather than fixed thresholds.
 */
import type { ZerodownConfig } from '../config/resolve.ts';
import type { ComparisonRecord } from '../result.ts';
import type { ProbeSession } from '../session.ts';
import { compareErrorRates, compareLatencies, LatencySample, type ProbeCounts } from './compare.ts';

interface Bucket extends ProbeCounts {
  sample: LatencySample;
}

/** Collects counts and latency samples per endpoint, per phase and since the deploy began. */
export class PhaseSampler {
  private readonly buckets = new Map<string, Bucket>();
  private deployStarted = false;

  constructor(session: ProbeSession) {
    session.onOutcome((o) => {
      if (o.skipped) return;
      const phase = session.phase ?? 'probe';
      if (phase.startsWith('deploy') || phase.startsWith('bake')) this.deployStarted = true;
      this.add(`${o.endpoint}:${phase}`, o.ok, o.latencyMs);
      this.add(`${o.endpoint}:*`, o.ok, o.latencyMs);
      if (this.deployStarted) this.add(`${o.endpoint}:since-deploy`, o.ok, o.latencyMs);
    });
  }

  private add(key: string, ok: boolean, latencyMs: number): void {
    let b = this.buckets.get(key);
    if (!b) this.buckets.set(key, (b = { failures: 0, total: 0, sample: new LatencySample(2000) }));
    b.total++;
    if (!ok) b.failures++;
    b.sample.add(latencyMs);
  }

  /** The bucket of endpoint `index` for a phase (`*`: all; `since-deploy`). */
  get(index: number, phase: string): Bucket {
    return (
      this.buckets.get(`${index}:${phase}`) ?? {
        failures: 0,
        total: 0,
        sample: new LatencySample(1),
      }
    );
  }
}

/** Compares two buckets: errors with Fisher's exact test, latency with Mann-Whitney. */
function compareBuckets(
  kind: ComparisonRecord['kind'],
  baselineName: string,
  canaryName: string,
  baseline: Bucket,
  canary: Bucket,
  o: { alpha: number; minEffect: number; minShiftRatio: number },
): ComparisonRecord {
  const errorRate = compareErrorRates(baseline, canary, { alpha: o.alpha, minEffect: o.minEffect });
  const latency = compareLatencies(baseline.sample.values(), canary.sample.values(), {
    alpha: o.alpha,
    minShiftRatio: o.minShiftRatio,
  });
  const verdict =
    errorRate.verdict === 'fail' || latency.verdict === 'fail'
      ? 'fail'
      : errorRate.verdict === 'inconclusive' && latency.verdict === 'inconclusive'
        ? 'inconclusive'
        : 'pass';
  return { kind, baseline: baselineName, canary: canaryName, verdict, errorRate, latency };
}

/** The canary comparison over `phase` (`*` for the whole run, `since-deploy` during stages). */
export function compareCanary(
  config: ZerodownConfig,
  sampler: PhaseSampler,
  phase: string,
): ComparisonRecord | undefined {
  const c = config.guard.canary;
  if (!c) return undefined;
  const names = config.endpoints.map((e) => e.name);
  const bi = names.indexOf(c.baseline);
  const ci = names.indexOf(c.canary);
  return compareBuckets(
    'canary',
    c.baseline,
    c.canary,
    sampler.get(bi, phase),
    sampler.get(ci, phase),
    c,
  );
}

/** Every comparison the config asks for, at the end of a run. */
export function judgeComparisons(
  config: ZerodownConfig,
  sampler: PhaseSampler,
): ComparisonRecord[] {
  const out: ComparisonRecord[] = [];
  const canary = compareCanary(config, sampler, '*');
  if (canary) out.push(canary);
  const cs = config.guard.compareSettle;
  if (cs) {
    config.endpoints.forEach((e, i) => {
      out.push(
        compareBuckets(
          'settle-vs-warmup',
          `${e.name} (warm-up)`,
          `${e.name} (settle)`,
          sampler.get(i, 'warmup'),
          sampler.get(i, 'settle'),
          cs,
        ),
      );
    });
  }
  return out;
}
