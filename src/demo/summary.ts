/**
 * The demo's closing summary — which deploy would fail a pipeline and why — and the check that
 * each deploy got the verdict it should. Pure: (runs) => text.
 */
import { formatDuration } from '../config/duration.ts';
import type { EndpointResult, ResultDocument } from '../result.ts';
import { EXIT } from '../exit-codes.ts';
import type { DemoRun } from './run-demo.ts';
import { DEMO_SCENARIOS } from './scenarios.ts';

const MEANING: Record<number, string> = {
  [EXIT.ok]: 'no downtime',
  [EXIT.downtime]: 'downtime',
  [EXIT.usage]: 'usage or config error',
  [EXIT.deployFailed]: 'the deploy command failed',
  [EXIT.blocked]: 'blocked before the deploy',
  [EXIT.rolledBack]: 'aborted and rolled back',
  [EXIT.interrupted]: 'interrupted',
};

/** What an exit code of the contract means, in a few words. */
export function exitMeaning(code: number): string {
  return MEANING[code] ?? 'unknown exit code';
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
        `got ${outcome.exitCode} (${exitMeaning(outcome.exitCode)}): ${why(outcome.result)}`,
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
    if (outcome.result.deploy && outcome.result.deploy.exitCode !== 0) {
      lines.push(`    the deploy script: ${deployText(outcome.result)}`);
    }
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

function why(doc: ResultDocument): string {
  if (doc.interrupted) return 'the run was interrupted';
  if (doc.blocked) return doc.blocked.reason;
  const failing = doc.endpoints.filter((e) => e.verdict === 'fail');
  if (failing.length > 0) return failing.map((e) => `${e.name} ${e.reason}`).join('; ');
  if (doc.deploy && doc.deploy.exitCode !== 0) return `the deploy script ${deployText(doc)}`;
  return 'no downtime on any endpoint';
}

function deployText(doc: ResultDocument): string {
  const d = doc.deploy!;
  if (d.error !== undefined) return `could not start: ${d.error}`;
  return d.signal ? `was killed by ${d.signal}` : `exited with code ${d.exitCode}`;
}
