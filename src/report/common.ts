/**
 * What every report says the same way: badges, error counts, the worst windows. (The run's
 * outcome itself is decided in outcome.ts.)
 * Pure.
 */
import type { Outcome } from '../outcome.ts';
import { DEFAULT_MERGE_GAP_MS, incidentsOf } from '../analysis/incidents.ts';
import { percent } from '../analysis/verdict.ts';
import { formatDuration } from '../config/duration.ts';
import { certificateChanges } from '../analysis/certificates.ts';
import type {
  AgentSummary,
  CertificateSeen,
  DowntimeIncident,
  DowntimeWindow,
  EndpointResult,
  ResultDocument,
  RunVerdict,
} from '../result.ts';

/**
 * What a badge, an icon or a colour shows for a run: its verdict, or `running` while it goes on
 * (the verdict is then only so far).
 */
export type Badge = RunVerdict | 'running';

/** The badge of an outcome. */
export function badgeOf(outcome: Outcome): Badge {
  return outcome.running ? 'running' : outcome.verdict;
}

/** The label beside a badge: `PASS`, `ROLLED BACK`…, `RUNNING` while the run goes on. */
export function badgeLabel(outcome: Outcome): string {
  return outcome.running ? 'RUNNING' : outcome.label;
}

/** How an endpoint did: `fail`, `degraded`, `warn` (downtime within budget) or `pass`. */
export function endpointMark(e: EndpointResult): 'fail' | 'degraded' | 'warn' | 'pass' {
  if (e.verdict === 'fail') return 'fail';
  if (e.verdict === 'degraded') return 'degraded';
  return e.downtime.isDowntime ? 'warn' : 'pass';
}

/** Error counts, most frequent first: `503 x101, timeout x3`. */
export function codesText(codes: Readonly<Record<string, number>>, times = ' x'): string {
  return Object.entries(codes)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([code, n]) => `${code}${times}${n}`)
    .join(', ');
}

/** An incident together with the endpoint it belongs to and its number there (1-based). */
export interface EndpointIncident {
  endpoint: EndpointResult;
  incident: DowntimeIncident;
  index: number;
}

/** The `n` longest incidents of the run, longest first (ties: earliest first). */
export function worstIncidents(doc: ResultDocument, n: number): EndpointIncident[] {
  const all: EndpointIncident[] = [];
  for (const endpoint of doc.endpoints) {
    incidentsOf(endpoint, mergeGapOf(doc)).forEach((incident, i) =>
      all.push({ endpoint, incident, index: i + 1 }),
    );
  }
  all.sort(
    (a, b) =>
      b.incident.durationMs - a.incident.durationMs || a.incident.startMs - b.incident.startMs,
  );
  return all.slice(0, n);
}

/** The run's merge gap (documents from before incidents: the default). */
export function mergeGapOf(doc: ResultDocument): number {
  return doc.budget.mergeGapMs ?? DEFAULT_MERGE_GAP_MS;
}

/** Every incident of the run, counted. */
export function incidentCount(doc: ResultDocument): number {
  return doc.endpoints.reduce((n, e) => n + incidentsOf(e, mergeGapOf(doc)).length, 0);
}

/** When an incident was: `+1.08 s → +3.06 s`, `+1.08 s → end (still down)`. */
export function incidentSpan(i: DowntimeIncident | DowntimeWindow): string {
  return `+${seconds(i.startMs)} → ${i.open ? 'end (still down)' : `+${seconds(i.endMs)}`}`;
}

/**
 * What an incident was, in one line of plain text (escape it for the format):
 * `1.98 s partial outage during deploy: 50 % of 99 probes failed (500 x50) in 50 windows`, or
 * for a single window `1.01 s outage during deploy: 503 x101`.
 */
export function incidentWhat(i: DowntimeIncident, times = ' x'): string {
  const phase = i.phase ? ` during ${i.phase}` : '';
  const codes = codesText(i.errorCodes, times);
  const checks = i.checks ? ` [${checksText(i.checks)}]` : '';
  const failed =
    i.windows === 1 && i.failures === i.probes
      ? `${codes}${checks}`
      : `${i.kind === 'partial' ? percent(i.failureRatio) : `${i.failures}`} of ${i.probes} probes failed (${codes})${checks} in ${i.windows} window${i.windows === 1 ? '' : 's'}`;
  const stall = i.clientStall ? ' — zerodown itself fell behind here, read with care' : '';
  const kind = i.kind === 'partial' ? 'partial outage' : 'outage';
  return `${formatDuration(i.durationMs)} ${kind}${phase}: ${failed}${stall}${seenBy(i)}`;
}

/** Merged documents: ` — seen by eu, us` for a window or incident that names its agents. */
export function seenBy(w: { agents?: string[] }): string {
  return w.agents && w.agents.length > 0 ? ` — seen by ${w.agents.join(', ')}` : '';
}

/** An agent of a merged document as a lane: its view of one endpoint. */
export interface AgentLane {
  agent: string;
  endpoint: EndpointResult;
}

/** Each agent's view of an endpoint of a merged document, in agent order; none otherwise. */
export function agentLanes(e: EndpointResult): AgentLane[] {
  return Object.entries(e.byAgent ?? {}).map(([agent, endpoint]) => ({ agent, endpoint }));
}

/** An agent's verdict as a label: `PASS`, `FAIL`, `MISSING`, `INCOMPLETE` when it has a gap. */
export function agentLabel(a: AgentSummary): string {
  if (a.verdict === 'missing') return 'MISSING';
  return a.verdict.replace('-', ' ').toUpperCase();
}

/**
 * One agent in a few words: `eu PASS (host-1, +0 ms, ran 3.01 s)`, or with a gap
 * `sg INTERRUPTED — incomplete: interrupted at 2026-…Z (+1.2 s)`.
 */
export function agentText(a: AgentSummary): string {
  const where = [
    a.host,
    a.startedAt === null ? undefined : `+${formatDuration(a.offsetMs)}`,
    a.startedAt === null ? undefined : `ran ${formatDuration(a.durationMs)}`,
  ].filter((x) => x !== undefined);
  const facts = where.length > 0 ? ` (${where.join(', ')})` : '';
  const gap = a.complete ? '' : ` — incomplete: ${a.reason ?? a.gap ?? 'no data'}`;
  return `${a.name} ${agentLabel(a)}${facts}${gap}`;
}

/** The three most frequent failed checks, and how many more: `json:$.status = "DOWN"…, +2 more`. */
export function checksText(checks: Readonly<Record<string, number>>): string {
  const keys = Object.entries(checks)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([k]) => k);
  const more = keys.length > 3 ? `, +${keys.length - 3} more` : '';
  return `${keys.slice(0, 3).join('; ')}${more}`;
}

/** An offset from the start in seconds: `7.00 s`. */
export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

/** Replaces control characters (newlines included) with spaces: one line of user text. */
export function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ');
}

/** `E0:C9:75:B0…64:6A:BB:4D`: enough of a SHA-256 fingerprint to tell two apart at a glance. */
export function shortFingerprint(fp: string): string {
  return fp.length > 24 ? `${fp.slice(0, 11)}…${fp.slice(-11)}` : fp;
}

/** `127.0.0.1 (issuer test CA, valid to 2026-12-06, SHA-256 E0:C9:75:B0…64:6A:BB:4D)`. */
export function certificateText(c: CertificateSeen): string {
  return `${c.subject} (issuer ${c.issuer}, valid to ${c.validTo.slice(0, 10)}, SHA-256 ${shortFingerprint(c.fingerprint256)})`;
}

/**
 * What reports say about an endpoint's certificates, one sentence each: the certificate when it
 * never changed, else each change (`certificate changed at +1.12 s: A → B`), with how long the
 * old one was still served after the new one appeared.
 */
export function certificateSentences(e: EndpointResult): { changed: boolean; text: string }[] {
  const certs = e.certificates ?? [];
  if (certs.length === 1)
    return [{ changed: false, text: `certificate ${certificateText(certs[0]!)}` }];
  return certificateChanges(certs).map(({ atMs, from, to }) => {
    const overlap = from.lastMs > atMs ? `; the old one served until +${seconds(from.lastMs)}` : '';
    return {
      changed: true,
      text: `certificate changed at +${seconds(atMs)}: ${certificateText(from)} → ${certificateText(to)}${overlap}`,
    };
  });
}

/** `h2 1200, http/1.1 3`; empty when every probe was answered over HTTP/1.1 (or unknown). */
export function protocolsText(e: EndpointResult): string {
  const entries = Object.entries(e.protocols ?? {});
  if (entries.length === 0 || (entries.length === 1 && entries[0]![0] === 'http/1.1')) return '';
  return entries.map(([p, n]) => `${p} ${n}`).join(', ');
}
