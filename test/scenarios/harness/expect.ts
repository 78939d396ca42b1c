/** Configs and assertions shared by the scenarios. */
import assert from 'node:assert/strict';
import type { EndpointResult, ResultDocument } from '../../../src/result.ts';
import type { ScenarioEvent, ScenarioRun } from './scenario.ts';

/** The timing every scenario uses unless it says otherwise: short, so the suite stays short. */
export const TIMING = { rate: 50, timeout: '1s', warmup: '1s', settle: '1500ms' } as const;

/** A zerodown config: `endpoints` with the scenario defaults (rate 50/s, 1 s warm-up…). */
export function scenarioConfig(
  endpoints: Record<string, unknown>[],
  o: { rate?: number; timeout?: string; warmup?: string; settle?: string } = {},
): Record<string, unknown> {
  return {
    defaults: { rate: o.rate ?? TIMING.rate, timeout: o.timeout ?? TIMING.timeout },
    endpoints,
    phases: { warmup: o.warmup ?? TIMING.warmup, settle: o.settle ?? TIMING.settle },
  };
}

/** The endpoint named `name` in the result. */
export function endpoint(doc: ResultDocument, name: string): EndpointResult {
  const e = doc.endpoints.find((x) => x.name === name);
  assert.ok(e, `no endpoint ${name} in ${doc.endpoints.map((x) => x.name).join(', ')}`);
  return e;
}

/** The one event matching `ev` and `match` (the first when several). */
export function event(
  run: ScenarioRun,
  ev: string,
  match: Partial<Pick<ScenarioEvent, 'name' | 'version'>> = {},
): ScenarioEvent {
  const found = run.events.find(
    (e) =>
      e.ev === ev &&
      (match.name === undefined || e.name === match.name) &&
      (match.version === undefined || e.version === match.version),
  );
  assert.ok(found, `no ${ev} event for ${JSON.stringify(match)}`);
  return found;
}

/** Asserts |actual − expected| ≤ tolerance, with both in the message. */
export function assertNear(actual: number, expected: number, tolerance: number, what: string) {
  assert.ok(
    Math.abs(actual - expected) <= tolerance,
    `${what}: measured ${actual.toFixed(1)} ms, expected ${expected.toFixed(1)} ± ${tolerance} ms`,
  );
}

/**
 * What a timing comparison must allow beyond the probe interval, in ms: the worst send lateness
 * zerodown measured in this very run (a probe scheduled at t reached the target at t + lateness;
 * on a busy 2-core machine that is a few ms, sometimes 20 or more) plus 5 ms for the proxy hop
 * and for aligning the backends' clock with the result's (`startedAt` has ms resolution).
 */
export function slackMs(run: ScenarioRun): number {
  return Math.ceil(run.doc.engine.latenessMs.max) + 5;
}

/** The error classes of an endpoint's failures, sorted. */
export function codes(e: EndpointResult): string[] {
  return Object.keys(e.errorCodes).sort();
}

/** One line of what a scenario measured, for the test log (`node --test` prints diagnostics). */
export function summary(run: ScenarioRun): string {
  return run.doc.endpoints
    .map((e) => {
      const ws = e.downtime.windows.map((w) => `${w.durationMs.toFixed(0)}ms`).join('+') || '-';
      const vs = (e.versions ?? []).map((v) => v.version).join('→');
      const ff = e.flipFlops ? ` flipflops=${e.flipFlops.count}` : '';
      return `${e.name}: failed=${e.totalErrors}/${e.totalRequests} ${JSON.stringify(e.errorCodes)} windows=${ws} versions=${vs} mixed=${e.mixedMs ?? '-'}${ff} retries=${e.retries}`;
    })
    .join('; ')
    .concat(`; lateness max ${run.doc.engine.latenessMs.max} ms`);
}
