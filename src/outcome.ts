/**
 * The outcome of a run, decided once: its verdict, exit code, label, headline and sentence. The
 * CLI, every report, the notifications, the control server and the Action read it from here and
 * never decide again. Pure: it reads only the document's facts (endpoint verdicts, blocked,
 * guard, deploy, interrupted), never its `verdict` field, which it produces.
 *
 * | verdict         | exit | when (first match wins)                                       |
 * |-----------------|------|---------------------------------------------------------------|
 * | `interrupted`   | 130  | stopped by SIGINT/SIGTERM before it ended (partial numbers)    |
 * | `blocked`       | 4    | warm-up failed or a blocker said no: the deploy never started  |
 * | `rolled-back`   | 5    | the guard aborted the deploy and ran the rollback             |
 * | `fail`          | 1    | an endpoint over its downtime budget                          |
 * | `degraded`      | 1    | an endpoint degraded and `guard.degraded.fail` is set         |
 * | `inconclusive`  | 6    | part of the measurement is missing: an endpoint never probed,  |
 * |                 |      | or (merged documents) an agent missing or stopped early        |
 * | `deploy-failed` | 3    | the deploy command failed or could not start, no downtime     |
 * | `degraded`      | 0    | an endpoint degraded (latency objective, lost a comparison)   |
 * | `pass`          | 0    | every endpoint within its budget                              |
 *
 * Merged documents (contract §7): downtime some vantage saw is a `fail` whatever other vantages
 * lack (the fail sentence still names them); otherwise an incomplete agent (`agents[].complete`
 * false: missing, interrupted, still running, started late, ended early, no probes) makes the run
 * `inconclusive`, never a pass.
 */
import { formatDuration } from './config/duration.ts';
import { EXIT, type ExitCode } from './exit-codes.ts';
import type {
  AgentSummary,
  DeployRecord,
  EndpointResult,
  ResultDocument,
  RunVerdict,
} from './result.ts';

/** How a run ended, as every output says it. */
export interface Outcome {
  /** The document's `verdict`. */
  verdict: RunVerdict;
  exitCode: ExitCode;
  /** Upper-case, for badges: `PASS`, `FAIL`, `DEPLOY FAILED`, `ROLLED BACK`… */
  label: string;
  /** A few words: `Downtime happened`, `No downtime happened`, `Blocked: …`. */
  headline: string;
  /** One sentence with the details a person acts on. */
  sentence: string;
  /** The run is still going: the verdict is so far. */
  running: boolean;
  /** The exit code is not 0: `on: failure` notifications go out, `/stats?fail=1` answers 412. */
  failed: boolean;
}

const LABELS: Record<RunVerdict, string> = {
  pass: 'PASS',
  fail: 'FAIL',
  degraded: 'DEGRADED',
  'deploy-failed': 'DEPLOY FAILED',
  blocked: 'BLOCKED',
  'rolled-back': 'ROLLED BACK',
  inconclusive: 'INCONCLUSIVE',
  interrupted: 'INTERRUPTED',
};

/** Decides the outcome of a result document (live or final). */
export function decideOutcome(doc: ResultDocument): Outcome {
  const [verdict, exitCode, headline, sentence] = decide(doc);
  const running = doc.running;
  return {
    verdict,
    exitCode,
    label: LABELS[verdict],
    headline: running ? `${headline} (still running)` : headline,
    sentence,
    running,
    failed: exitCode !== EXIT.ok,
  };
}

type Decision = [RunVerdict, ExitCode, string, string];

function decide(doc: ResultDocument): Decision {
  const endpoints = doc.endpoints;
  const failing = endpoints.filter((e) => e.verdict === 'fail');
  const degraded = endpoints.filter((e) => e.verdict === 'degraded');
  if (doc.interrupted) {
    const soFar =
      failing.length > 0
        ? `so far ${overBudget(failing, endpoints.length)}`
        : 'so far no endpoint over its downtime budget';
    return [
      'interrupted',
      EXIT.interrupted,
      'Interrupted: partial result',
      `The run was stopped before it ended${endedBy(doc)}; ${soFar}.`,
    ];
  }
  if (doc.blocked) {
    return [
      'blocked',
      EXIT.blocked,
      'Blocked: the deploy was not started',
      `${doc.blocked.reason}.`,
    ];
  }
  const guard = doc.guard;
  if (guard?.aborted) return rolledBack(doc);
  const lost = (doc.agents ?? []).filter((a) => !a.complete);
  if (failing.length > 0) {
    const also = lost.length > 0 ? `; and ${incompleteAgents(lost)}` : '';
    return [
      'fail',
      EXIT.downtime,
      'Downtime happened',
      `${capital(overBudget(failing, endpoints.length))}${also}.`,
    ];
  }
  if (degraded.length > 0 && guard?.failOnDegraded) {
    return [
      'degraded',
      EXIT.downtime,
      'No downtime, but degraded',
      `No downtime over budget, but ${names(degraded)} degraded, and degraded fails this pipeline.`,
    ];
  }
  if (lost.length > 0) {
    return [
      'inconclusive',
      EXIT.inconclusive,
      'Inconclusive: part of the measurement is missing',
      `No verdict can be given: ${incompleteAgents(lost)}.`,
    ];
  }
  const missing = doc.running ? [] : endpoints.filter((e) => e.totalRequests === 0);
  if (missing.length > 0 || endpoints.length === 0) {
    const what =
      endpoints.length === 0 ? 'no endpoint was probed' : `${names(missing)} got no probe at all`;
    return [
      'inconclusive',
      EXIT.inconclusive,
      'Inconclusive: part of the measurement is missing',
      `No verdict can be given: ${what} (the run was shorter than one probe interval?).`,
    ];
  }
  const deploy = doc.deploy;
  if (deploy && deployFailed(deploy)) {
    return [
      'deploy-failed',
      EXIT.deployFailed,
      'The deploy command failed',
      `No downtime, but the deploy command did not succeed: ${describeDeploy(deploy)}.`,
    ];
  }
  if (degraded.length > 0) {
    return [
      'degraded',
      EXIT.ok,
      'No downtime, but degraded',
      `No downtime over budget, but ${names(degraded)} degraded.`,
    ];
  }
  const within = endpoints.some((e) => e.downtime.isDowntime);
  return [
    'pass',
    EXIT.ok,
    within ? 'Downtime within budget' : 'No downtime happened',
    within
      ? 'Some probes failed, but no endpoint went over its downtime budget.'
      : 'No endpoint over its downtime budget.',
  ];
}

function rolledBack(doc: ResultDocument): Decision {
  const g = doc.guard!;
  const parts = [`Aborted: ${g.breach?.reason ?? g.reason ?? 'a threshold was crossed'}`];
  if ((g.rollbacks ?? (g.rollback ? [g.rollback] : [])).some((r) => r.exitCode !== 0)) {
    parts.push('a rollback command failed');
  }
  if (g.recovered === false) parts.push('the service did not recover');
  else if (g.recovered === true && g.recoveredAtMs != null && g.abortedAtMs !== undefined) {
    parts.push(
      `recovered ${formatDuration(Math.max(0, g.recoveredAtMs - g.abortedAtMs))} after the abort`,
    );
  }
  return ['rolled-back', EXIT.rolledBack, 'Deploy aborted and rolled back', `${parts.join('; ')}.`];
}

/** True when the deploy command did not succeed (non-zero, killed, or could not start). */
export function deployFailed(d: DeployRecord): boolean {
  return d.exitCode !== 0 || d.error !== undefined;
}

/** `./deploy.sh — exit code 0, took 8.4 s`; `… — could not start: spawn ENOENT, …`. */
export function describeDeploy(d: DeployRecord): string {
  const how =
    d.error !== undefined
      ? `could not start: ${d.error}`
      : d.signal
        ? `killed by ${d.signal}`
        : `exit code ${d.exitCode}`;
  return `${d.command} — ${how}, took ${formatDuration(d.durationMs)}`;
}

/** `agent eu interrupted at 2026-…Z (+12.3 s); agent ap missing: expected, but no result came`. */
function incompleteAgents(lost: readonly AgentSummary[]): string {
  return lost
    .map(
      (a) => `agent ${a.name} ${a.gap === 'missing' ? 'missing: ' : ''}${a.reason ?? 'incomplete'}`,
    )
    .join('; ');
}

function overBudget(failing: readonly EndpointResult[], total: number): string {
  return `${failing.length} of ${total} endpoint${total === 1 ? '' : 's'} over the downtime budget: ${names(failing)}`;
}

function names(endpoints: readonly EndpointResult[]): string {
  return endpoints.map((e) => e.name).join(', ');
}

function capital(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** Why a control-server run ended without a `/stop`, as a clause; empty for any other run. */
function endedBy(doc: ResultDocument): string {
  if (doc.endedBy === 'superseded') return ' (a /start for another rollout superseded it)';
  if (doc.endedBy === 'max-run') return ' (nobody stopped it within the maximum run length)';
  if (doc.endedBy === 'stream-cut') {
    return ' (its probe stream ends without the end line: the run was killed, the result is rebuilt from the probes written)';
  }
  if (doc.endedBy === 'stream-dropped') {
    return ' (its probe stream lost probe lines to a reader too slow: the result is rebuilt from the probes written)';
  }
  return '';
}
