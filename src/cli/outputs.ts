/**
 * Writing a finished result where the user asked: the text report on stdout, files from
 * `--json` (and the other report flags). Files are written atomically (temp file, rename) so an
 * interrupted write never leaves half a document.
 */
import type { ZerodownConfig } from '../config/resolve.ts';
import { writeFileAtomic } from '../util/files.ts';
import { renderJson } from '../report/json.ts';
import { renderText } from '../report/text.ts';
import type { ResultDocument } from '../result.ts';

export { writeFileAtomic };

/** Prints the text report and writes the requested report files. */
export function emitResult(result: ResultDocument, report: ZerodownConfig['report']): void {
  process.stdout.write(renderText(result));
  if (report.json) {
    writeFileAtomic(report.json, renderJson(result));
    process.stderr.write(`zerodown: result written to ${report.json}\n`);
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
