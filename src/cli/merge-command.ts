/**
 * `zerodown merge <result.json…> [--expect-agents a,b] [--coverage-tolerance dur] [--json f]
 * [--html f] [--markdown f] [--junit f]` (contract §7): merges the saved results of several
 * vantages (CI artifacts) into one document, prints its text report, writes the files asked for
 * and exits with the merged verdict's exit code.
 */
import type { Command } from 'commander';
import { mergeResults } from '../analysis/merge.ts';
import { ZerodownError } from '../errors.ts';
import { decideOutcome } from '../outcome.ts';
import { readResultFile } from '../report/json.ts';
import { renderText } from '../report/text.ts';
import { writeReports } from './outputs.ts';
import { flagDuration } from './options.ts';

interface MergeFlags {
  expectAgents?: string;
  coverageTolerance?: string;
  json?: string;
  html?: string;
  markdown?: string;
  junit?: string;
}

/** Registers `merge`. */
export function registerMerge(program: Command, exit: (code: number) => void): void {
  program
    .command('merge')
    .description('merge saved results of several vantages (--agent) into one verdict')
    .argument('<results...>', 'result documents written by --json, one per agent')
    .option('--expect-agents <names>', 'comma-separated agents that must be there (else exit 6)')
    .option(
      '--coverage-tolerance <dur>',
      'how much later an agent may start or earlier end than the others and be complete (default 2s)',
    )
    .option('--json <file>', 'write the merged result document')
    .option('--html <file>', 'write the HTML report')
    .option('--markdown <file>', 'write the Markdown report')
    .option('--junit <file>', 'write the JUnit XML report')
    .action((files: string[], flags: MergeFlags) => {
      const expectAgents =
        flags.expectAgents === undefined ? undefined : agentList(flags.expectAgents);
      const coverageToleranceMs = flagDuration('--coverage-tolerance', flags.coverageTolerance);
      const docs = files.map((f) => readResultFile(f));
      const merged = mergeResults(docs, { expectAgents, coverageToleranceMs, sources: files });
      process.stdout.write(renderText(merged));
      writeReports(merged, {
        json: flags.json,
        html: flags.html,
        markdown: flags.markdown,
        junit: flags.junit,
      });
      exit(decideOutcome(merged).exitCode);
    });
}

function agentList(value: string): string[] {
  const names = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (names.length === 0) {
    throw new ZerodownError('ZD_USAGE', '--expect-agents: give agent names, comma-separated');
  }
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice !== undefined) {
    throw new ZerodownError('ZD_USAGE', `--expect-agents: ${twice} is named twice`);
  }
  return names;
}
