/**
 * `zerodown report <result.json> [--format …] [-o file] [--fail]`: renders a saved result again.
 * Exits 0 once rendered, so an "always render the report" CI step stays green; `--fail` exits
 * with the result's own exit code instead.
 */
import { Option, type Command } from 'commander';
import { renderHtml } from '../report/html.ts';
import { renderJson, readResultFile } from '../report/json.ts';
import { renderJunit } from '../report/junit.ts';
import { renderMarkdown } from '../report/markdown.ts';
import { renderText } from '../report/text.ts';
import { EXIT } from '../exit-codes.ts';
import { decideOutcome } from '../outcome.ts';
import type { ResultDocument } from '../result.ts';
import { writeFileAtomic } from './outputs.ts';

/** The renderers `report --format` knows. */
export const RENDERERS: Record<string, (doc: ResultDocument) => string> = {
  text: renderText,
  json: renderJson,
  markdown: renderMarkdown,
  junit: renderJunit,
  html: renderHtml,
};

/** Registers `report`. */
export function registerReport(program: Command, exit: (code: number) => void): void {
  program
    .command('report')
    .description('render a saved result document again; exits 0 (with --fail: its exit code)')
    .argument('<result>', 'a result document written by --json')
    .addOption(
      new Option('--format <format>', 'output format')
        .choices(Object.keys(RENDERERS))
        .default('text'),
    )
    .option('-o, --output <file>', 'write to a file instead of stdout')
    .option('--fail', "exit with the result's exit code (1 on downtime, 3 deploy failed…)")
    .action((file: string, opts: { format: string; output?: string; fail?: boolean }) => {
      const doc = readResultFile(file);
      const text = RENDERERS[opts.format]!(doc);
      if (opts.output) writeFileAtomic(opts.output, text);
      else process.stdout.write(text);
      exit(opts.fail ? decideOutcome(doc).exitCode : EXIT.ok);
    });
}
