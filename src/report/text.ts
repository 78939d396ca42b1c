/**
 * The text report, in the spirit of the original tool: "Downtime happened" or "No downtime
 * happened", the API and run time, then each endpoint's requests and either OK or its incidents,
 * one line each. Pure: (doc) => string.
 */
import { describeCutovers } from '../analysis/versions.ts';
import { incidentsOf } from '../analysis/incidents.ts';
import { formatDuration } from '../config/duration.ts';
import { decideOutcome, describeDeploy } from '../outcome.ts';
import type { EndpointResult, ResultDocument } from '../result.ts';
import {
  agentLanes,
  agentText,
  certificateSentences,
  codesText,
  incidentSpan,
  incidentWhat,
  mergeGapOf,
  protocolsText,
  seconds,
} from './common.ts';
import { guardFacts, type Fact } from './guard-text.ts';

/** Renders a result document as plain text (no colour codes). */
export function renderText(doc: ResultDocument): string {
  const outcome = decideOutcome(doc);
  const lines: string[] = [];
  lines.push(`zerodown ${doc.tool.version}: ${outcome.headline}`);
  lines.push('');
  for (const [label, text] of runFacts(doc)) lines.push(`${`${label}:`.padEnd(9)} ${text}`);
  lines.push('');
  const gap = mergeGapOf(doc);
  for (const e of doc.endpoints) lines.push(...endpointText(e, gap));
  const notes = engineNotes(doc);
  if (notes.length > 0) lines.push('', ...notes);
  lines.push('', `Verdict: ${outcome.label} — ${outcome.sentence}`);
  return lines.join('\n') + '\n';
}

/**
 * The run's facts under the headline, as every report lists them: API, run time, deploy,
 * blocked, what the guard did, the budget.
 */
export function runFacts(doc: ResultDocument): Fact[] {
  const facts: Fact[] = [
    ['API', apiOf(doc)],
    ['Run time', `${formatDuration(doc.durationMs)}${phasesText(doc)}`],
  ];
  if (doc.agents) facts.push(['Agents', doc.agents.map(agentText).join('; ') || 'none']);
  else if (doc.agent !== undefined) facts.push(['Agent', doc.agent]);
  if (doc.deploy) facts.push(['Deploy', describeDeploy(doc.deploy)]);
  if (doc.blocked) facts.push(['Blocked', doc.blocked.reason]);
  facts.push(...guardFacts(doc.guard));
  const budget = budgetText(doc);
  if (budget) facts.push(['Budget', budget]);
  return facts;
}

/** `1 s of downtime per endpoint, incidents up to 2 s`; undefined when no budget is set. */
export function budgetText(doc: ResultDocument): string | undefined {
  const parts: string[] = [];
  const b = doc.budget;
  if (b.maxDowntimeMs !== null)
    parts.push(`${formatDuration(b.maxDowntimeMs)} of downtime per endpoint`);
  if (b.maxIncidentMs != null) parts.push(`incidents up to ${formatDuration(b.maxIncidentMs)}`);
  return parts.length > 0 ? parts.join(', ') : undefined;
}

/** The origins probed (by every agent of a merged document), comma-separated. */
export function apiOf(doc: ResultDocument): string {
  const urls = doc.endpoints.flatMap((e) => [e.url, ...agentLanes(e).map((l) => l.endpoint.url)]);
  const origins = [...new Set(urls.map((u) => new URL(u).origin))];
  return origins.join(', ');
}

/** ` (warmup 5 s, deploy 8.4 s, settle 10 s)`, or nothing for a single phase. */
export function phasesText(doc: ResultDocument): string {
  if (doc.phases.length <= 1) return '';
  const parts = doc.phases.map((p) => `${p.name} ${formatDuration(p.endMs - p.startMs)}`);
  return ` (${parts.join(', ')})`;
}

function endpointText(e: EndpointResult, mergeGapMs: number): string[] {
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
  if (e.totalRequests === 0) {
    out.push('    NOT MEASURED: no probe was sent (the run ended first)');
  } else if (e.verdict === 'degraded') {
    out.push(`    DEGRADED: ${e.reason}`);
  } else if (!e.downtime.isDowntime) {
    // With a learned budget, which one (and the history behind it) is worth a line too.
    out.push(e.budgetSource ? `    OK: ${e.reason}` : '    OK');
  } else {
    incidentsOf(e, mergeGapMs).forEach((incident, i) =>
      out.push(`    incident ${i + 1}: ${incidentSpan(incident)}, ${incidentWhat(incident)}`),
    );
    out.push(`    ${e.verdict === 'fail' ? 'FAIL' : 'within budget'}: ${e.reason}`);
  }
  if (e.versions && e.versions.length > 0) out.push(...versionLines(e));
  const protocols = protocolsText(e);
  if (protocols) out.push(`    protocols: ${protocols}`);
  for (const c of certificateSentences(e)) {
    out.push(`    ${c.changed ? 'CHANGED: ' : ''}${c.text}`);
  }
  if (e.retries > 0)
    out.push(`    ${e.retries} probes retried once after a stale keep-alive connection`);
  if (e.skipped > 0) out.push(`    ${e.skipped} probes not sent: zerodown could not keep up`);
  const lanes = agentLanes(e);
  const width = Math.max(0, ...lanes.map((l) => l.agent.length));
  for (const lane of lanes) {
    out.push(`    @ ${lane.agent.padEnd(width)}  ${agentEndpointText(lane.endpoint, mergeGapMs)}`);
  }
  return out;
}

/**
 * One agent's view of an endpoint in one line:
 * `✗ 60 requests, 20 failed; p50 1.13 ms, p99 1.99 ms; 1 incident, 1 s down (503 x20)`.
 */
export function agentEndpointText(e: EndpointResult, mergeGapMs: number): string {
  const mark =
    e.verdict === 'fail' ? '✗' : e.verdict === 'degraded' ? '!' : e.downtime.isDowntime ? '~' : '✓';
  const p = e.percentiles;
  const lat = p['50'] === null ? 'no answers' : `p50 ${fmtMs(p['50'])}, p99 ${fmtMs(p['99'])}`;
  const n = incidentsOf(e, mergeGapMs).length;
  const down = e.downtime.isDowntime
    ? `${n} incident${n === 1 ? '' : 's'}, ${formatDuration(e.downtime.totalMs)} down (${codesText(e.errorCodes)})`
    : 'no downtime';
  return `${mark} ${e.totalRequests} requests, ${e.totalErrors} failed; ${lat}; ${down}`;
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
    (v) => `${v.version} +${seconds(v.firstMs)}…+${seconds(v.lastMs)} (${v.probes})`,
  );
  const out = [`    versions: ${vs.join(' → ')}`];
  for (const c of describeCutovers(versions)) {
    const mixed = c.mixedMs > 0 ? `mixed for ${formatDuration(c.mixedMs)}` : 'no overlap';
    out.push(`    cutover ${c.from} → ${c.to} at +${seconds(c.atMs)}, ${mixed}`);
  }
  const f = e.flipFlops;
  if (f && f.count > 0) {
    const last = f.lastMs === null ? '' : `, last at +${seconds(f.lastMs)}`;
    out.push(
      `    flip-flops: ${f.probes} answer${f.probes === 1 ? '' : 's'} from an older version after a newer one (${f.count} switch${f.count === 1 ? '' : 'es'} back${last})`,
    );
  }
  return out;
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

/** A latency for people: `1.21 ms`, `12 ms`, `2.5 s`; `-` for none. */
export function fmtMs(ms: number | null): string {
  if (ms === null) return '-';
  return ms < 10 ? `${ms.toFixed(2)} ms` : ms < 1000 ? `${ms.toFixed(0)} ms` : formatDuration(ms);
}
