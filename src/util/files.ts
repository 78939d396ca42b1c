/** Writing files so that a crash or a kill never leaves half of one. */
import { mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ZerodownError } from '../errors.ts';

/**
 * Writes `text` to `file` atomically (a temporary file, then rename), creating its folder. A
 * write that fails (a full disk) removes its temporary file and leaves `file` as it was. A path
 * that already names something other than a regular file (`/dev/stdout`, a pipe, `/dev/full`) is
 * written in place: renaming over it would replace the device or pipe with a plain file.
 */
export function writeFileAtomic(file: string, text: string): void {
  try {
    if (isSpecialFile(file)) {
      writeFileSync(file, text);
      return;
    }
    mkdirSync(dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    try {
      writeFileSync(tmp, text);
      renameSync(tmp, file);
    } catch (err) {
      rmSync(tmp, { force: true });
      throw err;
    }
  } catch (cause) {
    throw new ZerodownError('ZD_OUTPUT', `cannot write ${file}: ${(cause as Error).message}`, {
      cause,
    });
  }
}

/** True when `file` exists (following links) and is not a regular file. */
function isSpecialFile(file: string): boolean {
  const stat = statSync(file, { throwIfNoEntry: false });
  return stat !== undefined && !stat.isFile();
}
