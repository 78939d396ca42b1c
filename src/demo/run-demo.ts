/**
 * The demo as a library function: for each deploy of `DEMO_SCENARIOS`, a fresh sample service
 * (both instances on v1), then `runDeploy` with the deploy script as its command — the same code
 * path as `zerodown run` — then the service is closed. Prints nothing; callers watch through the
 * callbacks.
 */
import type { DeployOutput } from '../deploy/command.ts';
import { runDeploy, type RunOutcome } from '../run.ts';
import type { ProbeSession } from '../session.ts';
import { DEMO_SCENARIOS, DEMO_TIMING, demoConfig, deployCommand } from './scenarios.ts';
import type { DemoScenario } from './scenarios.ts';
import { startSampleService } from './service.ts';

/** One deploy of the demo and how zerodown judged it. */
export interface DemoRun {
  scenario: DemoScenario;
  outcome: RunOutcome;
}

/** Options of `runDemo`. */
export interface DemoOptions {
  /** Aborting it interrupts the deploy under way and skips the rest. */
  signal?: AbortSignal;
  /** Where the deploy script's output goes. */
  output?: DeployOutput;
  /** Called before each deploy starts (`index` from 0). */
  onScenario?: (scenario: DemoScenario, index: number, total: number) => void;
  onSession?: (session: ProbeSession) => void;
  onPhase?: (phase: string) => void;
  /** Called with each finished deploy. */
  onRun?: (run: DemoRun) => void;
}

/** Runs the demo's deploys in order and returns how each came out. */
export async function runDemo(options: DemoOptions = {}): Promise<DemoRun[]> {
  const runs: DemoRun[] = [];
  for (const [index, scenario] of DEMO_SCENARIOS.entries()) {
    if (options.signal?.aborted) break;
    options.onScenario?.(scenario, index, DEMO_SCENARIOS.length);
    const service = await startSampleService({ bootMs: DEMO_TIMING.bootMs });
    let outcome: RunOutcome;
    try {
      outcome = await runDeploy({
        config: demoConfig(service.url),
        command: deployCommand(scenario.mode, service.adminUrl),
        signal: options.signal,
        output: options.output,
        onSession: options.onSession,
        onPhase: options.onPhase,
      });
    } finally {
      await service.close();
    }
    const run = { scenario, outcome };
    runs.push(run);
    options.onRun?.(run);
    if (outcome.result.interrupted) break;
  }
  return runs;
}
