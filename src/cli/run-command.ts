/**
 * `zerodown run [options] -- <cmd> [args…]` and `zerodown probe [options]`.
 */
import type { Command } from 'commander';
import { agentName } from '../agent.ts';
import { formatDuration } from '../config/duration.ts';
import { configError, ZerodownError } from '../errors.ts';
import type { ZerodownConfig } from '../config/resolve.ts';
import { renderJson } from '../report/json.ts';
import type { ProbeSession } from '../session.ts';
import { runDeploy, runProbe, type RunOutcome } from '../run.ts';
import { sendNotifications } from '../notify/dispatch.ts';
import { emitResult, interruptSignal, writeFileAtomic } from './outputs.ts';
import { addSharedOptions, configFromFlags, type SharedFlags } from './options.ts';
import { Progress } from './progress.ts';
import { openRunHistory, recordResult } from './run-history.ts';
import type { SessionHistory } from '../history/plan.ts';
import { ProbeStreamWriter } from '../stream/writer.ts';
import { HubCoordinator } from '../hub/coordinator.ts';
import { decideOutcome } from '../outcome.ts';
import { hubFlags } from './options.ts';

/** Registers `run`; `exit` receives the exit code. */
export function registerRun(program: Command, exit: (code: number) => void): void {
  const cmd = program
    .command('run')
    .description('probe through warm-up, the deploy command and settle, then give a verdict')
    .argument('[command...]', 'the deploy command, after -- (not needed with guard.stages)')
    .usage('[options] -- <command> [args...]');
  addSharedOptions(cmd, true)
    .option('--rollback <command>', 'run when the guard aborts the deploy (shell line)')
    .option(
      '--abort-on-downtime <dur>',
      'abort as soon as an endpoint is down longer than this during the deploy',
    )
    .option(
      '--override <reason>',
      'start the deploy although a blocker says no; the reason goes into the result',
    );
  cmd.action(async (command: string[], flags: SharedFlags) => {
    const config = configFromFlags(flags);
    const staged = config.guard.stages !== undefined && config.guard.stages.length > 0;
    if (command.length === 0 && !staged) {
      throw new ZerodownError(
        'ZD_USAGE',
        'run: give the deploy command after -- (or guard.stages in the config)',
      );
    }
    if (command.length > 0 && staged) {
      throw new ZerodownError(
        'ZD_USAGE',
        'run: the config has guard.stages; give no command after --',
      );
    }
    await runReported(
      config,
      flags,
      exit,
      ({ signal, progress, onSession, onPhase, history, agent, out, hub }) =>
        runDeploy({
          config,
          command,
          agent,
          vantages: hub?.vantages(),
          signal,
          history,
          out,
          output: {
            // With `--out -` stdout is the probe stream: the deploy's output goes to stderr.
            stdout: (chunk) =>
              progress.write(out?.target === '-' ? process.stderr : process.stdout, chunk),
            stderr: (chunk) => progress.write(process.stderr, chunk),
          },
          onSession,
          onPhase: (phase) => {
            progress.note(config.redactor.text(phaseMessage(phase, config, command)));
            onPhase(phase);
          },
        }),
    );
  });
}

/** Registers `probe`. */
export function registerProbe(program: Command, exit: (code: number) => void): void {
  const cmd = program
    .command('probe')
    .description('probe for --duration (or until SIGINT/SIGTERM), then report');
  addSharedOptions(cmd, false).action(async (flags: SharedFlags) => {
    const config = configFromFlags(flags);
    await runReported(config, flags, exit, ({ signal, onSession, history, agent, out }) =>
      runProbe({ config, signal, onSession, history, agent, out }),
    );
  });
}

/**
 * Runs `start` with live progress and SIGINT/SIGTERM handling, then prints and writes the
 * reports, sends the notifications and hands over the exit code. After an unexpected error, what
 * was measured is still written.
 */
async function runReported(
  config: ZerodownConfig,
  flags: SharedFlags,
  exit: (code: number) => void,
  start: (hooks: {
    signal: AbortSignal;
    progress: Progress;
    onSession: (session: ProbeSession) => void;
    onPhase: (phase: string) => void;
    history: SessionHistory | undefined;
    agent: string;
    out: ProbeStreamWriter | undefined;
    hub: HubCoordinator | undefined;
  }) => Promise<RunOutcome>,
): Promise<void> {
  const agent = agentName(flags.agent);
  const hub = await joinHub(config, flags, agent);
  // Learned budgets are read before probing: the verdict is judged with them from the start.
  const history = await openRunHistory(config, agent);
  const progress = new Progress(process.stderr, flags.progress !== false);
  const out = config.report.out ? new ProbeStreamWriter(config.report.out, config) : undefined;
  const { signal, dispose } = interruptSignal();
  let session: ProbeSession | undefined;
  try {
    let outcome = await start({
      signal,
      progress,
      onSession: (s) => {
        session = s;
        progress.attach(s);
        // A failure to read the stream leaves the agents without final data: exit 6, not a crash.
        hub?.start(s.phase ?? 'probe').catch((err: unknown) => {
          process.stderr.write(`zerodown: hub: ${(err as Error).message}\n`);
        });
      },
      onPhase: (phase) => hub?.beginPhase(phase),
      history: history?.session,
      agent,
      out,
      hub,
    });
    if (hub) {
      // Budgets and the verdict judge the merged view: every agent's outcomes and this one's.
      const result = await hub.finish(outcome.result);
      outcome = { result, exitCode: decideOutcome(result).exitCode };
    }
    progress.stop();
    // The stream is complete (its end line written) before anything else is reported.
    await out?.close();
    emitResult(
      outcome.result,
      config.report,
      out?.target === '-' ? process.stderr : process.stdout,
    );
    // After the result is final and written: a failed write never changes the verdict.
    await recordResult(history, outcome.result, config);
    await sendNotifications(outcome.result, config.notify);
    exit(outcome.exitCode);
  } catch (err) {
    saveWhatWasMeasured(session, config);
    throw err;
  } finally {
    progress.stop();
    dispose();
    await out?.close();
    await hub?.close();
  }
}

/** With `--hub`: connects and waits for the `--agents` (exit 4 when one does not come). */
async function joinHub(
  config: ZerodownConfig,
  flags: SharedFlags,
  self: string,
): Promise<HubCoordinator | undefined> {
  const setup = hubFlags(flags);
  const agents = setup?.agents ?? [];
  if (agents.includes(self)) {
    throw new ZerodownError('ZD_USAGE', `--agents: ${self} is this process's own name (--agent)`);
  }
  // A stage judged by vantages that are not there would go unguarded.
  config.guard.stages?.forEach((stage, i) => {
    const unknown = (stage.agents ?? []).filter((a) => a !== self && !agents.includes(a));
    if (unknown.length > 0) {
      throw configError(
        `guard.stages[${i}].agents`,
        `${unknown.join(', ')} is neither in --agents (${agents.join(', ') || 'none'}) nor this process (${self})`,
      );
    }
  });
  if (!setup) return undefined;
  const { timeoutMs } = setup;
  const say = (line: string) => process.stderr.write(`zerodown: ${line}\n`);
  const hub = new HubCoordinator(config, setup.hub, agents, say);
  try {
    await hub.connect();
    await hub.waitForAgents(timeoutMs);
  } catch (err) {
    await hub.close();
    throw err;
  }
  return hub;
}

function phaseMessage(phase: string, config: ZerodownConfig, command: string[]): string {
  if (phase === 'warmup') return `warm-up for ${formatDuration(config.warmupMs)}`;
  if (phase === 'deploy') return `deploying: ${command.join(' ')}`;
  if (phase === 'settle') return `deploy finished; settling for ${formatDuration(config.settleMs)}`;
  return phase;
}

/** After an unexpected error: write what was measured so far (marked interrupted), if asked to. */
function saveWhatWasMeasured(session: ProbeSession | undefined, config: ZerodownConfig): void {
  if (!session || !config.report.json) return;
  try {
    writeFileAtomic(config.report.json, renderJson(session.result({ interrupted: true })));
    process.stderr.write(`zerodown: partial result written to ${config.report.json}\n`);
  } catch {
    // Reporting the original error matters more.
  }
}
