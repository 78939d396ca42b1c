/**
 * Writing a finished result where the user asked: the text report on stdout, files from
 * `--json`, `--markdown`, `--junit`, `--html` (or `report:`), and on GitHub Actions the job
 * summary and annotations. Files are written atomically (temp file, rename) so an interrupted
 * write never leaves half a document.
 */
import { appendFileSync } from 'node:fs';
import type { ReportFiles } from '../config/resolve.ts';
import { isZerodownError, type ZerodownError } from '../errors.ts';
import { writeFileAtomic } from '../util/files.ts';
import { renderGithubAnnotations } from '../report/github.ts';
import { renderHtml } from '../report/html.ts';
import { renderJson } from '../report/json.ts';
import { renderJunit } from '../report/junit.ts';
import { renderMarkdown } from '../report/markdown.ts';
import { renderText } from '../report/text.ts';
import type { ResultDocument } from '../result.ts';

export { writeFileAtomic };

/**
 * Prints the text report, writes the requested report files, and the GitHub outputs. A file
 * that cannot be written does not stop the rest (see {@link writeReports}).
 */
export function emitResult(
  result: ResultDocument,
  report: ReportFiles,
  stdout: NodeJS.WritableStream = process.stdout,
): void {
  stdout.write(renderText(result));
  writeReports(result, report);
  emitGithub(result, process.env, stdout);
}

const WRITERS: { key: keyof ReportFiles; what: string; render: (doc: ResultDocument) => string }[] =
  [
    { key: 'json', what: 'result', render: renderJson },
    { key: 'markdown', what: 'Markdown report', render: renderMarkdown },
    { key: 'junit', what: 'JUnit report', render: renderJunit },
    { key: 'html', what: 'HTML report', render: renderHtml },
  ];

/**
 * Writes each report file `report` names. One that cannot be written (a full disk, a missing
 * permission) is told in one line on stderr, and the others are still written: the verdict,
 * already printed, and the exit code stay the run's. Returns those `ZD_OUTPUT` errors.
 */
export function writeReports(result: ResultDocument, report: ReportFiles): ZerodownError[] {
  const failed: ZerodownError[] = [];
  for (const w of WRITERS) {
    const file = report[w.key];
    if (!file) continue;
    try {
      writeFileAtomic(file, w.render(result));
      process.stderr.write(`zerodown: ${w.what} written to ${file}\n`);
    } catch (err) {
      if (!isZerodownError(err, 'ZD_OUTPUT')) throw err;
      process.stderr.write(`zerodown: ${w.what} not written: ${err.message}\n`);
      failed.push(err);
    }
  }
  return failed;
}

/**
 * On GitHub Actions: appends the Markdown report to the job summary when `GITHUB_STEP_SUMMARY`
 * is set, and prints `::error`/`::warning` annotations when `GITHUB_ACTIONS=true`. A summary
 * that cannot be written is told on stderr; it does not change the exit code.
 */
export function emitGithub(
  result: ResultDocument,
  env: Readonly<Record<string, string | undefined>> = process.env,
  stdout: NodeJS.WritableStream = process.stdout,
): void {
  if (env.GITHUB_ACTIONS === 'true') stdout.write(renderGithubAnnotations(result));
  const summary = env.GITHUB_STEP_SUMMARY;
  if (!summary) return;
  try {
    appendFileSync(summary, `${renderMarkdown(result)}\n`);
  } catch (err) {
    process.stderr.write(
      `zerodown: cannot append to GITHUB_STEP_SUMMARY (${summary}): ${(err as Error).message}\n`,
    );
  }
}

/**
 * An abort signal for SIGINT/SIGTERM: the first signal aborts (its name is the reason) so the
 * run can stop and report; a second one exits at once with 130.
 */
export function interruptSignal(): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      process.stderr.write(`zerodown: second ${sig}, exiting now\n`);
      process.exit(130);
    }
    process.stderr.write(`\nzerodown: ${sig} received, stopping and writing the partial result\n`);
    controller.abort(sig);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
