/**
 * `run` and `probe` as library functions: the phases around a deploy command, and plain probing
 * for a duration. Both return the result document and the exit code; neither prints or exits.
 */
import { formatDuration } from './config/duration.ts';
import type { ZerodownConfig } from './config/resolve.ts';
import type { DeployOutput } from './deploy/command.ts';
import { checkBlockers } from './guard/blockers.ts';
import { judgeComparisons, PhaseSampler } from './guard/comparisons.ts';
import { runGuardedDeploy } from './guard/guarded-deploy.ts';
import type { GuardedSource } from './guard/monitor.ts';
import type { SessionHistory } from './history/plan.ts';
import { decideOutcome } from './outcome.ts';
import type { DowntimeWindow, GuardRecord, ResultDocument } from './result.ts';
import { ProbeSession, type ResultExtras } from './session.ts';
import type { ProbeStreamWriter } from './stream/writer.ts';
import { aborted, sleep } from './util/sleep.ts';

export { EXIT } from './exit-codes.ts';

/** A finished run or probe. */
export interface RunOutcome {
  result: ResultDocument;
  exitCode: number;
}

/** Options of `runDeploy`. */
export interface RunOptions {
  config: ZerodownConfig;
  /** The deploy command and its arguments. */
  command: readonly string[];
  /** Aborting it interrupts the run; its `reason` may name the signal to forward (`SIGINT`). */
  signal?: AbortSignal;
  /** Where the deploy command's output goes (default: this process's stdout/stderr). */
  output?: DeployOutput;
  /** Called once the session exists (progress display, live server). */
  onSession?: (session: ProbeSession) => void;
  /** Called at each phase change. */
  onPhase?: (phase: string) => void;
  /** The wall clock for time-window blockers (tests inject one). */
  now?: () => Date;
  /** Learned budgets (`prepareHistory`); the session judges with them. */
  history?: SessionHistory | undefined;
  /** The vantage's name in the result (`--agent`, contract §7); default `agentName()`. */
  agent?: string | undefined;
  /** Writes every probe to a probe stream (`--out`, stream/format.ts); the caller closes it. */
  out?: ProbeStreamWriter | undefined;
  /** A hub's agents, judged by the guard's thresholds too (contract §7). */
  vantages?: readonly { name: string; source: GuardedSource }[] | undefined;
}

const defaultOutput: DeployOutput = {
  stdout: (chunk) => process.stdout.write(chunk),
  stderr: (chunk) => process.stderr.write(chunk),
};

/** Blockers, warm-up, the deploy (guarded), settle: then the verdict. */
export async function runDeploy(options: RunOptions): Promise<RunOutcome> {
  const { config, signal } = options;
  const g = config.guard;
  const session = new ProbeSession(config, options.history, options.agent);
  const guard: GuardRecord = { blockers: [], aborted: false };
  // Only when a comparison is configured: it samples every probe outcome.
  const sampler =
    g.canary !== undefined || g.compareSettle !== undefined ? new PhaseSampler(session) : undefined;
  if (g.degraded?.fail) guard.failOnDegraded = true;
  // Everything the result needs is known here: the document is assembled once, then judged.
  const finish = async (extras: ResultExtras): Promise<RunOutcome> => {
    await session.stop();
    if (!extras.blocked && !extras.interrupted && sampler) {
      const comparisons = judgeComparisons(config, sampler);
      if (comparisons.length > 0) guard.comparisons = comparisons;
    }
    if (guard.aborted) Object.assign(guard, recovery(session.windows(), guard.abortedAtMs ?? 0));
    const result = session.result({ ...extras, guard: guarded(config) ? guard : undefined });
    options.out?.end(result);
    return { result, exitCode: decideOutcome(result).exitCode };
  };

  guard.blockers = await checkBlockers(g, options.now?.() ?? new Date());
  const saidNo = guard.blockers.filter((b) => b.blocks);
  if (saidNo.length > 0 && g.override === undefined) {
    // Not a single probe: the result says only what the blockers said.
    const reason = saidNo.map((b) => `${b.name}: ${b.reason}`).join('; ');
    return finish({ blocked: { reason: `blocked by ${reason}; the deploy was not started` } });
  }
  if (saidNo.length > 0) guard.override = g.override;

  await session.start('warmup');
  options.out?.begin(session);
  options.onSession?.(session);
  options.onPhase?.('warmup');
  await sleep(config.warmupMs, signal);
  const warmupEndMs = session.nowMs();
  await Promise.race([session.whenProcessed(warmupEndMs), aborted(signal)]);
  if (signal?.aborted) return finish({ interrupted: true });
  const blocked = warmupFailures(session, warmupEndMs);
  if (blocked) return finish({ blocked: { reason: blocked } });

  const deployed = await runGuardedDeploy({
    session,
    config,
    command: options.command,
    output: options.output ?? defaultOutput,
    signal,
    onPhase: options.onPhase,
    guard,
    sampler,
    vantages: options.vantages,
  });
  if (deployed.interrupted) return finish({ deploy: deployed.deploy, interrupted: true });
  // A deploy (or stage) command that could not be started: the run ends now, with no settle.
  if (deployed.deploy.error !== undefined && !guard.aborted)
    return finish({ deploy: deployed.deploy });

  session.beginPhase('settle');
  options.onPhase?.('settle');
  await sleep(config.settleMs, signal);
  return finish({ deploy: deployed.deploy, interrupted: signal?.aborted });
}

/** True when the config asks anything of the guard (the result then has a `guard` block). */
function guarded(config: ZerodownConfig): boolean {
  const g = config.guard;
  return (
    g.thresholds.length > 0 ||
    g.rollback !== undefined ||
    g.stages !== undefined ||
    g.timeWindows.length > 0 ||
    g.alarms.length > 0 ||
    g.override !== undefined ||
    g.canary !== undefined ||
    g.compareSettle !== undefined ||
    g.degraded !== undefined
  );
}

/**
 * After an abort: did every endpoint answer again, and when did the last one come back?
 * `windows` holds each endpoint's downtime windows.
 */
export function recovery(
  windows: readonly (readonly DowntimeWindow[])[],
  abortedAtMs: number,
): { recovered: boolean; recoveredAtMs: number | null } {
  let last = abortedAtMs;
  for (const list of windows) {
    const w = list.at(-1);
    if (w?.open) return { recovered: false, recoveredAtMs: null };
    if (w && w.endMs > last) last = w.endMs;
  }
  return { recovered: true, recoveredAtMs: last };
}

/** Options of `runProbe`. */
export interface ProbeOptions {
  config: ZerodownConfig;
  /** Overrides `config.durationMs`; undefined with neither means until `signal`. */
  durationMs?: number;
  signal?: AbortSignal;
  onSession?: (session: ProbeSession) => void;
  /** Learned budgets (`prepareHistory`); the session judges with them. */
  history?: SessionHistory | undefined;
  /** The vantage's name in the result (`--agent`, contract §7); default `agentName()`. */
  agent?: string | undefined;
  /** Writes every probe to a probe stream (`--out`, stream/format.ts); the caller closes it. */
  out?: ProbeStreamWriter | undefined;
}

/** Probes for a duration or until the signal, then returns the result. */
export async function runProbe(options: ProbeOptions): Promise<RunOutcome> {
  const session = new ProbeSession(options.config, options.history, options.agent);
  await session.start('probe');
  options.out?.begin(session);
  options.onSession?.(session);
  const durationMs = options.durationMs ?? options.config.durationMs;
  if (durationMs === undefined) await aborted(options.signal);
  else await sleep(durationMs, options.signal);
  await session.stop();
  // Interrupted only when cut short: a signal after the duration is a normal end.
  const interrupted = options.signal?.aborted === true && durationMs !== undefined;
  const result = session.result({ interrupted });
  options.out?.end(result);
  return { result, exitCode: decideOutcome(result).exitCode };
}

function warmupFailures(session: ProbeSession, warmupEndMs: number): string | undefined {
  const doc = session.result();
  const failing = doc.endpoints
    .map((e) => {
      const windows = e.downtime.windows.filter((w) => w.startMs <= warmupEndMs);
      if (windows.length === 0) return undefined;
      const codes: Record<string, number> = {};
      for (const w of windows) {
        for (const [c, n] of Object.entries(w.errorCodes)) codes[c] = (codes[c] ?? 0) + n;
      }
      const list = Object.entries(codes).map(([c, n]) => `${c} x${n}`);
      return `${e.name} (${list.join(', ')})`;
    })
    .filter((x) => x !== undefined);
  if (failing.length === 0) return undefined;
  return `warm-up failed in ${formatDuration(warmupEndMs)}: ${failing.join('; ')}; the deploy was not started`;
}
