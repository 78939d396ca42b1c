/** Writing files so that a crash or a kill never leaves half of one. */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ZerodownError } from '../errors.ts';

/** Writes `text` to `file` atomically (a temporary file, then rename), creating its folder. */
export function writeFileAtomic(file: string, text: string): void {
  try {
    mkdirSync(dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, text);
    renameSync(tmp, file);
  } catch (cause) {
    throw new ZerodownError('ZD_OUTPUT', `cannot write ${file}: ${(cause as Error).message}`, {
      cause,
    });
  }
}
