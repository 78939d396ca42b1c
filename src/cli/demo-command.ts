/**
 * `zerodown demo`: the main job on a built-in sample service — a naive restart (downtime, exit
 * 1) and a rolling restart with draining (no downtime, exit 0), each run under `runDeploy` like
 * `zerodown run`. Reports and the summary go to stdout; progress and the deploy script's lines to
 * stderr. Exits 0 when both verdicts come out as expected, 1 otherwise.
 */
import { join } from 'node:path';
import type { Command } from 'commander';
import { formatDuration } from '../config/duration.ts';
import { renderJson } from '../report/json.ts';
import { renderText } from '../report/text.ts';
import { interruptSignal, writeFileAtomic } from './outputs.ts';
import { Progress } from './progress.ts';

interface DemoFlags {
  json?: string;
  progress?: boolean;
}

/** Registers `demo`; `exit` receives the exit code. */
export function registerDemo(program: Command, exit: (code: number) => void): void {
  program
    .command('demo')
    .description(
      'run the built-in demonstration: two deploys of a sample service it starts itself (no set-up, no network)',
    )
    .option(
      '--json <dir>',
      'write both result documents into this folder (naive.json, rolling.json)',
    )
    .option('--no-progress', 'no live status on stderr')
    .action(async (flags: DemoFlags) => {
      const progress = new Progress(process.stderr, flags.progress !== false);
      const { signal, dispose } = interruptSignal();
      const toStderr = (chunk: Buffer) => progress.write(process.stderr, chunk);
      try {
        // Loaded here, not at start-up: the demo's services are not needed by other commands.
        const [{ runDemo }, { DEMO_TIMING }, summary] = await Promise.all([
          import('../demo/run-demo.ts'),
          import('../demo/scenarios.ts'),
          import('../demo/summary.ts'),
        ]);
        const runs = await runDemo({
          signal,
          output: { stdout: toStderr, stderr: toStderr },
          onScenario: (s, i, total) => {
            process.stdout.write(`\n=== Deploy ${i + 1} of ${total}: ${s.title} ===\n`);
            process.stdout.write(`${s.explanation}\n\n`);
          },
          onSession: (s) => progress.attach(s),
          onPhase: (phase) => progress.note(phaseMessage(phase, DEMO_TIMING)),
          onRun: ({ scenario, outcome }) => {
            progress.stop();
            process.stdout.write(renderText(outcome.result));
            if (flags.json !== undefined) {
              const file = join(flags.json, `${scenario.mode}.json`);
              writeFileAtomic(file, renderJson(outcome.result));
              process.stderr.write(`zerodown: result written to ${file}\n`);
            }
          },
        });
        progress.stop();
        process.stdout.write(`\n${summary.renderDemoSummary(runs)}`);
        const code = summary.demoExitCode(runs);
        if (code === 1) {
          for (const s of summary.demoSurprises(runs)) {
            process.stderr.write(`zerodown demo: unexpected: ${s}\n`);
          }
        }
        exit(code);
      } finally {
        progress.stop();
        dispose();
      }
    });
}

function phaseMessage(phase: string, timing: { warmupMs: number; settleMs: number }): string {
  if (phase === 'warmup')
    return `probing the sample service; warm-up for ${formatDuration(timing.warmupMs)}`;
  if (phase === 'deploy') return 'deploying (the deploy script is the deploy command)';
  if (phase === 'settle') return `deploy finished; settling for ${formatDuration(timing.settleMs)}`;
  return phase;
}
