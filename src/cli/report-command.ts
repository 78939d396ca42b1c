/**
 * `zerodown report <result.json> [--format …] [-o file]`: renders a saved result again.
 */
import { Option, type Command } from 'commander';
import { renderHtml } from '../report/html.ts';
import { renderJson, readResultFile } from '../report/json.ts';
import { renderJunit } from '../report/junit.ts';
import { renderMarkdown } from '../report/markdown.ts';
import { renderText } from '../report/text.ts';
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
    .description('render a saved result document again; exits with its verdict')
    .argument('<result>', 'a result document written by --json')
    .addOption(
      new Option('--format <format>', 'output format')
        .choices(Object.keys(RENDERERS))
        .default('text'),
    )
    .option('-o, --output <file>', 'write to a file instead of stdout')
    .action((file: string, opts: { format: string; output?: string }) => {
      const doc = readResultFile(file);
      const text = RENDERERS[opts.format]!(doc);
      if (opts.output) writeFileAtomic(opts.output, text);
      else process.stdout.write(text);
      exit(decideOutcome(doc).exitCode);
    });
}
