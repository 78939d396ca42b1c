/**
 * The guard's part of the text report: blockers, stages, the breach, rollbacks and recovery.
 * Pure.
 */
import { formatDuration } from '../config/duration.ts';
import type { GuardRecord } from '../result.ts';

const at = (ms: number) => `+${(ms / 1000).toFixed(2)} s`;

/** One fact: a label (`Blocker`, `ABORTED`, `Rollback`…) and what it says. */
export type Fact = readonly [label: string, text: string];

/** Text lines of what the guard did: `Blocker:  …`, labels padded to one column. */
export function guardLines(g: GuardRecord | undefined): string[] {
  return guardFacts(g).map(([label, text]) => `${`${label}:`.padEnd(9)} ${text}`);
}

/** What the guard did, as facts (empty when it did nothing worth saying). */
export function guardFacts(g: GuardRecord | undefined): Fact[] {
  if (!g) return [];
  const out: Fact[] = [];
  const no = g.blockers.filter((b) => b.blocks);
  for (const b of no) out.push(['Blocker', `${b.name} said no: ${b.reason}`]);
  if (g.override !== undefined) out.push(['Override', `deployed anyway — ${g.override}`]);
  for (const s of g.stages ?? []) {
    const how =
      s.status === 'not-started'
        ? 'not started'
        : `${s.status} (${at(s.startMs)}${s.endMs !== null ? ` → ${at(s.endMs)}` : ''}${s.exitCode !== null && s.exitCode !== 0 ? `, exit ${s.exitCode}` : ''}${s.bakeEndMs !== null ? `, baked until ${at(s.bakeEndMs)}` : ''})`;
    out.push(['Stage', `${s.name}: ${how}`]);
  }
  if (g.breach) {
    out.push([
      'ABORTED',
      `${g.breach.reason} at ${at(g.breach.atMs)} (measurable at ${at(g.breach.measurableAtMs)})`,
    ]);
  }
  for (const r of g.rollbacks ?? []) {
    const ok = r.exitCode === 0;
    const what = r.stage !== undefined ? `rollback of ${r.stage}` : 'rollback';
    out.push([
      ok ? 'Rollback' : 'ROLLBACK FAILED',
      `${what}: ${r.command} — ${r.error ?? (r.signal ? `killed by ${r.signal}` : `exit code ${r.exitCode}`)}, ${at(r.startMs)} → ${at(r.endMs)} (${formatDuration(r.endMs - r.startMs)})`,
    ]);
  }
  if (g.aborted && (g.rollbacks ?? []).length === 0)
    out.push(['Rollback', 'none configured (give --rollback)']);
  if (g.aborted) {
    out.push(
      g.recovered
        ? ['Recovery', `every endpoint answered again by ${at(g.recoveredAtMs ?? 0)}`]
        : ['RECOVERY', 'NOT CONFIRMED — an endpoint was still down when probing ended'],
    );
  }
  for (const c of g.comparisons ?? []) {
    const e = c.errorRate;
    const l = c.latency;
    const pct = (r: number | null) => (r === null ? '-' : `${(r * 100).toFixed(2)}%`);
    const ms = (v: number | null) => (v === null ? '-' : `${v.toFixed(1)} ms`);
    out.push([
      'Compare',
      `${c.canary} vs ${c.baseline}: ${c.verdict.toUpperCase()} — errors ${pct(e.canaryRate)} vs ${pct(e.baselineRate)} (p=${e.pValue.toPrecision(2)}, ${e.verdict}); median ${ms(l.canaryMedianMs)} vs ${ms(l.baselineMedianMs)} (p=${l.pValue.toPrecision(2)}, ${l.verdict})`,
    ]);
  }
  return out;
}
