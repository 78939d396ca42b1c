/**
 * What every report says the same way: the run's outcome, error counts, the worst windows.
 * Pure.
 */
import type { DowntimeWindow, EndpointResult, ResultDocument } from '../result.ts';

/** How a run ended, for badges and colours. */
export type RunOutcome =
  'pass' | 'fail' | 'degraded' | 'blocked' | 'aborted' | 'deploy-failed' | 'running';

/**
 * The outcome of a run: `running` while it goes on, else what ended it, in the order the exit
 * code is decided (blocked, aborted and rolled back, downtime, degraded, deploy failed).
 */
export function outcomeOf(doc: ResultDocument): RunOutcome {
  if (doc.running) return 'running';
  if (doc.blocked) return 'blocked';
  if (doc.guard?.aborted) return 'aborted';
  if (doc.verdict === 'fail') return 'fail';
  if (doc.verdict === 'degraded') return 'degraded';
  const d = doc.deploy;
  if (d && (d.exitCode !== 0 || d.error !== undefined) && !doc.interrupted) return 'deploy-failed';
  return 'pass';
}

const LABELS: Record<RunOutcome, string> = {
  pass: 'PASS',
  fail: 'FAIL',
  degraded: 'DEGRADED',
  blocked: 'BLOCKED',
  aborted: 'ROLLED BACK',
  'deploy-failed': 'DEPLOY FAILED',
  running: 'RUNNING',
};

/** Upper-case label of an outcome: `PASS`, `FAIL`, `ROLLED BACK`, `DEPLOY FAILED`… */
export function outcomeLabel(outcome: RunOutcome): string {
  return LABELS[outcome];
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

/** A window together with the endpoint it belongs to and its number there (1-based). */
export interface EndpointWindow {
  endpoint: EndpointResult;
  window: DowntimeWindow;
  index: number;
}

/** The `n` longest windows of the run, longest first (ties: earliest first). */
export function worstWindows(doc: ResultDocument, n: number): EndpointWindow[] {
  const all: EndpointWindow[] = [];
  for (const endpoint of doc.endpoints) {
    endpoint.downtime.windows.forEach((window, i) => all.push({ endpoint, window, index: i + 1 }));
  }
  all.sort(
    (a, b) => b.window.durationMs - a.window.durationMs || a.window.startMs - b.window.startMs,
  );
  return all.slice(0, n);
}

/** Replaces control characters (newlines included) with spaces: one line of user text. */
export function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ');
}

/**
 * True when notifications with `on: failure` go out: any outcome but a clean pass (downtime,
 * degraded, blocked, aborted, a failed deploy, an interrupted run).
 */
export function isFailure(doc: ResultDocument): boolean {
  return outcomeOf(doc) !== 'pass' || doc.interrupted === true;
}
