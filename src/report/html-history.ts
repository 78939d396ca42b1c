/**
 * The HTML report's history section, for endpoints judged with `budget.learn`: the budget each
 * was judged against (its reason, as every report says it) and a small trend chart — downtime of
 * its recent runs as bars, this run last, the budget as a dashed line. Static SVG: no script.
 * Pure.
 */
import { formatDuration } from '../config/duration.ts';
import type { EndpointResult, ResultDocument } from '../result.ts';
import { esc } from './html-summary.ts';

const WIDTH = 320;
const HEIGHT = 64;
const COLOURS: Record<string, string> = { fail: '#d73a49', degraded: '#b08800', pass: '#2da44e' };

/** The section, or '' when no endpoint learns its budget. */
export function renderHistoryHtml(doc: ResultDocument): string {
  const learning = doc.endpoints.filter((e) => e.budgetSource !== undefined);
  if (learning.length === 0) return '';
  const items = learning.map(
    (e) =>
      `<li data-endpoint="${esc(e.name)}"><strong>${esc(e.name)}</strong>: ${esc(e.reason)}${trendSvg(e, doc.startedAt)}</li>`,
  );
  return `<section class="zd-history"><h2>Against its history</h2><ul>${items.join('')}</ul></section>`;
}

/** Bars of past runs' downtime and this run's (last, outlined), with the budget line. */
function trendSvg(e: EndpointResult, startedAt: string): string {
  const past = (e.history ?? []).filter((p) => p.startedAt !== startedAt);
  const bars = [
    ...past.map((p) => ({ ms: p.downtimeMs, verdict: p.verdict, when: p.startedAt, now: false })),
    { ms: e.downtime.totalMs, verdict: e.verdict, when: 'this run', now: true },
  ];
  const budget = e.budgetSource?.maxDowntimeMs ?? null;
  const top = Math.max(1, budget ?? 0, ...bars.map((b) => b.ms)) * 1.1;
  const step = WIDTH / bars.length;
  const y = (ms: number) => HEIGHT - (ms / top) * (HEIGHT - 2);
  const rects = bars.map((b, i) => {
    const h = Math.max(1, HEIGHT - y(b.ms));
    const stroke = b.now ? ' stroke="#000" stroke-width="1.5"' : '';
    return (
      `<rect x="${(i * step + step * 0.15).toFixed(1)}" y="${(HEIGHT - h).toFixed(1)}" width="${(step * 0.7).toFixed(1)}" height="${h.toFixed(1)}" fill="${COLOURS[b.verdict] ?? '#888'}"${stroke}>` +
      `<title>${esc(`${b.when}: ${formatDuration(b.ms)} down (${b.verdict})`)}</title></rect>`
    );
  });
  const line =
    budget === null
      ? ''
      : `<line x1="0" x2="${WIDTH}" y1="${y(budget).toFixed(1)}" y2="${y(budget).toFixed(1)}" stroke="#555" stroke-dasharray="4 3"><title>${esc(`budget ${formatDuration(budget)}`)}</title></line>`;
  const label = `Downtime of the last ${bars.length} runs of ${e.name}, this run last`;
  return (
    `<svg class="zd-trend" role="img" aria-label="${esc(label)}" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" style="display:block;margin:4px 0 12px">` +
    `<title>${esc(label)}</title>${rects.join('')}${line}</svg>`
  );
}
