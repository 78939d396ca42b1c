/**
 * Verdicts: an endpoint fails when its downtime is over budget; a run fails when any endpoint
 * does. The reason is one line a person can act on.
 */
import { formatDuration } from '../config/duration.ts';
import type { DowntimeWindow, Verdict } from '../result.ts';

/** Judges one endpoint's windows against the budget (`undefined`: any window fails). */
export function judgeEndpoint(
  windows: readonly DowntimeWindow[],
  totalMs: number,
  maxDowntimeMs: number | undefined,
): { verdict: Verdict; reason: string } {
  if (windows.length === 0) return { verdict: 'pass', reason: 'no downtime' };
  const over = maxDowntimeMs === undefined || totalMs > maxDowntimeMs;
  const counts: Record<string, number> = {};
  for (const w of windows) {
    for (const [code, n] of Object.entries(w.errorCodes)) counts[code] = (counts[code] ?? 0) + n;
  }
  const codes = Object.entries(counts)
    .sort((a, b) => b[1] - a[1])
    .map(([code, n]) => `${code} x${n}`)
    .join(', ');
  const n = windows.length;
  let reason = `${n} window${n === 1 ? '' : 's'}, ${formatDuration(totalMs)} down (${codes})`;
  if (maxDowntimeMs !== undefined) {
    reason += over
      ? `, over the budget of ${formatDuration(maxDowntimeMs)}`
      : `, within the budget of ${formatDuration(maxDowntimeMs)}`;
  }
  return { verdict: over ? 'fail' : 'pass', reason };
}

/** A run fails when any endpoint fails; else it is degraded when any endpoint is. */
export function judgeRun(verdicts: readonly Verdict[]): Verdict {
  if (verdicts.includes('fail')) return 'fail';
  return verdicts.includes('degraded') ? 'degraded' : 'pass';
}
