/**
 * The JSON report (the result document itself) and reading a saved one back.
 */
import { readFileSync } from 'node:fs';
import { ZerodownError } from '../errors.ts';
import { formatPath } from '../config/load.ts';
import type { ResultDocument } from '../result.ts';
import { resultSchema } from './result-schema.ts';

/** Renders the result document as pretty JSON. */
export function renderJson(doc: ResultDocument): string {
  return JSON.stringify(doc, null, 2) + '\n';
}

/** Parses and checks a saved result document. Throws `ZD_RESULT_INVALID`. */
export function parseResult(text: string, source = 'result'): ResultDocument {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (cause) {
    throw new ZerodownError(
      'ZD_RESULT_INVALID',
      `${source}: not JSON (${(cause as Error).message})`,
    );
  }
  const d = doc as Partial<ResultDocument> | null;
  if (!d || typeof d !== 'object' || d.tool?.name !== 'zerodown' || !Array.isArray(d.endpoints)) {
    throw new ZerodownError('ZD_RESULT_INVALID', `${source}: not a zerodown result document`);
  }
  if (d.schemaVersion !== 1) {
    throw new ZerodownError(
      'ZD_RESULT_INVALID',
      `${source}: schemaVersion ${String(d.schemaVersion)} is not supported (this zerodown reads 1)`,
    );
  }
  const checked = resultSchema.safeParse(doc);
  if (!checked.success) {
    const issue = checked.error.issues[0]!;
    throw new ZerodownError(
      'ZD_RESULT_INVALID',
      `${source}: not a valid result document: ${formatPath(issue.path) || 'the top level'}: ${issue.message}`,
    );
  }
  return doc as ResultDocument;
}

/** Reads a saved result document from a file. */
export function readResultFile(file: string): ResultDocument {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new ZerodownError('ZD_RESULT_INVALID', `${file}: ${(cause as Error).message}`, { cause });
  }
  return parseResult(text, file);
}
