/**
 * Merging vantages (contract §7): result documents of several agents — CI artifacts for
 * `zerodown merge`, or a hub's live per-agent documents — into one document and one verdict.
 *
 * One clock: every agent's times are milliseconds since its own `startedAt`. The merged clock
 * starts at the earliest `startedAt` (or `opts.startedAt`), and an agent's times move by
 * `offsetMs` = its `startedAt` − the merged one. This trusts the machines' wall clocks: a clock
 * skewed by Δ moves that agent's windows by Δ on the merged clock, so union windows of different
 * agents may join or split wrongly by up to Δ and coverage gaps shift by Δ. Totals, percentiles
 * and each agent's own windows (relative to each other) do not depend on it. NTP-synchronised
 * hosts are within milliseconds; keep merges to those.
 *
 * The verdict is not decided here: endpoints are judged by `judgeEndpoint` on the union view, and
 * the run by `decideOutcome`, which reads the `agents` facts this sets (an incomplete agent:
 * `inconclusive`, exit 6). Pure.
 */
import { formatDuration } from '../config/duration.ts';
import { ZerodownError } from '../errors.ts';
import { decideOutcome } from '../outcome.ts';
import {
  SCHEMA_VERSION,
  type AgentSummary,
  type EngineReport,
  type PhaseSpan,
  type ResultDocument,
} from '../result.ts';
import { VERSION } from '../version.ts';
import { round3 } from './histogram.ts';
import { DEFAULT_MERGE_GAP_MS } from './incidents.ts';
import { mergeEndpoint } from './merge-endpoint.ts';

/** Default `coverageToleranceMs`: how much later an agent may start, or earlier end, and be complete. */
export const DEFAULT_COVERAGE_TOLERANCE_MS = 2000;

/** Options of `mergeResults`. */
export interface MergeOptions {
  /** Agents that must be there; one without a document is `missing` (exit 6). */
  expectAgents?: readonly string[] | undefined;
  /**
   * The merged measurement is still going (a hub's live view): agents still running are not
   * gaps, and the document is `running`. Default false: every document should be final.
   */
  running?: boolean | undefined;
  /** Where the merged clock starts (ISO time); default the earliest `startedAt`. */
  startedAt?: string | undefined;
  /**
   * An agent starting later or ending earlier than the merged measurement by more than this
   * (ms) did not watch all of it: incomplete. Default 2000.
   */
  coverageToleranceMs?: number | undefined;
  /** What to call each document in errors (file names); default `document N`. */
  sources?: readonly string[] | undefined;
}

/**
 * Merges the result documents of several vantages into one (contract §7). Each document's
 * vantage is its `agent` (else its `host`). Throws `ZD_MERGE_INVALID` on documents that cannot
 * be merged: none, two of one agent, different endpoint sets, a bad `startedAt`.
 */
export function mergeResults(
  docs: readonly ResultDocument[],
  opts: MergeOptions = {},
): ResultDocument {
  const source = (i: number): string => opts.sources?.[i] ?? `document ${i + 1}`;
  const names = agentNames(docs, source);
  checkEndpoints(docs, names, source);
  const starts = docs.map((d, i) => timeOf(d.startedAt, `${source(i)}: startedAt`));
  const zero =
    opts.startedAt !== undefined ? timeOf(opts.startedAt, 'startedAt') : Math.min(...starts);
  if (!Number.isFinite(zero)) throw invalid('no result documents to merge');
  const offsets = starts.map((s) => s - zero);
  const ends = docs.map((d, i) => offsets[i]! + d.durationMs);
  const endMs = Math.max(0, ...ends);
  const running = opts.running ?? false;

  const budget = strictestBudget(docs);
  const endpoints = (docs[0]?.endpoints ?? []).map((first) => {
    const views = docs.map((d, i) => ({
      agent: names[i]!,
      offsetMs: offsets[i]!,
      durationMs: d.durationMs,
      endpoint: d.endpoints.find((e) => e.name === first.name)!,
    }));
    // Each agent's own budget for it (learned, else configured); the strictest judges the union.
    const own = views.map((v, i) =>
      v.endpoint.budgetSource
        ? v.endpoint.budgetSource.maxDowntimeMs
        : docs[i]!.budget.maxDowntimeMs,
    );
    const maxDowntimeMs = strictest(own);
    return mergeEndpoint(views, {
      maxDowntimeMs: maxDowntimeMs ?? undefined,
      maxIncidentMs: budget.maxIncidentMs ?? undefined,
      mergeGapMs: budget.mergeGapMs,
    });
  });

  const tolerance = opts.coverageToleranceMs ?? DEFAULT_COVERAGE_TOLERANCE_MS;
  const at = (ms: number): string =>
    `${new Date(zero + ms).toISOString()} (+${formatDuration(Math.max(0, ms))})`;
  const agents: AgentSummary[] = docs.map((d, i) => {
    const summary: AgentSummary = {
      name: names[i]!,
      verdict: d.verdict,
      complete: true,
      startedAt: d.startedAt,
      endedAt: d.endedAt,
      offsetMs: round3(offsets[i]!),
      durationMs: d.durationMs,
      totalRequests: d.endpoints.reduce((n, e) => n + e.totalRequests, 0),
      totalErrors: d.endpoints.reduce((n, e) => n + e.totalErrors, 0),
      failing: d.endpoints.filter((e) => e.verdict === 'fail').map((e) => e.name),
    };
    if (d.host !== undefined) summary.host = d.host;
    const gap = coverageGap(d, offsets[i]!, ends[i]!, { endMs, running, tolerance, at });
    return gap ? { ...summary, complete: false, ...gap } : summary;
  });
  for (const name of opts.expectAgents ?? []) {
    if (names.includes(name)) continue;
    agents.push({
      name,
      verdict: 'missing',
      complete: false,
      gap: 'missing',
      reason: 'expected, but no result came',
      missingFromMs: null,
      startedAt: null,
      endedAt: null,
      offsetMs: 0,
      durationMs: 0,
      totalRequests: 0,
      totalErrors: 0,
      failing: [],
    });
  }

  const doc: ResultDocument = {
    schemaVersion: SCHEMA_VERSION,
    tool: { name: 'zerodown', version: VERSION },
    verdict: 'pass',
    running,
    startedAt: new Date(zero).toISOString(),
    endedAt: running ? null : latest(docs.map((d) => d.endedAt)),
    durationMs: round3(endMs),
    phases: mergedPhases(docs, offsets, endMs),
    budget: {
      maxDowntimeMs: budget.maxDowntimeMs,
      mergeGapMs: budget.mergeGapMs,
      maxIncidentMs: budget.maxIncidentMs,
    },
    endpoints,
    engine: mergeEngines(docs, offsets),
    agents,
  };
  carryDeploy(doc, docs, names);
  doc.verdict = decideOutcome(doc).verdict;
  return doc;
}

/** Why an agent did not cover the merged measurement, or undefined when it did. */
function coverageGap(
  d: ResultDocument,
  offsetMs: number,
  endMs: number,
  m: { endMs: number; running: boolean; tolerance: number; at: (ms: number) => string },
): Pick<AgentSummary, 'gap' | 'reason' | 'missingFromMs'> | undefined {
  const end = round3(endMs);
  if (d.interrupted) {
    return { gap: 'interrupted', reason: `interrupted at ${m.at(end)}`, missingFromMs: end };
  }
  if (d.running && !m.running) {
    return {
      gap: 'running',
      reason: `still running when saved: its data ends at ${m.at(end)}`,
      missingFromMs: end,
    };
  }
  const unprobed = d.endpoints.filter((e) => e.totalRequests === 0).map((e) => e.name);
  if (unprobed.length > 0 || d.endpoints.length === 0) {
    const what = d.endpoints.length === 0 ? 'no endpoint' : unprobed.join(', ');
    return { gap: 'no-probes', reason: `got no probe of ${what}`, missingFromMs: round3(offsetMs) };
  }
  if (!m.running && end < m.endMs - m.tolerance) {
    return {
      gap: 'ended-early',
      reason: `ended at ${m.at(end)}, ${formatDuration(m.endMs - end)} before the others`,
      missingFromMs: end,
    };
  }
  if (offsetMs > m.tolerance) {
    return {
      gap: 'started-late',
      reason: `started at ${m.at(offsetMs)}, ${formatDuration(offsetMs)} after the others`,
      missingFromMs: 0,
    };
  }
  return undefined;
}

/** Each document's vantage name; two documents of one vantage are an error. */
function agentNames(docs: readonly ResultDocument[], source: (i: number) => string): string[] {
  const names = docs.map((d, i) => d.agent ?? d.host ?? `agent-${i + 1}`);
  for (const [i, name] of names.entries()) {
    const j = names.indexOf(name);
    if (j !== i) {
      throw invalid(
        `${source(j)} and ${source(i)} are both agent "${name}": name each vantage with --agent`,
      );
    }
  }
  return names;
}

function checkEndpoints(
  docs: readonly ResultDocument[],
  names: readonly string[],
  source: (i: number) => string,
): void {
  const first = docs[0];
  if (!first) return;
  const want = first.endpoints.map((e) => e.name);
  for (const [i, d] of docs.entries()) {
    const have = d.endpoints.map((e) => e.name);
    const lacks = want.filter((n) => !have.includes(n));
    const extra = have.filter((n) => !want.includes(n));
    const twice = have.filter((n, k) => have.indexOf(n) !== k);
    if (lacks.length + extra.length + twice.length === 0) continue;
    const parts = [
      lacks.length > 0 && `has no ${lacks.join(', ')}`,
      extra.length > 0 && `has ${extra.join(', ')} that agent ${names[0]} (${source(0)}) has not`,
      twice.length > 0 && `names ${twice.join(', ')} twice`,
    ].filter(Boolean);
    throw invalid(
      `different endpoint sets: agent ${names[i]} (${source(i)}) ${parts.join(' and ')}`,
    );
  }
}

/**
 * The strictest budget of the documents: the smallest `maxDowntime` (none set: any failed probe
 * is downtime, the strictest of all), the smallest `maxIncident`, the largest `mergeGap` (longer
 * incidents).
 */
function strictestBudget(docs: readonly ResultDocument[]): {
  maxDowntimeMs: number | null;
  maxIncidentMs: number | null;
  mergeGapMs: number;
} {
  const incidents = docs
    .map((d) => d.budget.maxIncidentMs)
    .filter((n): n is number => typeof n === 'number');
  const gaps = docs.map((d) => d.budget.mergeGapMs ?? DEFAULT_MERGE_GAP_MS);
  return {
    maxDowntimeMs: strictest(docs.map((d) => d.budget.maxDowntimeMs)) ?? null,
    maxIncidentMs: incidents.length > 0 ? Math.min(...incidents) : null,
    mergeGapMs: gaps.length > 0 ? Math.max(...gaps) : DEFAULT_MERGE_GAP_MS,
  };
}

/** The smallest budget; null (no budget: any window fails) beats every number; undefined: not set. */
function strictest(budgets: readonly (number | null | undefined)[]): number | null | undefined {
  if (budgets.includes(null)) return null;
  const set = budgets.filter((b): b is number => typeof b === 'number');
  return set.length > 0 ? Math.min(...set) : undefined;
}

/** The phases of the first document with more than one (a `run`), else one span over all. */
function mergedPhases(
  docs: readonly ResultDocument[],
  offsets: readonly number[],
  endMs: number,
): PhaseSpan[] {
  const i = docs.findIndex((d) => d.phases.length > 1);
  if (i >= 0) {
    return docs[i]!.phases.map((p) => ({
      name: p.name,
      startMs: round3(p.startMs + offsets[i]!),
      endMs: round3(p.endMs + offsets[i]!),
    }));
  }
  return [{ name: docs[0]?.phases[0]?.name ?? 'probe', startMs: 0, endMs: round3(endMs) }];
}

function mergeEngines(docs: readonly ResultDocument[], offsets: readonly number[]): EngineReport {
  const max = (f: (e: EngineReport) => number | undefined): number =>
    Math.max(0, ...docs.map((d) => f(d.engine) ?? 0));
  const sum = (f: (e: EngineReport) => number | undefined): number =>
    docs.reduce((n, d) => n + (f(d.engine) ?? 0), 0);
  return {
    latenessMs: {
      p50: max((e) => e.latenessMs.p50),
      p99: max((e) => e.latenessMs.p99),
      max: max((e) => e.latenessMs.max),
    },
    eventLoopDelayMs: {
      p99: max((e) => e.eventLoopDelayMs.p99),
      max: max((e) => e.eventLoopDelayMs.max),
    },
    sent: sum((e) => e.sent),
    skipped: sum((e) => e.skipped),
    retries: sum((e) => e.retries),
    primed: sum((e) => e.primed),
    densest10ms: max((e) => e.densest10ms),
    stalls: docs
      .flatMap((d, i) =>
        d.engine.stalls.map((s) => ({
          ...s,
          startMs: round3(s.startMs + offsets[i]!),
          endMs: round3(s.endMs + offsets[i]!),
        })),
      )
      .sort((a, b) => a.startMs - b.startMs),
  };
}

/**
 * A deploy, guard or block recorded by an agent (a `run` with a deploy command) carries over, so
 * the merged verdict still says it: a failed deploy first, then the first deploy; the first
 * aborted guard, else the first guard; the first block, naming its agent.
 */
function carryDeploy(
  doc: ResultDocument,
  docs: readonly ResultDocument[],
  names: readonly string[],
): void {
  const deploy =
    docs.find((d) => d.deploy && (d.deploy.exitCode !== 0 || d.deploy.error))?.deploy ??
    docs.find((d) => d.deploy)?.deploy;
  if (deploy) doc.deploy = deploy;
  const guard = docs.find((d) => d.guard?.aborted)?.guard ?? docs.find((d) => d.guard)?.guard;
  if (guard) doc.guard = guard;
  const blocked = docs.findIndex((d) => d.blocked);
  if (blocked >= 0) {
    doc.blocked = { reason: `agent ${names[blocked]}: ${docs[blocked]!.blocked!.reason}` };
  }
}

function latest(times: readonly (string | null)[]): string | null {
  const known = times.filter((t) => t !== null).sort();
  return known.at(-1) ?? null;
}

function timeOf(iso: string, what: string): number {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) throw invalid(`${what}: not a time: ${JSON.stringify(iso)}`);
  return t;
}

function invalid(message: string): ZerodownError {
  return new ZerodownError('ZD_MERGE_INVALID', `cannot merge: ${message}`);
}
