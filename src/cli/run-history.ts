/**
 * The CLI's side of a run's history: read the learned budgets before probing and record the
 * result after it, saying on stderr what could not be done. Neither changes the exit code.
 */
import type { ZerodownConfig } from '../config/resolve.ts';
import { prepareHistory, type RunHistory } from '../history/run-history.ts';
import type { ResultDocument } from '../result.ts';

/** Prepares the run's history (undefined without one), telling what could not be read. */
export async function openRunHistory(
  config: ZerodownConfig,
  agent?: string,
): Promise<RunHistory | undefined> {
  const history = await prepareHistory(config, agent === undefined ? {} : { agent });
  for (const note of history?.notes ?? []) {
    process.stderr.write(`zerodown: ${config.redactor.text(note)}\n`);
  }
  return history;
}

/** Records the final result, telling where it went or that the write failed. */
export async function recordResult(
  history: RunHistory | undefined,
  doc: ResultDocument,
  config: ZerodownConfig,
  prefix = 'zerodown',
): Promise<void> {
  if (!history) return;
  const { message } = await history.record(doc);
  if (message !== undefined) process.stderr.write(`${prefix}: ${config.redactor.text(message)}\n`);
}
