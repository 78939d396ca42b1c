/**
 * The text report, in the spirit of the original tool: "Downtime happened" or "No downtime
 * happened", the API and run time, then each endpoint's requests and either OK or its windows.
 * Pure: (doc) => string.
 */
import { formatDuration } from '../config/duration.ts';
import { describeCutovers } from '../analysis/versions.ts';
import type { DowntimeWindow, EndpointResult, ResultDocument } from '../result.ts';
import { guardLines } from './guard-text.ts';

/** Renders a result document as plain text (no colour codes). */
export function renderText(doc: ResultDocument): string {
  const lines: string[] = [];
  lines.push(headline(doc));
  lines.push('');
  lines.push(`API:      ${apiOf(doc)}`);
  lines.push(`Run time: ${formatDuration(doc.durationMs)}${phasesText(doc)}`);
  if (doc.deploy) lines.push(`Deploy:   ${deployText(doc)}`);
  if (doc.blocked) lines.push(`Blocked:  ${doc.blocked.reason}`);
  lines.push(...guardLines(doc.guard));
  if (doc.budget.maxDowntimeMs !== null) {
    lines.push(`Budget:   ${formatDuration(doc.budget.maxDowntimeMs)} of downtime per endpoint`);
  }
  lines.push('');
  for (const e of doc.endpoints) lines.push(...endpointText(e));
  const notes = engineNotes(doc);
  if (notes.length > 0) lines.push('', ...notes);
  lines.push('', verdictLine(doc));
  return lines.join('\n') + '\n';
}

/** The first line: `zerodown 0.1.0: Downtime happened` (with the run's state). */
export function headline(doc: ResultDocument): string {
  const down = doc.endpoints.some((e) => e.downtime.isDowntime);
  const state = doc.running
    ? ' (still running)'
    : doc.interrupted
      ? ' (interrupted: partial result)'
      : '';
  return `zerodown ${doc.tool.version}: ${down ? 'Downtime happened' : 'No downtime happened'}${state}`;
}

/** The origins probed, comma-separated. */
export function apiOf(doc: ResultDocument): string {
  const origins = [...new Set(doc.endpoints.map((e) => new URL(e.url).origin))];
  return origins.join(', ');
}

/** ` (warmup 5 s, deploy 8.4 s, settle 10 s)`, or nothing for a single phase. */
export function phasesText(doc: ResultDocument): string {
  if (doc.phases.length <= 1) return '';
  const parts = doc.phases.map((p) => `${p.name} ${formatDuration(p.endMs - p.startMs)}`);
  return ` (${parts.join(', ')})`;
}

/** `./deploy.sh — exit code 0, took 8.4 s` (needs `doc.deploy`). */
export function deployText(doc: ResultDocument): string {
  const d = doc.deploy!;
  const how =
    d.error !== undefined
      ? `could not start: ${d.error}`
      : d.signal
        ? `killed by ${d.signal}`
        : `exit code ${d.exitCode}`;
  return `${d.command} — ${how}, took ${formatDuration(d.durationMs)}`;
}

function endpointText(e: EndpointResult): string[] {
  const mark =
    e.verdict === 'fail' ? '✗' : e.verdict === 'degraded' ? '!' : e.downtime.isDowntime ? '~' : '✓';
  const p = e.percentiles;
  const lat =
    p['50'] === null
      ? 'no answers'
      : `latency p50 ${fmtMs(p['50'])}, p99 ${fmtMs(p['99'])}, max ${fmtMs(e.maxLatencyMs)}`;
  const out = [
    `${mark} ${e.name}  ${e.method} ${e.url}`,
    `    ${e.totalRequests} requests at ${e.rate}/s, ${e.totalErrors} failed; ${lat}`,
  ];
  if (e.verdict === 'degraded') {
    out.push(`    DEGRADED: ${e.reason}`);
  } else if (!e.downtime.isDowntime) {
    out.push('    OK');
  } else {
    e.downtime.windows.forEach((w, i) => out.push(`    ${windowText(w, i)}`));
    out.push(`    ${e.verdict === 'fail' ? 'FAIL' : 'within budget'}: ${e.reason}`);
  }
  if (e.versions && e.versions.length > 0) out.push(...versionLines(e));
  if (e.retries > 0)
    out.push(`    ${e.retries} probes retried once after a stale keep-alive connection`);
  if (e.skipped > 0) out.push(`    ${e.skipped} probes not sent: zerodown could not keep up`);
  return out;
}

/**
 * The version lines of an endpoint with version tracking:
 *
 *     versions: v1 +0.00 s…+8.50 s (412) → v2 +7.20 s…+12.0 s (240)
 *     cutover v1 → v2 at +7.20 s, mixed for 1.3 s
 *     flip-flops: 31 answers from an older version after a newer one (30 switches back, last at +8.48 s)
 */
export function versionLines(e: EndpointResult): string[] {
  const versions = e.versions ?? [];
  const vs = versions.map(
    (v) => `${v.version} +${fmtS(v.firstMs)}…+${fmtS(v.lastMs)} (${v.probes})`,
  );
  const out = [`    versions: ${vs.join(' → ')}`];
  for (const c of describeCutovers(versions)) {
    const mixed = c.mixedMs > 0 ? `mixed for ${formatDuration(c.mixedMs)}` : 'no overlap';
    out.push(`    cutover ${c.from} → ${c.to} at +${fmtS(c.atMs)}, ${mixed}`);
  }
  const f = e.flipFlops;
  if (f && f.count > 0) {
    const last = f.lastMs === null ? '' : `, last at +${fmtS(f.lastMs)}`;
    out.push(
      `    flip-flops: ${f.probes} answer${f.probes === 1 ? '' : 's'} from an older version after a newer one (${f.count} switch${f.count === 1 ? '' : 'es'} back${last})`,
    );
  }
  return out;
}

/** One window: `window 1: +7.00 s → +8.01 s, 1.01 s down (deploy): 503 x101`. */
export function windowText(w: DowntimeWindow, i: number): string {
  const codes = Object.entries(w.errorCodes)
    .sort((a, b) => b[1] - a[1])
    .map(([c, n]) => `${c} x${n}`)
    .join(', ');
  const checks = w.checks ? ` [${Object.keys(w.checks).join(', ')}]` : '';
  const end = w.open ? 'end (still down)' : `+${fmtS(w.endMs)}`;
  const phase = w.phase ? ` during ${w.phase}` : '';
  const stall = w.clientStall ? ' — zerodown itself fell behind here, read with care' : '';
  return `window ${i + 1}: +${fmtS(w.startMs)} → ${end}, ${formatDuration(w.durationMs)} down${phase}: ${codes}${checks}${stall}`;
}

function engineNotes(doc: ResultDocument): string[] {
  const e = doc.engine;
  const notes: string[] = [];
  if (e.skipped > 0 || e.stalls.length > 0) {
    notes.push(
      `Note: zerodown fell behind its schedule ${e.stalls.length} time(s) (max ${fmtMs(Math.max(...e.stalls.map((s) => s.maxLateMs), 0))} late, ${e.skipped} probes skipped); windows overlapping those periods are marked.`,
    );
  }
  return notes;
}

/** The last line: `Verdict: FAIL — …`, `Verdict: PASS — …`, `Verdict: BLOCKED — …`. */
export function verdictLine(doc: ResultDocument): string {
  const failed = doc.endpoints.filter((e) => e.verdict === 'fail');
  const n = doc.endpoints.length;
  if (doc.blocked) return 'Verdict: BLOCKED — the deploy was not started.';
  if (doc.guard?.aborted) {
    const failedRollback = (doc.guard.rollbacks ?? []).some((r) => r.exitCode !== 0);
    return `Verdict: ABORTED AND ROLLED BACK — ${doc.guard.breach?.reason ?? doc.guard.reason ?? 'a threshold was crossed'}${failedRollback ? '; A ROLLBACK COMMAND FAILED' : ''}${doc.guard.recovered === false ? '; THE SERVICE DID NOT RECOVER' : ''}.`;
  }
  const partial = doc.interrupted ? ' (so far: the run was interrupted)' : '';
  if (failed.length > 0) {
    const names = failed.map((e) => e.name).join(', ');
    return `Verdict: FAIL${partial} — ${failed.length} of ${n} endpoint${n === 1 ? '' : 's'} over the downtime budget: ${names}.`;
  }
  if (doc.verdict === 'degraded') {
    const names = doc.endpoints.filter((e) => e.verdict === 'degraded').map((e) => e.name);
    const fails = doc.guard?.failOnDegraded ? ' (and degraded fails this pipeline)' : '';
    return `Verdict: DEGRADED${partial} — no downtime over budget, but ${names.join(', ')} degraded${fails}.`;
  }
  const d = doc.deploy;
  if (d && (d.exitCode !== 0 || d.error !== undefined) && !doc.interrupted) {
    return 'Verdict: DEPLOY FAILED — no downtime, but the deploy command did not succeed.';
  }
  return `Verdict: PASS${partial} — no endpoint over its downtime budget.`;
}

/** A latency for people: `1.21 ms`, `12 ms`, `2.5 s`; `-` for none. */
export function fmtMs(ms: number | null): string {
  if (ms === null) return '-';
  return ms < 10 ? `${ms.toFixed(2)} ms` : ms < 1000 ? `${ms.toFixed(0)} ms` : formatDuration(ms);
}

/** An offset from the start in seconds: `7.00 s`. */
export function fmtS(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}
