/**
 * The HTML report's summary, above the charts: the verdict, the run's facts, a table of
 * endpoints (requests, errors by code, percentiles, downtime) and their windows. Rendered on the
 * server (the live dashboard sends it again with each update); every string from the document
 * goes through `esc`. Pure.
 */
import { incidentsOf } from '../analysis/incidents.ts';
import { formatDuration } from '../config/duration.ts';
import { decideOutcome } from '../outcome.ts';
import type { EndpointResult, ResultDocument } from '../result.ts';
import {
  agentLabel,
  agentLanes,
  badgeLabel,
  certificateSentences,
  badgeOf,
  codesText,
  endpointMark,
  incidentSpan,
  incidentWhat,
  mergeGapOf,
  protocolsText,
  seconds,
} from './common.ts';
import type { EndpointState } from './html-model.ts';
import { fmtMs, runFacts } from './text.ts';

/** Incidents listed per endpoint at most (the charts show them all). */
export const HTML_MAX_INCIDENTS = 100;

/** The page title for a result (or for no run yet). */
export function titleOf(doc: ResultDocument | undefined): string {
  if (!doc) return 'zerodown: no run yet';
  const outcome = decideOutcome(doc);
  return `zerodown ${badgeLabel(outcome)}: ${outcome.headline}`;
}

/** The summary's HTML; `states` (live runs) add an up/down column. */
export function renderSummaryHtml(
  doc: ResultDocument | undefined,
  states: readonly EndpointState[] = [],
): string {
  if (!doc) {
    return (
      '<section class="zd-verdict zd-idle"><h1><span class="zd-badge">IDLE</span> No run yet</h1>' +
      '<p>Start one with <code>POST /start</code> (or <code>zerodown start</code>): this page ' +
      'follows it live.</p></section>'
    );
  }
  const outcome = decideOutcome(doc);
  const facts = [...runFacts(doc), ['Started', doc.startedAt] as const];
  const live = states.some((s) => s !== null);
  return [
    `<section class="zd-verdict zd-${badgeOf(outcome)}" data-verdict="${outcome.verdict}">`,
    `<h1><span class="zd-badge">${badgeLabel(outcome)}</span> ${esc(outcome.headline)}</h1>`,
    `<p>${esc(outcome.sentence)}</p>`,
    `<dl class="zd-facts">${facts.map(([k, v]) => `<div><dt>${esc(k)}</dt><dd>${esc(v)}</dd></div>`).join('')}</dl>`,
    engineNote(doc),
    '</section>',
    '<section class="zd-tables">',
    '<h2>Endpoints</h2>',
    `<div class="zd-scroll"><table class="zd-endpoints"><thead><tr>${live ? '<th>Now</th>' : ''}<th>Endpoint</th><th>Verdict</th><th class="n">Requests</th><th class="n">Failed</th><th>Errors by code</th><th class="n">p50</th><th class="n">p90</th><th class="n">p95</th><th class="n">p99</th><th class="n">max</th><th>Downtime</th></tr></thead><tbody>`,
    ...doc.endpoints.flatMap((e, i) => [
      endpointRow(e, mergeGapOf(doc), live ? (states[i] ?? null) : undefined),
      // Merged documents: the endpoint as each agent saw it, under the union row.
      ...agentLanes(e).map((l) =>
        endpointRow(l.endpoint, mergeGapOf(doc), live ? null : undefined, l.agent),
      ),
    ]),
    '</tbody></table></div>',
    agentTable(doc),
    incidentTables(doc),
    versionList(doc.endpoints),
    certificateList(doc.endpoints),
    '</section>',
  ].join('\n');
}

/** Merged documents: each agent, its verdict, where it probed from, and any gap. */
function agentTable(doc: ResultDocument): string {
  if (!doc.agents) return '';
  const rows = doc.agents.map((a) => {
    const mark = !a.complete ? 'inconclusive' : a.verdict === 'fail' ? 'fail' : 'pass';
    const timed = a.startedAt !== null;
    return (
      `<tr class="zd-agent" data-agent="${esc(a.name)}" data-complete="${a.complete}"><td><strong>${esc(a.name)}</strong></td>` +
      `<td><span class="zd-pill zd-${mark}">${esc(agentLabel(a))}</span></td>` +
      `<td>${esc(a.host ?? '—')}</td>` +
      `<td class="n">${timed ? `+${esc(formatDuration(a.offsetMs))}` : '—'}</td>` +
      `<td class="n">${timed ? esc(formatDuration(a.durationMs)) : '—'}</td>` +
      `<td class="n">${a.totalRequests}</td><td class="n">${a.totalErrors}</td>` +
      `<td>${a.complete ? 'complete' : esc(`incomplete: ${a.reason ?? a.gap ?? ''}`)}</td></tr>`
    );
  });
  return [
    '<h2>Agents</h2>',
    '<div class="zd-scroll"><table class="zd-agents"><thead><tr><th>Agent</th><th>Verdict</th><th>Host</th><th class="n">Start</th><th class="n">Ran</th><th class="n">Requests</th><th class="n">Failed</th><th>Data</th></tr></thead><tbody>',
    ...rows,
    '</tbody></table></div>',
  ].join('\n');
}

function endpointRow(
  e: EndpointResult,
  mergeGapMs: number,
  state: EndpointState | undefined,
  agent?: string,
): string {
  const p = e.percentiles;
  const n = e.downtime.windows.length;
  const i = incidentsOf(e, mergeGapMs).length;
  const incidents = i === n ? '' : `, ${i} incident${i === 1 ? '' : 's'}`;
  const down = e.downtime.isDowntime
    ? `${formatDuration(e.downtime.totalMs)} in ${n} window${n === 1 ? '' : 's'}${incidents}`
    : 'none';
  const mark = endpointMark(e);
  const verdict = mark === 'warn' ? 'within budget' : mark;
  const now =
    state === undefined
      ? ''
      : `<td><span class="zd-state zd-${state ?? 'unknown'}">${state === null ? '—' : state.toUpperCase()}</span></td>`;
  return (
    (agent === undefined
      ? `<tr class="zd-${e.verdict}">${now}<td><strong>${esc(e.name)}</strong><br><small>${esc(e.method)} ${esc(e.url)}</small></td>`
      : `<tr class="zd-${e.verdict} zd-agent-row" data-agent="${esc(agent)}">${now}<td>@ <strong>${esc(agent)}</strong><br><small>${esc(e.method)} ${esc(e.url)}</small></td>`) +
    `<td><span class="zd-pill zd-${mark}">${verdict}</span></td>` +
    `<td class="n">${e.totalRequests}</td><td class="n">${e.totalErrors}</td>` +
    `<td>${esc(codesText(e.errorCodes, ' ×')) || '—'}</td>` +
    `<td class="n">${fmtMs(p['50'])}</td><td class="n">${fmtMs(p['90'])}</td><td class="n">${fmtMs(p['95'])}</td>` +
    `<td class="n">${fmtMs(p['99'])}</td><td class="n">${fmtMs(e.maxLatencyMs)}</td>` +
    `<td>${down}</td></tr>`
  );
}

function incidentTables(doc: ResultDocument): string {
  const parts: string[] = [];
  for (const e of doc.endpoints) {
    const incidents = incidentsOf(e, mergeGapOf(doc));
    if (incidents.length === 0) continue;
    const rows = incidents
      .slice(0, HTML_MAX_INCIDENTS)
      .map(
        (incident, i) =>
          `<tr class="zd-${incident.kind}"><td class="n">${i + 1}</td>` +
          `<td class="n">${esc(incidentSpan(incident))}</td>` +
          `<td class="n"><strong>${formatDuration(incident.durationMs)}</strong></td>` +
          `<td>${esc(incidentWhat(incident, ' ×'))}</td></tr>`,
      );
    const more =
      incidents.length > HTML_MAX_INCIDENTS
        ? `<p class="zd-more">…and ${incidents.length - HTML_MAX_INCIDENTS} more (the chart shows all).</p>`
        : '';
    parts.push(
      `<h3>Incidents: ${esc(e.name)}</h3>`,
      '<div class="zd-scroll"><table class="zd-incidents"><thead><tr><th class="n">#</th><th class="n">When</th><th class="n">Duration</th><th>What</th></tr></thead><tbody>',
      ...rows,
      `</tbody></table></div>${more}`,
    );
  }
  return parts.join('\n');
}

function versionList(endpoints: readonly EndpointResult[]): string {
  const items: string[] = [];
  for (const e of endpoints) {
    if (!e.versions || e.versions.length === 0) continue;
    const vs = e.versions.map(
      (v) =>
        `${esc(v.version)} (+${seconds(v.firstMs)} → +${seconds(v.lastMs)}, ${v.probes} probes)`,
    );
    const mixed = e.mixedMs ? `; both answering for ${formatDuration(e.mixedMs)}` : '';
    items.push(`<li><strong>${esc(e.name)}</strong>: ${vs.join(' → ')}${mixed}</li>`);
  }
  return items.length === 0
    ? ''
    : `<h2>Versions</h2><ul class="zd-versions">${items.join('')}</ul>`;
}

/** TLS endpoints: the certificate, or each change of it (marked), and the protocols. */
function certificateList(endpoints: readonly EndpointResult[]): string {
  const items: string[] = [];
  for (const e of endpoints) {
    const protocols = protocolsText(e);
    const over = protocols ? ` — over ${esc(protocols)}` : '';
    for (const c of certificateSentences(e)) {
      const cls = c.changed ? ' class="zd-cert-changed"' : '';
      const mark = c.changed ? '⚠ ' : '';
      items.push(`<li${cls}>${mark}<strong>${esc(e.name)}</strong>: ${esc(c.text)}${over}</li>`);
    }
  }
  return items.length === 0
    ? ''
    : `<h2>Certificates</h2><ul class="zd-certificates">${items.join('')}</ul>`;
}

function engineNote(doc: ResultDocument): string {
  const e = doc.engine;
  if (e.skipped === 0 && e.stalls.length === 0) return '';
  return `<p class="zd-note">zerodown fell behind its schedule ${e.stalls.length} time(s) (${e.skipped} probes skipped); windows overlapping those periods are marked.</p>`;
}

/** Escapes text for HTML content and attribute values. */
export function esc(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}
