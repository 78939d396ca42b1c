/**
 * `zerodown serve --detach`'s pid file: there while the server runs, gone when it ends; a file
 * left behind by a server that is gone (kill -9) or naming another program counts as absent; a
 * running server's file makes a second one refuse to start.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { runCli } from '../helpers/cli.ts';

const dirs: string[] = [];
const pids: number[] = [];
after(() => {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** `serve --detach` on any free port with its data in `dir`. */
async function detach(dir: string) {
  const r = await runCli([
    'serve',
    '--detach',
    '--port',
    '0',
    '--data-dir',
    dir,
    '-u',
    'http://127.0.0.1:9/x',
  ]);
  const pidFile = join(dir, 'serve.pid');
  if (r.code === 0) pids.push(Number(readFileSync(pidFile, 'utf8')));
  return { ...r, pidFile };
}

/** Waits until `check` holds, for up to 10 s (a SIGTERM'd server ends its run and closes first). */
async function until(check: () => boolean): Promise<boolean> {
  for (const end = Date.now() + 10_000; Date.now() < end;) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return check();
}

describe('serve --detach: the pid file', () => {
  test('holds the running server and is removed when SIGTERM ends it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zd-pid-'));
    dirs.push(dir);
    const r = await detach(dir);
    assert.equal(r.code, 0, r.stderr);
    const pid = Number(readFileSync(r.pidFile, 'utf8'));
    const url = r.stdout.trim();
    assert.ok((await fetch(`${url}/healthz`)).ok, 'the pid file names the server that answers');
    process.kill(pid, 'SIGTERM');
    assert.ok(await until(() => !existsSync(r.pidFile)), 'the pid file is gone after SIGTERM');
    assert.match(readFileSync(join(dir, 'serve.log'), 'utf8'), /SIGTERM, ending the run/);
  });

  test('a second server on the same pid file refuses while the first runs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zd-pid-'));
    dirs.push(dir);
    const first = await detach(dir);
    assert.equal(first.code, 0, first.stderr);
    const pid = Number(readFileSync(first.pidFile, 'utf8'));
    const second = await detach(dir);
    assert.equal(second.code, 2);
    assert.match(second.stderr, new RegExp(`already running \\(pid ${pid}, pid file `));
    assert.equal(Number(readFileSync(first.pidFile, 'utf8')), pid, 'the first one keeps its file');
    assert.match(readFileSync(join(dir, 'serve.log'), 'utf8'), /listening on/, 'and its log');
    process.kill(pid, 'SIGTERM');
    assert.ok(await until(() => !existsSync(first.pidFile)));
  });

  test('a stale pid file (kill -9, or a pid now used by another program) counts as absent', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zd-pid-'));
    dirs.push(dir);
    const first = await detach(dir);
    assert.equal(first.code, 0, first.stderr);
    const killed = Number(readFileSync(first.pidFile, 'utf8'));
    process.kill(killed, 'SIGKILL');
    assert.ok(existsSync(first.pidFile), 'kill -9 leaves the file behind');
    const again = await detach(dir);
    assert.equal(again.code, 0, again.stderr);
    const pid = Number(readFileSync(again.pidFile, 'utf8'));
    assert.notEqual(pid, killed);
    process.kill(pid, 'SIGTERM');
    assert.ok(await until(() => !existsSync(again.pidFile)));

    // A live process that is not zerodown (a reused pid).
    const other = spawn('sleep', ['30'], { stdio: 'ignore' });
    pids.push(other.pid!);
    writeFileSync(join(dir, 'serve.pid'), `${other.pid}\n`);
    const third = await detach(dir);
    assert.equal(third.code, 0, third.stderr);
    const thirdPid = Number(readFileSync(third.pidFile, 'utf8'));
    process.kill(thirdPid, 'SIGTERM');
    assert.ok(await until(() => !existsSync(third.pidFile)));
    other.kill('SIGKILL');
  });
});
