/**
 * A real full file system for tests: a small tmpfs mounted on a temporary folder and filled to
 * the last block, so writes there fail with ENOSPC as on a full disk. Mounting needs root (CI
 * and the development machine run tests as root); elsewhere {@link mountFullDisk} says why not.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A mounted, full tmpfs. */
export interface FullDisk {
  readonly dir: string;
  /** What is in the folder, the filler included. */
  files(): string[];
  /** Removes the filler: the file system has room again. */
  free(): void;
  /** Unmounts it and removes the folder. */
  close(): void;
}

const FILLER = 'filler';

/** Mounts a 64 KiB tmpfs and fills it; a string saying why when it cannot be mounted. */
export function mountFullDisk(): FullDisk | string {
  const dir = mkdtempSync(join(tmpdir(), 'zd-full-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'zd-full', dir], { stdio: 'pipe' });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    return `cannot mount a tmpfs (root needed): ${(err as Error).message.split('\n')[0]}`;
  }
  try {
    writeFileSync(join(dir, FILLER), Buffer.alloc(256 * 1024));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  }
  const { bavail } = statfsSync(dir);
  if (bavail !== 0) throw new Error(`the tmpfs at ${dir} still has ${bavail} free blocks`);
  return {
    dir,
    files: () => readdirSync(dir).sort(),
    free: () => rmSync(join(dir, FILLER), { force: true }),
    close: () => {
      execFileSync('umount', [dir], { stdio: 'pipe' });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
