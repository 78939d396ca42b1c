/**
 * The HTML report: one self-contained file (the chart library, styles and data inlined; nothing
 * fetched, which its Content-Security-Policy enforces) with the verdict and tables above one
 * timeline chart per endpoint. The live dashboard of `zerodown serve` is the same page, fed by
 * server-sent events. Pure but for reading the chart library from node_modules once.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { ResultDocument } from '../result.ts';
import { REPORT_JS } from './html-client.ts';
import { chartModel, type ChartModel, type EndpointState } from './html-model.ts';
import { REPORT_CSS } from './html-style.ts';
import { renderHistoryHtml } from './html-history.ts';
import { esc, renderSummaryHtml, titleOf } from './html-summary.ts';

/** The chart library, inlined into every report. */
interface ChartLibrary {
  js: string;
  css: string;
  version: string;
}

let library: ChartLibrary | undefined;

/** uPlot's browser build and stylesheet, read from the installed package (a runtime dependency). */
function chartLibrary(): ChartLibrary {
  if (!library) {
    const require = createRequire(import.meta.url);
    const read = (file: string) => readFileSync(require.resolve(`uplot/${file}`), 'utf8');
    const pkg = JSON.parse(read('package.json')) as { version: string };
    library = {
      js: read('dist/uPlot.iife.min.js'),
      css: read('dist/uPlot.min.css'),
      version: pkg.version,
    };
  }
  return library;
}

/** Renders a result document as a self-contained HTML page. */
export function renderHtml(doc: ResultDocument): string {
  return page({
    title: titleOf(doc),
    summaryHtml: renderSummaryHtml(doc) + renderHistoryHtml(doc),
    model: chartModel(doc),
    live: undefined,
    footer: `result of the run started ${doc.startedAt}`,
    version: doc.tool.version,
  });
}

/**
 * Renders the live dashboard: the report of the current run (or of none yet) that follows the
 * server-sent events at `eventsUrl` without reloading.
 */
export function renderDashboard(
  doc: ResultDocument | undefined,
  states: readonly EndpointState[],
  eventsUrl: string,
  version: string,
): string {
  return page({
    title: titleOf(doc),
    summaryHtml: renderSummaryHtml(doc, states),
    model: doc ? chartModel(doc, states) : null,
    live: eventsUrl,
    footer: 'live dashboard of zerodown serve',
    version,
  });
}

function page(p: {
  title: string;
  summaryHtml: string;
  model: ChartModel | null;
  live: string | undefined;
  footer: string;
  version: string;
}): string {
  const lib = chartLibrary();
  const scripts = [lib.js, REPORT_JS].map(scriptSafe);
  const hashes = scripts.map((s) => `'sha256-${createHash('sha256').update(s).digest('base64')}'`);
  const csp = [
    "default-src 'none'",
    `script-src ${hashes.join(' ')}`,
    "style-src 'unsafe-inline'",
    `connect-src ${p.live ? "'self'" : "'none'"}`,
    "img-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  const data = jsonForScript({ model: p.model, live: p.live ?? null });
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="referrer" content="no-referrer">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<title>${esc(p.title)}</title>
<style>${lib.css}
${REPORT_CSS}</style>
</head>
<body>
<div class="zd-page">
${p.live ? '<span class="zd-conn" id="zd-conn">○ connecting…</span>' : '<span class="zd-conn" id="zd-conn"></span>'}
<div id="zd-summary">${p.summaryHtml}</div>
<h2>Timeline</h2>
<p class="zd-note">Probes per second (ok, failed) and latency p50/p99 per second; downtime windows shaded; incidents (windows less than the merge gap apart) banded with their duration, hatched when partial; phases and version cut-overs marked. Drag to zoom, double-click to reset.</p>
<main class="zd-charts" id="zd-charts"></main>
<footer>zerodown ${esc(p.version)} · ${esc(p.footer)} · charts by uPlot ${esc(lib.version)} (MIT)</footer>
</div>
<script type="application/json" id="zd-data">${data}</script>
<script>${scripts[0]}</script>
<script>${scripts[1]}</script>
</body>
</html>
`;
}

/** JSON that can sit inside a <script> element: no `<` (so no `</script>` or `<!--`). */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** Script text that cannot end its <script> element early. */
function scriptSafe(js: string): string {
  return js.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}
