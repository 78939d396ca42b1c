/**
 * Union downtime (contract §7): the merged view of one endpoint is down while **some** vantage
 * fails. Each agent's windows, moved onto the merged clock, are swept in start order; windows that
 * overlap or touch are one union window, naming every agent that failed in it.
 *
 *   eu:      ok ok ✗ ✗ ✗ ok ok ok ok ok ok
 *   us:      ok ok ok ok ✗ ✗ ✗ ok ok ✗ ok
 *   union:         [ eu, us     )    [us)
 *
 * A union window starts at its earliest failure and ends at the latest first-success after it
 * (the latest last probe when that window is open). Pure.
 */
import type { DowntimeIncident, DowntimeWindow } from '../result.ts';
import { round3 } from './histogram.ts';
import { groupIncidents, type NumberedWindow } from './incidents.ts';
import { addCheck } from './windows.ts';

/** One agent's view of an endpoint, as union downtime needs it. */
export interface AgentWindows {
  agent: string;
  /** Where the agent's time zero sits on the merged clock, in ms. */
  offsetMs: number;
  /** How long the agent probed, in ms (its document's `durationMs`). */
  durationMs: number;
  /** Probes per second of this endpoint at that agent. */
  rate: number;
  /** Its windows, already on the merged clock. */
  windows: readonly DowntimeWindow[];
}

/** The union windows of several agents, on the merged clock, in start order. */
export function unionWindows(agents: readonly AgentWindows[]): DowntimeWindow[] {
  const all = agents
    .flatMap((a) => a.windows.map((w) => ({ agent: a.agent, w })))
    .sort((x, y) => x.w.startMs - y.w.startMs || x.w.endMs - y.w.endMs);
  const out: DowntimeWindow[] = [];
  let current: { window: DowntimeWindow; agents: Set<string> } | undefined;
  for (const { agent, w } of all) {
    if (current && w.startMs <= current.window.endMs) {
      const u = current.window;
      if (w.endMs > u.endMs) {
        u.endMs = w.endMs;
        u.open = w.open;
      } else if (w.endMs === u.endMs) u.open ||= w.open;
      u.durationMs = round3(u.endMs - u.startMs);
      addInto(u, w);
      current.agents.add(agent);
      continue;
    }
    if (current) out.push(finish(current));
    const window: DowntimeWindow = {
      startMs: w.startMs,
      endMs: w.endMs,
      durationMs: w.durationMs,
      open: w.open,
      failures: 0,
      errorCodes: {},
    };
    if (w.phase !== undefined) window.phase = w.phase;
    addInto(window, w);
    current = { window, agents: new Set([agent]) };
  }
  if (current) out.push(finish(current));
  return out;
}

/** Summed union window time, in ms: how long some vantage was failing. */
export function unionTotalMs(windows: readonly DowntimeWindow[]): number {
  return round3(windows.reduce((sum, w) => sum + w.durationMs, 0));
}

/**
 * Incidents of union windows (contract §6 on the merged view). The probes of an incident are
 * every agent's probes scheduled in its span, counted from each agent's rate and coverage (the
 * schedule is exact: `rate` probes a second from the agent's time zero), so `failureRatio` says
 * how much of all vantages' traffic failed while it lasted: one of three vantages down is partial.
 */
export function unionIncidents(
  windows: readonly DowntimeWindow[],
  agents: readonly AgentWindows[],
  mergeGapMs: number,
): DowntimeIncident[] {
  const probeNumber = (t: number): number =>
    agents.reduce((sum, a) => {
      const local = Math.min(Math.max(t - a.offsetMs, 0), a.durationMs);
      return sum + Math.round((local * a.rate) / 1000);
    }, 0);
  const numbered: NumberedWindow[] = windows.map((window) => ({
    window,
    firstProbe: probeNumber(window.startMs),
    endProbe: probeNumber(window.endMs) + (window.open ? 1 : 0),
  }));
  return groupIncidents(numbered, mergeGapMs).map((incident) => {
    const names = new Set<string>();
    for (const w of windows) {
      if (w.startMs >= incident.startMs && w.startMs <= incident.endMs) {
        for (const a of w.agents ?? []) names.add(a);
      }
    }
    return { ...incident, agents: [...names].sort() };
  });
}

function addInto(into: DowntimeWindow, w: DowntimeWindow): void {
  into.failures += w.failures;
  for (const [code, n] of Object.entries(w.errorCodes)) {
    into.errorCodes[code] = (into.errorCodes[code] ?? 0) + n;
  }
  for (const [check, n] of Object.entries(w.checks ?? {})) addCheck((into.checks ??= {}), check, n);
  if (w.clientStall) into.clientStall = true;
}

function finish(current: { window: DowntimeWindow; agents: Set<string> }): DowntimeWindow {
  return { ...current.window, agents: [...current.agents].sort() };
}
