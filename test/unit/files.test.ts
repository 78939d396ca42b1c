/**
 * writeFileAtomic on paths that are not plain files, and on a write that fails. Links into
 * /dev stand for the devices themselves, so a regression replaces a link in a temporary folder,
 * never a device of the machine.
 */
import assert from 'node:assert/strict';
import { lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { isZerodownError } from '../../src/errors.ts';
import { writeFileAtomic } from '../../src/util/files.ts';

const dir = mkdtempSync(join(tmpdir(), 'zd-files-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('writeFileAtomic', () => {
  test('replaces a regular file whole, and leaves no temporary file', () => {
    const file = join(dir, 'sub', 'a.json');
    writeFileAtomic(file, 'one');
    writeFileAtomic(file, 'two');
    assert.equal(readFileSync(file, 'utf8'), 'two');
    assert.deepEqual(readdirSync(join(dir, 'sub')), ['a.json']);
  });

  test('writes through a link to a device instead of renaming over it', () => {
    const link = join(dir, 'null');
    symlinkSync('/dev/null', link);
    writeFileAtomic(link, 'dropped');
    assert.ok(lstatSync(link).isSymbolicLink(), 'the link was replaced by a plain file');
    assert.deepEqual(
      readdirSync(dir).filter((f) => f.includes('.tmp')),
      [],
    );
  });

  test('a full device (ENOSPC) is a ZD_OUTPUT error naming the file', () => {
    const link = join(dir, 'full');
    symlinkSync('/dev/full', link);
    assert.throws(
      () => writeFileAtomic(link, 'x'.repeat(10_000)),
      (err) =>
        isZerodownError(err, 'ZD_OUTPUT') && err.message.startsWith(`cannot write ${link}: ENOSPC`),
    );
    assert.ok(lstatSync(link).isSymbolicLink());
  });

  test('a path that is a folder fails and leaves nothing behind', () => {
    assert.throws(
      () => writeFileAtomic(dir, 'x'),
      (err) => isZerodownError(err, 'ZD_OUTPUT'),
    );
    assert.deepEqual(
      readdirSync(join(dir, '..')).filter((f) => f.startsWith(`${dir.split('/').pop()}.`)),
      [],
    );
  });
});
