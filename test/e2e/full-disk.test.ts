/**
 * A full disk under the outputs: report files that cannot be written are told in one line each
 * on stderr, the others are still written, notifications still go out, and the run keeps its
 * verdict and exit code; the control server keeps serving a run it cannot save, says so once,
 * and saves again once there is room. The disk is a real full tmpfs (test/helpers/full-disk.ts);
 * without the right to mount one, the report files go to links to /dev/full instead (ENOSPC on
 * every write) and the data-folder test is skipped.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ResultDocument } from '../../src/result.ts';
import { runCli } from '../helpers/cli.ts';
import { FaultServer, sleep } from '../helpers/fault-server.ts';
import { mountFullDisk, type FullDisk } from '../helpers/full-disk.ts';
import { startServe } from '../helpers/serve.ts';

const mounted = mountFullDisk();
const disk: FullDisk | undefined = typeof mounted === 'string' ? undefined : mounted;
if (typeof mounted === 'string') process.stderr.write(`full-disk tests: ${mounted}\n`);
const dir = mkdtempSync(join(tmpdir(), 'zd-full-disk-'));
let target: FaultServer;
before(async () => (target = await FaultServer.start()));
after(async () => {
  await target.close();
  disk?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Where a file on the full disk goes: on the tmpfs, or a link to /dev/full without one. */
function onFullDisk(name: string): string {
  if (disk) return join(disk.dir, name);
  const link = join(dir, name);
  symlinkSync('/dev/full', link);
  return link;
}

describe('a full disk under the outputs', () => {
  test('probe: failed report files are told, the others written, notified, exit code kept', async () => {
    const posts: string[] = [];
    const hooks = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        posts.push(body);
        res.end('ok');
      });
    });
    hooks.listen(0, '127.0.0.1');
    await once(hooks, 'listening');
    try {
      const hook = `http://127.0.0.1:${(hooks.address() as AddressInfo).port}/hook`;
      const config = join(dir, 'zerodown.json');
      writeFileSync(config, JSON.stringify({ notify: { webhook: { url: hook } } }));
      // Every probe fails (503): exit code 1, which a usage error (2) would replace.
      target.mode = { kind: 'status', status: 503 };
      const json = onFullDisk('result.json');
      const html = onFullDisk('report.html');
      const markdown = join(dir, 'report.md');
      const junit = join(dir, 'junit.xml');
      const run = await runCli(
        [
          'probe',
          '-c',
          config,
          '-u',
          target.url('/'),
          '--duration',
          '500ms',
          '--no-progress',
          ...['--json', json, '--html', html, '--markdown', markdown, '--junit', junit],
        ],
        { timeoutMs: 30_000 },
      );
      assert.equal(run.code, 1, run.stderr);
      assert.match(run.stdout, /Verdict: FAIL/);
      const failures = run.stderr.split('\n').filter((l) => l.includes('not written'));
      assert.deepEqual(
        failures.map((l) => /^zerodown: (.*) not written: cannot write (\S+): ENOSPC/.exec(l)?.[1]),
        ['result', 'HTML report'],
        run.stderr,
      );
      assert.ok(failures[0]!.includes(json) && failures[1]!.includes(html), run.stderr);
      assert.match(readFileSync(markdown, 'utf8'), /FAIL/);
      assert.match(readFileSync(junit, 'utf8'), /<testsuites/);
      assert.equal(posts.length, 1, 'the webhook was notified once');
      assert.equal((JSON.parse(posts[0]!) as ResultDocument).verdict, 'fail');
      // Nothing half-written is left behind on the full disk: only the filler.
      if (disk) assert.deepEqual(disk.files(), ['filler']);
    } finally {
      target.mode = { kind: 'ok' };
      hooks.close();
    }
  });

  test(
    'serve: a run it cannot save is still served, the failure told once, saved once there is room',
    { skip: disk ? false : 'no tmpfs' },
    async () => {
      const data = join(disk!.dir, 'data');
      const saved = join(data, 'current-run.json');
      const serve = await startServe(['--data-dir', data, '-u', target.url('/'), '-r', '20']);
      try {
        const start = await fetch(`${serve.url}/start`, { method: 'POST' });
        assert.equal(start.status, 200);
        // Three flushes (one a second) fail; the failure is told once.
        await sleep(3200);
        const stats = await fetch(`${serve.url}/stats`);
        assert.equal(stats.status, 200);
        assert.equal(((await stats.json()) as ResultDocument).running, true);
        const told = () => serve.output().match(/cannot save the run: .*ENOSPC.*/g) ?? [];
        assert.equal(told().length, 1, serve.output());
        assert.equal(existsSync(saved), false);
        disk!.free();
        await sleep(1500); // the next flush, within a second, finds room
        assert.match(serve.output(), /the run is saved again to .*current-run\.json/);
        assert.equal((JSON.parse(readFileSync(saved, 'utf8')) as ResultDocument).running, true);
        const stop = await fetch(`${serve.url}/stop`, { method: 'POST' });
        assert.equal(stop.status, 200);
        assert.equal((JSON.parse(readFileSync(saved, 'utf8')) as ResultDocument).running, false);
        assert.equal(told().length, 1, serve.output());
      } finally {
        assert.equal(await serve.stop(), 0, serve.output());
      }
    },
  );
});
