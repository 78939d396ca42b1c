/**
 * The deploy phase under the guard: the deploy command (or each stage of a staged deploy, with
 * its bake time) while thresholds are watched; on a breach, the running command's process group
 * is stopped (SIGTERM, then SIGKILL after the grace period) and the rollback commands run, the
 * stages in reverse order.
 */
import { formatDuration } from '../config/duration.ts';
import type { ZerodownConfig } from '../config/resolve.ts';
import { DeployProcess, type DeployExit, type DeployOutput } from '../deploy/command.ts';
import type { DeployRecord, GuardRecord, RollbackRecord, StageRecord } from '../result.ts';
import type { ProbeSession } from '../session.ts';
import { aborted, sleep } from '../util/sleep.ts';
import { compareCanary, type PhaseSampler } from './comparisons.ts';
import { GuardMonitor, type Breach, type GuardedSource } from './monitor.ts';
import { round3 } from '../analysis/histogram.ts';

/** How the deploy phase ended. */
export interface GuardedDeployOutcome {
  deploy: DeployRecord;
  guard: GuardRecord;
  interrupted: boolean;
}

interface Step {
  name: string;
  argv: readonly string[];
  rollback: string | undefined;
  bakeMs: number;
  /** The vantages whose thresholds judge it (a hub's agents, this one's name); undefined: all. */
  agents: readonly string[] | undefined;
}

/** Keeps the last `max` characters of what a command printed. */
class Tail {
  text = '';
  add(chunk: Buffer): void {
    this.text = (this.text + chunk.toString('utf8')).slice(-4000);
  }
}

/** Runs the deploy (single command or stages) under the guard. */
export async function runGuardedDeploy(options: {
  session: ProbeSession;
  config: ZerodownConfig;
  command: readonly string[];
  output: DeployOutput;
  signal: AbortSignal | undefined;
  onPhase: ((phase: string) => void) | undefined;
  guard: GuardRecord;
  /** Present when a canary comparison is configured. */
  sampler: PhaseSampler | undefined;
  /**
   * Other vantages judged by the same thresholds (a hub's agents, contract §7): a breach at any
   * one aborts the deploy, its reason naming the agent.
   */
  vantages?: readonly { name: string; source: GuardedSource }[] | undefined;
}): Promise<GuardedDeployOutcome> {
  const { session, config, output, signal, guard } = options;
  const g = config.guard;
  const staged = g.stages !== undefined && g.stages.length > 0;
  const steps: Step[] = staged
    ? g.stages.map((s) => ({
        name: s.name,
        argv: [s.command],
        rollback: s.rollback,
        bakeMs: s.bake,
        agents: s.agents,
      }))
    : [
        {
          name: 'deploy',
          argv: options.command,
          rollback: g.rollback,
          bakeMs: 0,
          agents: undefined,
        },
      ];
  const breachCtl = new AbortController();
  const monitor = new GuardMonitor(session, g.thresholds, (b: Breach) => breachCtl.abort(b));
  let remoteBreach: Breach | undefined;
  const remote = (options.vantages ?? []).map(
    (v) =>
      new GuardMonitor(v.source, g.thresholds, (b: Breach) => {
        if (remoteBreach || monitor.breach) return;
        remoteBreach = { ...b, reason: `agent ${v.name}: ${b.reason}` };
        breachCtl.abort(remoteBreach);
      }),
  );
  const phase = (name: string) => {
    session.beginPhase(name);
    options.onPhase?.(name);
  };
  const stages: StageRecord[] = steps.map((s) => ({
    name: s.name,
    command: s.argv.join(' '),
    startMs: 0,
    endMs: null,
    exitCode: null,
    signal: null,
    bakeEndMs: null,
    status: 'not-started',
  }));
  const deployStartMs = session.nowMs();
  let interrupted = false;
  let lastExit: DeployExit = { exitCode: 0, signal: null };
  let commandText = steps.map((s) => s.argv.join(' ')).join(' && ');
  // Each stage is judged by the vantages it names (all by default); a monitor armed across
  // stages keeps counting from its first arming, as with one vantage.
  const judging = (step: Step) => {
    const judges = (name: string) => step.agents === undefined || step.agents.includes(name);
    if (judges(session.agent)) monitor.arm();
    else monitor.disarm();
    remote.forEach((m, k) => (judges(options.vantages![k]!.name) ? m.arm() : m.disarm()));
  };
  for (const [i, step] of steps.entries()) {
    const rec = stages[i]!;
    judging(step);
    phase(staged ? `deploy:${step.name}` : 'deploy');
    rec.startMs = round3(session.nowMs());
    let proc: DeployProcess;
    try {
      proc = new DeployProcess(step.argv, output);
      if (!staged) commandText = proc.command;
    } catch (err) {
      lastExit = { exitCode: null, signal: null, error: String(err) };
      rec.status = 'failed';
      break;
    }
    const exit = await Promise.race([proc.exited, aborted(breachCtl.signal), aborted(signal)]);
    if (exit === undefined) {
      const interruptedNow = signal?.aborted === true && !breachCtl.signal.aborted;
      const ended = interruptedNow
        ? await proc.terminate(30_000, signalName(signal?.reason))
        : await proc.terminate(g.killGraceMs);
      Object.assign(rec, {
        endMs: round3(session.nowMs()),
        exitCode: ended.exitCode,
        signal: ended.signal,
        status: 'aborted',
      });
      lastExit = ended;
      interrupted = interruptedNow;
      break;
    }
    Object.assign(rec, {
      endMs: round3(session.nowMs()),
      exitCode: exit.exitCode,
      signal: exit.signal,
    });
    lastExit = exit;
    if (exit.exitCode !== 0 || exit.error !== undefined) {
      rec.status = 'failed';
      break;
    }
    if (step.bakeMs > 0) {
      phase(`bake:${step.name}`);
      await sleep(step.bakeMs, AbortSignal.any([breachCtl.signal, ...(signal ? [signal] : [])]));
      if (signal?.aborted && !breachCtl.signal.aborted) interrupted = true;
    }
    rec.bakeEndMs = round3(session.nowMs());
    rec.status = 'done';
    // The canary comparison as a threshold: judged on everything since the deploy began.
    const canary =
      staged && options.sampler && !breachCtl.signal.aborted
        ? compareCanary(config, options.sampler, 'since-deploy')
        : undefined;
    if (canary?.verdict === 'fail') {
      const why =
        canary.errorRate.verdict === 'fail' ? canary.errorRate.reason : canary.latency.reason;
      monitor.report({
        threshold: 'canary',
        endpoint: canary.canary,
        reason: `canary ${canary.canary} worse than ${canary.baseline}: ${why}`,
        measurableAtMs: round3(session.nowMs()),
      });
    }
    if (breachCtl.signal.aborted || interrupted) break;
  }
  monitor.disarm();
  for (const m of remote) m.disarm();
  const deploy: DeployRecord = {
    command: commandText,
    exitCode: lastExit.exitCode,
    signal: lastExit.signal,
    durationMs: round3(session.nowMs() - deployStartMs),
    startMs: round3(deployStartMs),
  };
  if (lastExit.error !== undefined) deploy.error = lastExit.error;
  if (staged) guard.stages = stages;

  const breach = monitor.breach ?? remoteBreach;
  if (breach && !interrupted) {
    guard.aborted = true;
    guard.breach = breach;
    guard.abortedAtMs = breach.atMs;
    guard.reason = `${breach.reason}: deploy aborted after ${formatDuration(breach.atMs - deployStartMs)}`;
    phase('rollback');
    guard.rollbacks = await rollBack(steps, stages, g.rollback, session, output);
    guard.rollback = guard.rollbacks.at(-1);
  }
  return { deploy, guard, interrupted };
}

/** Runs the rollback commands: each started stage's own, newest first, else the global one. */
async function rollBack(
  steps: readonly Step[],
  stages: readonly StageRecord[],
  globalRollback: string | undefined,
  session: ProbeSession,
  output: DeployOutput,
): Promise<RollbackRecord[]> {
  const jobs: { command: string; stage?: string }[] = [];
  for (let i = steps.length - 1; i >= 0; i--) {
    const cmd = steps[i]!.rollback;
    if (stages[i]!.status !== 'not-started' && cmd !== undefined && cmd !== globalRollback) {
      jobs.push({ command: cmd, stage: steps[i]!.name });
    }
  }
  if (globalRollback !== undefined) jobs.push({ command: globalRollback });
  const records: RollbackRecord[] = [];
  for (const job of jobs) {
    const tail = new Tail();
    const startMs = round3(session.nowMs());
    let exit: DeployExit;
    try {
      const proc = new DeployProcess([job.command], {
        stdout: (c) => {
          tail.add(c);
          output.stdout(c);
        },
        stderr: (c) => {
          tail.add(c);
          output.stderr(c);
        },
      });
      exit = await proc.exited;
    } catch (err) {
      exit = { exitCode: null, signal: null, error: String(err) };
    }
    const record: RollbackRecord = {
      command: job.command,
      exitCode: exit.exitCode,
      signal: exit.signal,
      startMs,
      endMs: round3(session.nowMs()),
      output: tail.text,
    };
    if (job.stage !== undefined) record.stage = job.stage;
    if (exit.error !== undefined) record.error = exit.error;
    records.push(record);
  }
  return records;
}

function signalName(reason: unknown): NodeJS.Signals {
  return reason === 'SIGINT' || reason === 'SIGTERM' || reason === 'SIGHUP' ? reason : 'SIGTERM';
}
