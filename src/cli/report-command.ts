/**
 * `zerodown report <result.json> [--format …] [-o file] [--fail]`: renders a saved result again.
 * `zerodown report --from-probes <file|-> [--json f --html f --markdown f --junit f]`: rebuilds a
 * run's result from its probe stream (`--out`) first, then renders it the same way; `-c` judges
 * it again with another config's budget. Exits 0 once rendered, so an "always render the report"
 * CI step stays green; `--fail` exits with the result's own exit code instead.
 */
import { Option, type Command } from 'commander';
import { loadConfig } from '../config/load.ts';
import { ZerodownError } from '../errors.ts';
import { renderHtml } from '../report/html.ts';
import { renderJson, readResultFile } from '../report/json.ts';
import { renderJunit } from '../report/junit.ts';
import { renderMarkdown } from '../report/markdown.ts';
import { renderText } from '../report/text.ts';
import { EXIT } from '../exit-codes.ts';
import { decideOutcome } from '../outcome.ts';
import type { ResultDocument } from '../result.ts';
import { readProbeStream } from '../stream/read.ts';
import { writeFileAtomic, writeReports } from './outputs.ts';

/** The renderers `report --format` knows. */
export const RENDERERS: Record<string, (doc: ResultDocument) => string> = {
  text: renderText,
  json: renderJson,
  markdown: renderMarkdown,
  junit: renderJunit,
  html: renderHtml,
};

interface ReportFlags {
  format: string;
  output?: string;
  fail?: boolean;
  fromProbes?: string;
  config?: string;
  json?: string;
  html?: string;
  markdown?: string;
  junit?: string;
}

/** Registers `report`. */
export function registerReport(program: Command, exit: (code: number) => void): void {
  program
    .command('report')
    .description(
      'render a saved result document again, or rebuild one from a probe stream (--from-probes); exits 0 (with --fail: its exit code)',
    )
    .argument('[result]', 'a result document written by --json')
    .addOption(
      new Option('--format <format>', 'output format')
        .choices(Object.keys(RENDERERS))
        .default('text'),
    )
    .option('-o, --output <file>', 'write to a file instead of stdout')
    .option('--fail', "exit with the result's exit code (1 on downtime, 3 deploy failed…)")
    .option('--from-probes <file|->', 'rebuild the result from a probe stream written by --out')
    .option('-c, --config <file>', 'with --from-probes: judge again with this config’s budget')
    .option('--json <file>', 'also write the result document')
    .option('--html <file>', 'also write the HTML report')
    .option('--markdown <file>', 'also write the Markdown report')
    .option('--junit <file>', 'also write the JUnit XML report')
    .action(async (file: string | undefined, opts: ReportFlags) => {
      if ((file === undefined) === (opts.fromProbes === undefined)) {
        throw new ZerodownError(
          'ZD_USAGE',
          'report: give a result document, or --from-probes <file|-> (one of them)',
        );
      }
      if (opts.config !== undefined && opts.fromProbes === undefined) {
        throw new ZerodownError('ZD_USAGE', 'report: -c/--config goes with --from-probes');
      }
      const doc = file !== undefined ? readResultFile(file) : await rebuild(opts);
      const text = RENDERERS[opts.format]!(doc);
      writeReports(doc, {
        json: opts.json,
        html: opts.html,
        markdown: opts.markdown,
        junit: opts.junit,
      });
      if (opts.output) writeFileAtomic(opts.output, text);
      else process.stdout.write(text);
      exit(opts.fail ? decideOutcome(doc).exitCode : EXIT.ok);
    });
}

/** The result rebuilt from `--from-probes`; what the reader noticed goes to stderr. */
async function rebuild(opts: ReportFlags): Promise<ResultDocument> {
  const config = opts.config === undefined ? undefined : loadConfig({ file: opts.config });
  const budget = config && {
    maxDowntimeMs: config.maxDowntimeMs ?? null,
    mergeGapMs: config.mergeGapMs,
    maxIncidentMs: config.maxIncidentMs ?? null,
  };
  const { result, notes } = await readProbeStream(opts.fromProbes!, { budget });
  for (const note of notes) process.stderr.write(`zerodown: ${opts.fromProbes}: ${note}\n`);
  return result;
}
