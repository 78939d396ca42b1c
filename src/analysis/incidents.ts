/**
 * Incidents (contract §6): downtime windows separated by less than the merge gap of successes
 * are one event. A flapping endpoint behind a round-robin balancer reads as one partial outage.
 *
 *   probes:  ok ✗ ok ✗ ok ✗ ok ok ok ok ok ok ok ✗ ✗ ✗ ok
 *              [w1] [w2] [w3]   gap ≥ mergeGap    [ w4  ]
 *              [ incident 1: partial ]            [ incident 2: outage ]
 *
 * An incident runs from its first window's start to its last window's end (the first success
 * after it); its probes are every probe scheduled in between, so `failureRatio` says how much of
 * the traffic failed while it lasted. Pure.
 */
import type { DowntimeIncident, DowntimeWindow } from '../result.ts';
import { round3 } from './histogram.ts';
import { addCheck } from './windows.ts';

/** Default `budget.mergeGap`: windows closer than this are one incident. */
export const DEFAULT_MERGE_GAP_MS = 1000;

/** A failure ratio at or above this makes an incident an `outage`; below, `partial`. */
export const OUTAGE_RATIO = 0.9;

/**
 * A window with the in-order probe numbers around it: `firstProbe` is its first failed probe,
 * `endProbe` the first success after it (one past the last probe when it is open).
 */
export interface NumberedWindow {
  window: DowntimeWindow;
  firstProbe: number;
  endProbe: number;
}

/** Groups windows (in send order) into incidents. */
export function groupIncidents(
  windows: readonly NumberedWindow[],
  mergeGapMs: number,
): DowntimeIncident[] {
  const groups: NumberedWindow[][] = [];
  for (const w of windows) {
    const group = groups.at(-1);
    const last = group?.at(-1);
    if (group && last && w.window.startMs - last.window.endMs < mergeGapMs) group.push(w);
    else groups.push([w]);
  }
  return groups.map(toIncident);
}

function toIncident(group: readonly NumberedWindow[]): DowntimeIncident {
  const first = group[0]!;
  const last = group.at(-1)!;
  const errorCodes: Record<string, number> = {};
  let failures = 0;
  let clientStall = false;
  let checks: Record<string, number> | undefined;
  for (const { window: w } of group) {
    failures += w.failures;
    clientStall ||= w.clientStall === true;
    addCounts(errorCodes, w.errorCodes);
    for (const [check, n] of Object.entries(w.checks ?? {})) addCheck((checks ??= {}), check, n);
  }
  const probes = Math.max(failures, last.endProbe - first.firstProbe);
  const failureRatio = round3(failures / probes);
  const incident: DowntimeIncident = {
    startMs: first.window.startMs,
    endMs: last.window.endMs,
    durationMs: round3(last.window.endMs - first.window.startMs),
    open: last.window.open,
    probes,
    failures,
    failureRatio,
    errorCodes,
    kind: failureRatio >= OUTAGE_RATIO ? 'outage' : 'partial',
    windows: group.length,
  };
  if (checks) incident.checks = checks;
  if (first.window.phase !== undefined) incident.phase = first.window.phase;
  if (clientStall) incident.clientStall = true;
  return incident;
}

function addCounts(into: Record<string, number>, from: Readonly<Record<string, number>>): void {
  for (const [key, n] of Object.entries(from)) into[key] = (into[key] ?? 0) + n;
}

/**
 * The incidents of an endpoint: the document's own, or for a document written before incidents
 * existed, grouped from its windows. Probes are scheduled at exactly `rate` per second, so the
 * probes between two scheduled times follow from the rate (a probe zerodown skipped would count).
 */
export function incidentsOf(
  endpoint: {
    rate: number;
    downtime: { windows: readonly DowntimeWindow[]; incidents?: DowntimeIncident[] };
  },
  mergeGapMs = DEFAULT_MERGE_GAP_MS,
): DowntimeIncident[] {
  if (endpoint.downtime.incidents) return endpoint.downtime.incidents;
  const perMs = endpoint.rate / 1000;
  const numbered = endpoint.downtime.windows.map((window) => ({
    window,
    firstProbe: Math.round(window.startMs * perMs),
    endProbe: Math.round(window.endMs * perMs) + (window.open ? 1 : 0),
  }));
  return groupIncidents(numbered, mergeGapMs);
}
