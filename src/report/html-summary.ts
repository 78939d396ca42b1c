/**
 * The HTML report's summary, above the charts: the verdict, the run's facts, a table of
 * endpoints (requests, errors by code, percentiles, downtime) and their windows. Rendered on the
 * server (the live dashboard sends it again with each update); every string from the document
 * goes through `esc`. Pure.
 */
import { formatDuration } from '../config/duration.ts';
import type { EndpointResult, ResultDocument } from '../result.ts';
import { codesText, endpointMark, outcomeLabel, outcomeOf } from './common.ts';
import { guardLines } from './guard-text.ts';
import type { EndpointState } from './html-model.ts';
import { apiOf, deployText, fmtMs, fmtS, headline, phasesText, verdictLine } from './text.ts';

/** Windows listed per endpoint at most (the charts show them all). */
export const HTML_MAX_WINDOWS = 100;

/** The page title for a result (or for no run yet). */
export function titleOf(doc: ResultDocument | undefined): string {
  if (!doc) return 'zerodown: no run yet';
  return `zerodown ${outcomeLabel(outcomeOf(doc))}: ${headline(doc).replace(/^zerodown \S+: /, '')}`;
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
  const outcome = outcomeOf(doc);
  const facts: [string, string][] = [
    ['API', esc(apiOf(doc))],
    ['Run time', esc(`${formatDuration(doc.durationMs)}${phasesText(doc)}`)],
  ];
  if (doc.deploy) facts.push(['Deploy', esc(deployText(doc))]);
  if (doc.blocked) facts.push(['Blocked', esc(doc.blocked.reason)]);
  if (doc.budget.maxDowntimeMs !== null) {
    facts.push(['Budget', `${formatDuration(doc.budget.maxDowntimeMs)} of downtime per endpoint`]);
  }
  for (const line of guardLines(doc.guard)) {
    const m = /^([^:]+):\s+(.*)$/.exec(line);
    facts.push(m ? [esc(m[1]!), esc(m[2]!)] : ['Guard', esc(line)]);
  }
  facts.push(['Started', esc(doc.startedAt)]);
  const live = states.some((s) => s !== null);
  return [
    `<section class="zd-verdict zd-${outcome}" data-verdict="${doc.verdict}">`,
    `<h1><span class="zd-badge">${outcomeLabel(outcome)}</span> ${esc(headline(doc).replace(/^zerodown \S+: /, ''))}</h1>`,
    `<p>${esc(verdictLine(doc).replace(/^Verdict: [^—]*— /, ''))}</p>`,
    `<dl class="zd-facts">${facts.map(([k, v]) => `<div><dt>${k}</dt><dd>${v}</dd></div>`).join('')}</dl>`,
    engineNote(doc),
    '</section>',
    '<section class="zd-tables">',
    '<h2>Endpoints</h2>',
    `<div class="zd-scroll"><table class="zd-endpoints"><thead><tr>${live ? '<th>Now</th>' : ''}<th>Endpoint</th><th>Verdict</th><th class="n">Requests</th><th class="n">Failed</th><th>Errors by code</th><th class="n">p50</th><th class="n">p90</th><th class="n">p95</th><th class="n">p99</th><th class="n">max</th><th>Downtime</th></tr></thead><tbody>`,
    ...doc.endpoints.map((e, i) => endpointRow(e, live ? (states[i] ?? null) : undefined)),
    '</tbody></table></div>',
    windowTables(doc.endpoints),
    versionList(doc.endpoints),
    '</section>',
  ].join('\n');
}

function endpointRow(e: EndpointResult, state: EndpointState | undefined): string {
  const p = e.percentiles;
  const n = e.downtime.windows.length;
  const down = e.downtime.isDowntime
    ? `${formatDuration(e.downtime.totalMs)} in ${n} window${n === 1 ? '' : 's'}`
    : 'none';
  const mark = endpointMark(e);
  const verdict = mark === 'warn' ? 'within budget' : mark;
  const now =
    state === undefined
      ? ''
      : `<td><span class="zd-state zd-${state ?? 'unknown'}">${state === null ? '—' : state.toUpperCase()}</span></td>`;
  return (
    `<tr class="zd-${e.verdict}">${now}<td><strong>${esc(e.name)}</strong><br><small>${esc(e.method)} ${esc(e.url)}</small></td>` +
    `<td><span class="zd-pill zd-${mark}">${verdict}</span></td>` +
    `<td class="n">${e.totalRequests}</td><td class="n">${e.totalErrors}</td>` +
    `<td>${esc(codesText(e.errorCodes, ' ×')) || '—'}</td>` +
    `<td class="n">${fmtMs(p['50'])}</td><td class="n">${fmtMs(p['90'])}</td><td class="n">${fmtMs(p['95'])}</td>` +
    `<td class="n">${fmtMs(p['99'])}</td><td class="n">${fmtMs(e.maxLatencyMs)}</td>` +
    `<td>${down}</td></tr>`
  );
}

function windowTables(endpoints: readonly EndpointResult[]): string {
  const parts: string[] = [];
  for (const e of endpoints) {
    const windows = e.downtime.windows;
    if (windows.length === 0) continue;
    const rows = windows.slice(0, HTML_MAX_WINDOWS).map((w, i) => {
      const checks = w.checks ? ` [${Object.keys(w.checks).join(', ')}]` : '';
      const stall = w.clientStall ? ' <em>(zerodown fell behind here: read with care)</em>' : '';
      return (
        `<tr><td class="n">${i + 1}</td><td class="n">+${fmtS(w.startMs)}</td>` +
        `<td class="n">${w.open ? 'end (still down)' : `+${fmtS(w.endMs)}`}</td>` +
        `<td class="n"><strong>${formatDuration(w.durationMs)}</strong></td>` +
        `<td>${esc(w.phase ?? '')}</td><td>${esc(codesText(w.errorCodes, ' ×') + checks)}${stall}</td></tr>`
      );
    });
    const more =
      windows.length > HTML_MAX_WINDOWS
        ? `<p class="zd-more">…and ${windows.length - HTML_MAX_WINDOWS} more (the chart shows all).</p>`
        : '';
    parts.push(
      `<h3>Downtime windows: ${esc(e.name)}</h3>`,
      '<div class="zd-scroll"><table class="zd-windows"><thead><tr><th class="n">#</th><th class="n">From</th><th class="n">To</th><th class="n">Duration</th><th>Phase</th><th>Errors</th></tr></thead><tbody>',
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
      (v) => `${esc(v.version)} (+${fmtS(v.firstMs)} → +${fmtS(v.lastMs)}, ${v.probes} probes)`,
    );
    const mixed = e.mixedMs ? `; both answering for ${formatDuration(e.mixedMs)}` : '';
    items.push(`<li><strong>${esc(e.name)}</strong>: ${vs.join(' → ')}${mixed}</li>`);
  }
  return items.length === 0
    ? ''
    : `<h2>Versions</h2><ul class="zd-versions">${items.join('')}</ul>`;
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
