/**
 * `run` and `probe` as library functions: the phases around a deploy command, and plain probing
 * for a duration. Both return the result document and the exit code; neither prints or exits.
 */
import { formatDuration } from './config/duration.ts';
import type { ZerodownConfig } from './config/resolve.ts';
import { DeployProcess, type DeployExit, type DeployOutput } from './deploy/command.ts';
import type { DeployRecord, ResultDocument } from './result.ts';
import { ProbeSession } from './session.ts';
import { aborted, sleep } from './util/sleep.ts';

/** Exit codes of the contract (§1). */
export const EXIT = {
  ok: 0,
  downtime: 1,
  usage: 2,
  deployFailed: 3,
  blocked: 4,
  rolledBack: 5,
  interrupted: 130,
} as const;

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
}

/** The exit code a result document stands for. */
export function exitCodeFor(result: ResultDocument): number {
  if (result.interrupted) return EXIT.interrupted;
  if (result.blocked) return EXIT.blocked;
  if (result.verdict === 'fail') return EXIT.downtime;
  if (result.deploy && (result.deploy.exitCode !== 0 || result.deploy.error !== undefined)) {
    return EXIT.deployFailed;
  }
  return EXIT.ok;
}

const defaultOutput: DeployOutput = {
  stdout: (chunk) => process.stdout.write(chunk),
  stderr: (chunk) => process.stderr.write(chunk),
};

/** Warm-up, the deploy command, settle: then the verdict. */
export async function runDeploy(options: RunOptions): Promise<RunOutcome> {
  const { config, signal } = options;
  const session = new ProbeSession(config);
  session.start('warmup');
  options.onSession?.(session);
  options.onPhase?.('warmup');
  const finish = async (extras: Parameters<ProbeSession['result']>[0]): Promise<RunOutcome> => {
    await session.stop();
    const result = session.result(extras);
    return { result, exitCode: exitCodeFor(result) };
  };

  await sleep(config.warmupMs, signal);
  const warmupEndMs = session.nowMs();
  await Promise.race([session.whenProcessed(warmupEndMs), aborted(signal)]);
  if (signal?.aborted) return finish({ interrupted: true });
  const blocked = warmupFailures(session, warmupEndMs);
  if (blocked) return finish({ blocked: { reason: blocked } });

  const deployStartMs = session.beginPhase('deploy');
  options.onPhase?.('deploy');
  let deploy: DeployProcess;
  try {
    deploy = new DeployProcess(options.command, options.output ?? defaultOutput);
  } catch (err) {
    const record = deployRecord(options.command.join(' '), deployStartMs, session.nowMs(), {
      exitCode: null,
      signal: null,
      error: String(err),
    });
    return finish({ deploy: record });
  }
  const exit = await Promise.race([deploy.exited, aborted(signal)]);
  if (exit === undefined) {
    // Interrupted: pass the signal on to the deploy and let it wind down.
    const sig = signalName(signal?.reason);
    const ended = await deploy.terminate(30_000, sig);
    const record = deployRecord(deploy.command, deployStartMs, session.nowMs(), ended);
    return finish({ deploy: record, interrupted: true });
  }
  const record = deployRecord(deploy.command, deployStartMs, session.nowMs(), exit);

  session.beginPhase('settle');
  options.onPhase?.('settle');
  await sleep(config.settleMs, signal);
  return finish({ deploy: record, interrupted: signal?.aborted });
}

/** Options of `runProbe`. */
export interface ProbeOptions {
  config: ZerodownConfig;
  /** Overrides `config.durationMs`; undefined with neither means until `signal`. */
  durationMs?: number;
  signal?: AbortSignal;
  onSession?: (session: ProbeSession) => void;
}

/** Probes for a duration or until the signal, then returns the result. */
export async function runProbe(options: ProbeOptions): Promise<RunOutcome> {
  const session = new ProbeSession(options.config);
  session.start('probe');
  options.onSession?.(session);
  const durationMs = options.durationMs ?? options.config.durationMs;
  if (durationMs === undefined) await aborted(options.signal);
  else await sleep(durationMs, options.signal);
  await session.stop();
  // Interrupted only when cut short: a signal after the duration is a normal end.
  const interrupted = options.signal?.aborted === true && durationMs !== undefined;
  const result = session.result({ interrupted });
  return { result, exitCode: exitCodeFor(result) };
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

function deployRecord(
  command: string,
  startMs: number,
  endMs: number,
  exit: DeployExit,
): DeployRecord {
  const record: DeployRecord = {
    command,
    exitCode: exit.exitCode,
    signal: exit.signal,
    durationMs: Math.round((endMs - startMs) * 1000) / 1000,
    startMs: Math.round(startMs * 1000) / 1000,
  };
  if (exit.error !== undefined) record.error = exit.error;
  return record;
}

function signalName(reason: unknown): NodeJS.Signals {
  return reason === 'SIGINT' || reason === 'SIGTERM' || reason === 'SIGHUP' ? reason : 'SIGTERM';
}
