/**
 * Resolving the `guard:` section with the §5 flags (`--rollback`, `--abort-on-downtime`,
 * `--override`), which win over the file. Pure.
 */
import { configError } from '../errors.ts';
import type { GuardSection, Stage, Threshold } from './schema.ts';

/** Everything the guard does, resolved. */
export interface GuardConfig {
  readonly rollback: string | undefined;
  readonly override: string | undefined;
  readonly killGraceMs: number;
  readonly timeWindows: GuardSection['blockers'] extends infer B
    ? B extends { timeWindows?: infer T }
      ? NonNullable<T>
      : never
    : never;
  readonly alarms: NonNullable<NonNullable<GuardSection['blockers']>['alarms']>;
  readonly thresholds: readonly Threshold[];
  readonly stages: readonly Stage[] | undefined;
  readonly canary: GuardSection['canary'];
  readonly compareSettle: { alpha: number; minEffect: number; minShiftRatio: number } | undefined;
  readonly degraded: GuardSection['degraded'];
}

/** The guard flags of `run`. */
export interface GuardOverrides {
  rollback?: string | undefined;
  abortOnDowntimeMs?: number | undefined;
  override?: string | undefined;
}

/** Resolves the guard; `endpointNames` checks thresholds that name an endpoint. */
export function resolveGuard(
  raw: GuardSection | undefined,
  o: GuardOverrides,
  endpointNames: readonly string[],
): GuardConfig {
  const thresholds: Threshold[] = [...(raw?.thresholds ?? [])];
  const abortOnDowntime = o.abortOnDowntimeMs ?? raw?.abortOnDowntime;
  if (abortOnDowntime !== undefined) thresholds.push({ downtime: { max: abortOnDowntime } });
  thresholds.forEach((t, i) => {
    const endpoint = (Object.values(t)[0] as { endpoint?: string }).endpoint;
    if (endpoint !== undefined && !endpointNames.includes(endpoint)) {
      throw configError(
        `guard.thresholds[${i}].endpoint`,
        `no endpoint named ${JSON.stringify(endpoint)}`,
      );
    }
  });
  for (const key of ['baseline', 'canary'] as const) {
    const name = raw?.canary?.[key];
    if (name !== undefined && !endpointNames.includes(name)) {
      throw configError(`guard.canary.${key}`, `no endpoint named ${JSON.stringify(name)}`);
    }
  }
  const cs = raw?.compareSettle;
  const compareSettle =
    cs === undefined || cs === false
      ? undefined
      : cs === true
        ? { alpha: 0.01, minEffect: 0.01, minShiftRatio: 0.1 }
        : cs;
  const names = new Set<string>();
  raw?.stages?.forEach((s, i) => {
    if (names.has(s.name))
      throw configError(`guard.stages[${i}].name`, `duplicate stage ${s.name}`);
    names.add(s.name);
  });
  return Object.freeze({
    rollback: o.rollback ?? raw?.rollback,
    override: o.override ?? raw?.override,
    killGraceMs: raw?.killGrace ?? 5000,
    timeWindows: raw?.blockers?.timeWindows ?? [],
    alarms: raw?.blockers?.alarms ?? [],
    thresholds: Object.freeze(thresholds),
    stages: raw?.stages,
    canary: raw?.canary,
    compareSettle,
    degraded: raw?.degraded,
  });
}
