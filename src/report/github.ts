/**
 * GitHub Actions workflow commands for a result: an `::error title=Downtime::…` annotation for
 * each endpoint over its budget, a `::warning` for downtime within it and for a degraded
 * endpoint. Pure: (doc) => string.
 */
import type { ResultDocument } from '../result.ts';
import { incidentsOf } from '../analysis/incidents.ts';
import type { DowntimeIncident } from '../result.ts';
import { incidentSpan, incidentWhat, mergeGapOf } from './common.ts';

/** Renders the annotations (one line each; empty when there was no downtime). */
export function renderGithubAnnotations(doc: ResultDocument): string {
  const lines: string[] = [];
  for (const e of doc.endpoints) {
    if (e.verdict === 'degraded') {
      lines.push(
        `::warning title=Degraded::${data(`${e.name} (${e.method} ${e.url}): ${e.reason}`)}`,
      );
      continue;
    }
    if (!e.downtime.isDowntime) continue;
    // The longest incident (the first of the longest), when the document has any.
    const longest = incidentsOf(e, mergeGapOf(doc)).reduce<DowntimeIncident | undefined>(
      (a, b) => (a === undefined || b.durationMs > a.durationMs ? b : a),
      undefined,
    );
    const where = longest ? `; longest: ${incidentSpan(longest)}, ${incidentWhat(longest)}` : '';
    const message = `${e.name} (${e.method} ${e.url}): ${e.reason}${where}`;
    const level = e.verdict === 'fail' ? 'error' : 'warning';
    const title = e.verdict === 'fail' ? 'Downtime' : 'Downtime (within budget)';
    lines.push(`::${level} title=${property(title)}::${data(message)}`);
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

/** Escapes a workflow command's message (GitHub's own rules: %, CR, LF). */
function data(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** Escapes a workflow command's property value (also `:` and `,`). */
function property(s: string): string {
  return data(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}
