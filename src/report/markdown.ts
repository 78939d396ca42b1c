/**
 * The Markdown report, written for GitHub's job summary (`$GITHUB_STEP_SUMMARY`) and pull request
 * comments: the verdict, a table of endpoints, the downtime windows, and a timeline of unicode
 * sparklines (one column per slice of the run) that renders anywhere Markdown does. Every string
 * from the document is escaped. Pure: (doc) => string.
 */
import { formatDuration } from '../config/duration.ts';
import type { EndpointResult, ResultDocument } from '../result.ts';
import { incidentsOf } from '../analysis/incidents.ts';
import { decideOutcome } from '../outcome.ts';
import {
  agentLabel,
  agentLanes,
  badgeLabel,
  badgeOf,
  codesText,
  certificateSentences,
  endpointMark,
  incidentCount,
  incidentSpan,
  incidentWhat,
  mergeGapOf,
  oneLine,
  protocolsText,
  seconds,
  type Badge,
} from './common.ts';
import { fmtMs, runFacts } from './text.ts';

/** Incidents listed at most (GitHub caps a job summary at 1 MiB). */
export const MARKDOWN_MAX_INCIDENTS = 50;
/** Columns of the sparkline timeline. */
export const SPARKLINE_COLUMNS = 60;

/** The icon of each badge. */
export const ICON: Record<Badge, string> = {
  pass: '✅',
  fail: '❌',
  degraded: '🟡',
  blocked: '⛔',
  'rolled-back': '↩️',
  'deploy-failed': '⚠️',
  inconclusive: '❔',
  interrupted: '⏹️',
  running: '⏳',
};

/** Renders a result document as GitHub-flavoured Markdown. */
export function renderMarkdown(doc: ResultDocument): string {
  const outcome = decideOutcome(doc);
  const out: string[] = [];
  out.push(
    `## ${ICON[badgeOf(outcome)]} zerodown ${md(doc.tool.version)}: ${md(outcome.headline)}`,
    '',
  );
  out.push(`**${badgeLabel(outcome)}** — ${md(outcome.sentence)}`);
  out.push('');
  for (const [label, text] of runFacts(doc)) out.push(`- **${md(label)}:** ${md(text)}`);
  out.push('', ...endpointTable(doc), '');
  const agents = agentTable(doc);
  if (agents.length > 0) out.push('### Agents', '', ...agents, '');
  // Budgets learned from history (budget.learn): which, from how many runs.
  const learned = doc.endpoints.filter((e) => e.budgetSource !== undefined);
  for (const e of learned) out.push(`- **${md(e.name)}:** ${md(e.reason)}`);
  if (learned.length > 0) out.push('');
  const incidents = incidentTable(doc);
  if (incidents.length > 0) out.push('### Incidents', '', ...incidents, '');
  const versions = versionLines(doc.endpoints);
  if (versions.length > 0) out.push('### Versions', '', ...versions, '');
  const certificates = certificateLines(doc.endpoints);
  if (certificates.length > 0) out.push('### Certificates', '', ...certificates, '');
  out.push('### Timeline', '', ...sparklines(doc), '');
  out.push(`<sub>zerodown ${md(doc.tool.version)} · started ${md(doc.startedAt)}</sub>`, '');
  return out.join('\n');
}

function endpointTable(doc: ResultDocument): string[] {
  const rows = [
    '| | Endpoint | Requests | Failed | Errors | p50 | p90 | p99 | max | Downtime |',
    '|:-:|---|--:|--:|---|--:|--:|--:|--:|---|',
  ];
  for (const e of doc.endpoints) {
    const mark = { fail: '❌', degraded: '🟡', warn: '⚠️', pass: '✅' }[endpointMark(e)];
    const p = e.percentiles;
    const down = e.downtime.isDowntime
      ? `${downtimeCell(e, mergeGapOf(doc))}${e.verdict !== 'fail' ? ' (within budget)' : ''}`
      : 'none';
    rows.push(
      `| ${mark} | **${md(e.name)}**<br>${md(e.method)} ${md(e.url)} | ${e.totalRequests} | ${e.totalErrors} | ${md(codesText(e.errorCodes, ' ×')) || '—'} | ${fmtMs(p['50'])} | ${fmtMs(p['90'])} | ${fmtMs(p['99'])} | ${fmtMs(e.maxLatencyMs)} | ${down} |`,
    );
  }
  return rows;
}

/**
 * Merged documents: one row per agent (verdict, where, gap), then one per endpoint × agent.
 * Empty for a single vantage.
 */
function agentTable(doc: ResultDocument): string[] {
  if (!doc.agents) return [];
  const rows = [
    '| | Agent | Verdict | Host | Start | Ran | Requests | Failed | Complete |',
    '|:-:|---|---|---|--:|--:|--:|--:|---|',
  ];
  for (const a of doc.agents) {
    const mark = !a.complete ? '❔' : a.verdict === 'fail' ? '❌' : '✅';
    const timed = a.startedAt !== null;
    rows.push(
      `| ${mark} | **${md(a.name)}** | ${md(agentLabel(a))} | ${md(a.host ?? '—')} | ${timed ? `+${md(formatDuration(a.offsetMs))}` : '—'} | ${timed ? md(formatDuration(a.durationMs)) : '—'} | ${a.totalRequests} | ${a.totalErrors} | ${a.complete ? 'yes' : `no: ${md(a.reason ?? a.gap ?? '')}`} |`,
    );
  }
  const lanes = doc.endpoints.flatMap((e) => agentLanes(e).map((l) => ({ e, ...l })));
  if (lanes.length === 0) return rows;
  rows.push(
    '',
    '| | Endpoint | Agent | Requests | Failed | Errors | p50 | p99 | max | Downtime |',
    '|:-:|---|---|--:|--:|---|--:|--:|--:|---|',
  );
  for (const { e, agent, endpoint: a } of lanes) {
    const mark = { fail: '❌', degraded: '🟡', warn: '⚠️', pass: '✅' }[endpointMark(a)];
    const p = a.percentiles;
    const down = a.downtime.isDowntime ? downtimeCell(a, mergeGapOf(doc)) : 'none';
    rows.push(
      `| ${mark} | ${md(e.name)} | **${md(agent)}** | ${a.totalRequests} | ${a.totalErrors} | ${md(codesText(a.errorCodes, ' ×')) || '—'} | ${fmtMs(p['50'])} | ${fmtMs(p['99'])} | ${fmtMs(a.maxLatencyMs)} | ${down} |`,
    );
  }
  return rows;
}

/** `1.01 s in 1 window`; with incidents that merge windows: `990 ms in 50 windows, 1 incident`. */
function downtimeCell(e: EndpointResult, mergeGapMs: number): string {
  const n = e.downtime.windows.length;
  const i = incidentsOf(e, mergeGapMs).length;
  const windows = `${formatDuration(e.downtime.totalMs)} in ${n} window${n === 1 ? '' : 's'}`;
  return i === n ? windows : `${windows}, ${i} incident${i === 1 ? '' : 's'}`;
}

function incidentTable(doc: ResultDocument): string[] {
  const total = incidentCount(doc);
  if (total === 0) return [];
  const rows = ['| Endpoint | # | When | What |', '|---|--:|---|---|'];
  let listed = 0;
  for (const e of doc.endpoints) {
    for (const [i, incident] of incidentsOf(e, mergeGapOf(doc)).entries()) {
      if (listed === MARKDOWN_MAX_INCIDENTS) break;
      listed++;
      rows.push(
        `| ${md(e.name)} | ${i + 1} | ${md(incidentSpan(incident))} | ${md(incidentWhat(incident, ' ×'))} |`,
      );
    }
  }
  if (listed < total) {
    rows.push(
      '',
      `…and ${total - listed} more incidents: see the result document or the HTML report.`,
    );
  }
  return rows;
}

function versionLines(endpoints: readonly EndpointResult[]): string[] {
  const lines: string[] = [];
  for (const e of endpoints) {
    if (!e.versions || e.versions.length === 0) continue;
    const vs = e.versions.map(
      (v) => `${md(v.version)} (+${seconds(v.firstMs)} → +${seconds(v.lastMs)})`,
    );
    const mixed = e.mixedMs ? `, both answering for ${formatDuration(e.mixedMs)}` : '';
    lines.push(`- **${md(e.name)}:** ${vs.join(' → ')}${mixed}`);
  }
  return lines;
}

/** One line per TLS endpoint: its certificate, or each change of it (flagged), and protocols. */
function certificateLines(endpoints: readonly EndpointResult[]): string[] {
  const lines: string[] = [];
  for (const e of endpoints) {
    const protocols = protocolsText(e);
    const over = protocols ? ` — over ${md(protocols)}` : '';
    for (const c of certificateSentences(e)) {
      lines.push(`- ${c.changed ? '⚠️ ' : ''}**${md(e.name)}:** ${md(c.text)}${over}`);
    }
  }
  return lines;
}

const LEVELS = '▁▂▃▄▅▆▇█';

/**
 * One line per endpoint: the share of failed probes in each column of the run (`▁` none,
 * `█` all; a blank column had no probes), under a line naming the phases where they begin.
 */
export function sparklines(doc: ResultDocument, columns = SPARKLINE_COLUMNS): string[] {
  const spanMs = Math.max(doc.durationMs, 1);
  const colMs = spanMs / columns;
  // Merged documents: each endpoint's row, then a row per agent (`/health @eu`).
  const lanes = doc.endpoints.flatMap((e) => [
    { e, name: e.name },
    ...agentLanes(e).map((l) => ({ e: l.endpoint, name: `${e.name} @${l.agent}` })),
  ]);
  const names = lanes.map((l) => oneLine(l.name).replace(/`/g, "'"));
  const width = Math.min(Math.max(6, ...names.map((n) => [...n].length)), 40);
  const label = (s: string) => {
    const chars = [...s];
    return chars.length > width ? `${chars.slice(0, width - 1).join('')}…` : s.padEnd(width);
  };
  const end = `+${formatDuration(doc.durationMs)}`;
  const lines = [`${label('')}  +0 s${end.padStart(Math.max(columns - 4, end.length + 1))}`];
  if (doc.phases.length > 1) lines.push(`${label('phases')}  ${phaseRow(doc, colMs, columns)}`);
  lanes.forEach(({ e }, i) => {
    const ok = new Array<number>(columns).fill(0);
    const failed = new Array<number>(columns).fill(0);
    // A point counts in every column its interval overlaps (short runs: a point spans several).
    const intervalMs = e.timeline.intervalMs;
    for (const p of e.timeline.points) {
      const first = Math.min(columns - 1, Math.floor(p.startMs / colMs));
      const last = Math.min(columns - 1, Math.ceil((p.startMs + intervalMs) / colMs) - 1);
      for (let c = first; c <= Math.max(first, last); c++) {
        ok[c]! += p.ok;
        failed[c]! += p.failed;
      }
    }
    let row = '';
    for (let c = 0; c < columns; c++) {
      const n = ok[c]! + failed[c]!;
      if (n === 0) row += ' ';
      else if (failed[c] === 0) row += LEVELS[0];
      else row += LEVELS[1 + Math.min(6, Math.floor((failed[c]! / n) * 7))];
    }
    lines.push(`${label(names[i]!)}  ${row.trimEnd()}`);
  });
  const secs = formatDuration(colMs);
  return [
    '```text',
    ...lines,
    '```',
    `<sub>Share of failed probes over the run, ${md(secs)} a column: ▁ none … █ all failed.</sub>`,
  ];
}

function phaseRow(doc: ResultDocument, colMs: number, columns: number): string {
  const row = new Array<string>(columns).fill(' ');
  for (const p of doc.phases) {
    const start = Math.min(columns - 1, Math.round(p.startMs / colMs));
    const end = Math.min(columns, Math.round(p.endMs / colMs));
    const text = `${start === 0 ? '' : '|'}${oneLine(p.name).replace(/`/g, "'")}`;
    for (let c = start, k = 0; c < end && k < text.length; c++, k++) row[c] = text[k]!;
  }
  return row.join('').trimEnd();
}

/** Escapes user text for Markdown (tables included): one line, no markup, no HTML, no mention. */
export function md(text: string): string {
  return oneLine(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/@/g, '&#64;')
    .replace(/[\\`*_[\]|~]/g, (c) => `\\${c}`);
}
