/**
 * `zerodown serve`'s pid file: the server writes its pid there when it starts and removes the file
 * when it exits (SIGTERM, SIGINT, an error). A file left behind by a server that could not remove
 * it (`kill -9`, a crash, a reboot) names a process that is gone: such a stale file counts as
 * absent.
 */
import { readFileSync, rmSync } from 'node:fs';
import { ZerodownError } from '../errors.ts';
import { writeFileAtomic } from '../util/files.ts';

/** The pid a pid file holds, or undefined when there is no such file or it holds no pid. */
function readPid(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether `pid` is a running zerodown process. Where /proc tells a process's command line
 * (Linux), a pid reused by another program after a reboot does not count.
 */
function isZerodown(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: it exists, under another user.
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  let cmdline: string;
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return true; // no /proc: take the pid's word for it
  }
  return cmdline.split('\0').includes('serve');
}

/** The pid in `file` if that server is still running; undefined when absent or stale. */
export function livePid(file: string): number | undefined {
  const pid = readPid(file);
  return pid !== undefined && isZerodown(pid) ? pid : undefined;
}

/** A `ZD_USAGE` error when another running server holds `file`. */
export function refuseIfRunning(file: string): void {
  const running = livePid(file);
  if (running !== undefined && running !== process.pid) {
    throw new ZerodownError(
      'ZD_USAGE',
      `a zerodown serve is already running (pid ${running}, pid file ${file}): stop it first, or give another --pid-file`,
    );
  }
}

/**
 * Writes this process's pid to `file`, and removes the file when this process exits (if it still
 * holds this pid). A `ZD_USAGE` error when another running server holds the file.
 */
export function claimPidFile(file: string): void {
  refuseIfRunning(file);
  writeFileAtomic(file, `${process.pid}\n`);
  process.once('exit', () => {
    if (readPid(file) === process.pid) rmSync(file, { force: true });
  });
}
