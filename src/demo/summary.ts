/**
 * The demo's closing summary — which deploy would fail a pipeline and why — and the check that
 * each deploy got the verdict it should. Pure: (runs) => text.
 */
import { formatDuration } from '../config/duration.ts';
import type { EndpointResult } from '../result.ts';
import { EXIT, EXIT_MEANINGS } from '../exit-codes.ts';
import { decideOutcome, describeDeploy, deployFailed } from '../outcome.ts';
import type { DemoRun } from './run-demo.ts';
import { DEMO_SCENARIOS } from './scenarios.ts';

/** What an exit code of the contract means, in a few words. */
export function exitMeaning(code: number): string {
  return (EXIT_MEANINGS as Record<number, string>)[code] ?? 'unknown exit code';
}

/**
 * What came out other than expected: one line per deploy whose exit code differs from its
 * scenario's, and one per deploy that did not run. Empty when all is as expected.
 */
export function demoSurprises(runs: readonly DemoRun[]): string[] {
  const out: string[] = [];
  for (const run of runs) {
    const { scenario, outcome } = run;
    if (outcome.exitCode === scenario.expectedExitCode) continue;
    out.push(
      `${scenario.title}: expected exit code ${scenario.expectedExitCode} (${exitMeaning(scenario.expectedExitCode)}), ` +
        `got ${outcome.exitCode} (${exitMeaning(outcome.exitCode)}): ${decideOutcome(outcome.result).sentence}`,
    );
  }
  for (const scenario of DEMO_SCENARIOS.slice(runs.length)) {
    out.push(`${scenario.title}: did not run`);
  }
  return out;
}

/** The exit code of `zerodown demo`: 130 when interrupted, 0 when all is as expected, else 1. */
export function demoExitCode(runs: readonly DemoRun[]): number {
  if (runs.some((r) => r.outcome.result.interrupted)) return EXIT.interrupted;
  return demoSurprises(runs).length === 0 ? EXIT.ok : EXIT.downtime;
}

/** The closing summary, a few lines per deploy, then whether all came out as expected. */
export function renderDemoSummary(runs: readonly DemoRun[]): string {
  const lines = [
    'Summary: what a CI pipeline running `zerodown run` would make of each deploy',
    '',
  ];
  for (const { scenario, outcome } of runs) {
    const passes = outcome.exitCode === EXIT.ok;
    const effect = passes ? 'the pipeline goes on' : 'the pipeline FAILS here';
    lines.push(
      `${passes ? '✓' : '✗'} ${scenario.title}: exit code ${outcome.exitCode} (${exitMeaning(outcome.exitCode)}) — ${effect}`,
    );
    for (const e of outcome.result.endpoints) lines.push(`    ${e.name}: ${endpointLine(e)}`);
    const deploy = outcome.result.deploy;
    if (deploy && deployFailed(deploy))
      lines.push(`    the deploy script: ${describeDeploy(deploy)}`);
  }
  const surprises = demoSurprises(runs);
  lines.push('');
  if (runs.some((r) => r.outcome.result.interrupted)) {
    lines.push('Interrupted: the demo stopped before it finished (exit code 130).');
  } else if (surprises.length === 0) {
    lines.push(
      'Both came out as expected: the same service and the same new version; only the way it',
      'was rolled out decides whether users see errors. Try it on yours:',
      '  zerodown run -u https://your.service/health -- ./deploy.sh',
    );
  } else {
    lines.push('Unexpected:', ...surprises.map((s) => `  - ${s}`));
  }
  return lines.join('\n') + '\n';
}

function endpointLine(e: EndpointResult): string {
  const down = e.downtime.isDowntime ? e.reason : 'no downtime';
  const versions = e.versions?.map((v) => v.version) ?? [];
  if (versions.length === 0) return down;
  const mixed = e.mixedMs ? `, both answering for ${formatDuration(e.mixedMs)}` : '';
  return `${down}; versions ${versions.join(' → ')}${mixed}`;
}
