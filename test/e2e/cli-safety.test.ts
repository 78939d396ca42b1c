/**
 * A CLI a newcomer cannot misuse, from the built binary: durations without a unit are refused
 * (no more `-t 1` meaning 1 ms), and an implicit `zerodown.yml` is announced and lends an ad-hoc
 * `-u` run neither its headers nor its notifications.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli } from '../helpers/cli.ts';

/** A local server that records every request's path and headers and answers 200. */
async function recorder(): Promise<{
  url: string;
  seen: { path: string; headers: http.IncomingHttpHeaders }[];
  close: () => void;
}> {
  const seen: { path: string; headers: http.IncomingHttpHeaders }[] = [];
  const server = http.createServer((req, res) => {
    seen.push({ path: req.url ?? '', headers: req.headers });
    req.resume();
    req.on('end', () => res.end('ok'));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

describe('durations need a unit', () => {
  const cases: [string, string[], RegExp][] = [
    [
      '-t 1',
      ['probe', '-u', 'http://127.0.0.1:9/', '-t', '1'],
      /^zerodown: --timeout: "1" has no unit: did you mean 1s\?/,
    ],
    [
      '--warmup 5',
      ['run', '-u', 'http://127.0.0.1:9/', '--warmup', '5', '--', 'true'],
      /^zerodown: --warmup: "5" has no unit: did you mean 5s\?/,
    ],
    [
      '--duration 1m30',
      ['probe', '-u', 'http://127.0.0.1:9/', '--duration', '1m30'],
      /^zerodown: --duration: not a duration: "1m30"/,
    ],
  ];
  for (const [name, args, message] of cases) {
    test(`${name}: exit 2, one line naming the unit, nothing probed`, async () => {
      const r = await runCli([...args, '--no-progress']);
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
      assert.match(r.stderr, message);
      assert.equal(r.stdout, '');
    });
  }

  test('budget.maxDowntime: 2 in a config file: exit 2 naming the field', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zd-dur-'));
    const file = join(dir, 'c.yml');
    writeFileSync(file, 'endpoints: [{ url: http://127.0.0.1:9/ }]\nbudget: { maxDowntime: 2 }\n');
    const r = await runCli(['probe', '-c', file, '--duration', '1s']);
    assert.equal(r.code, 2);
    assert.equal(
      r.stderr,
      'zerodown: budget.maxDowntime: "2" has no unit: did you mean 2s? (durations take a unit: 500ms, 2s, 1m30s; only 0 may go without)\n',
    );
  });
});

describe('an implicit zerodown.yml', () => {
  let target: Awaited<ReturnType<typeof recorder>>;
  let hook: Awaited<ReturnType<typeof recorder>>;
  let cwd: string;
  before(async () => {
    target = await recorder();
    hook = await recorder();
    cwd = mkdtempSync(join(tmpdir(), 'zd-implicit-'));
    writeFileSync(
      join(cwd, 'zerodown.yml'),
      `endpoints: [{ url: ${target.url}/from-file }]
defaults: { headers: { Authorization: Bearer file-token } }
notify: { on: always, webhook: { url: ${hook.url}/hook } }
`,
    );
  });
  after(() => {
    target.close();
    hook.close();
  });

  test('is announced, and an ad-hoc -u run gets neither its headers nor its webhook', async () => {
    const r = await runCli(
      ['probe', '-u', `${target.url}/adhoc`, '-r', '20', '--duration', '500ms', '--no-progress'],
      { cwd },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stderr,
      /^zerodown: config: zerodown\.yml \(its headers and notifications are not applied to --url; name it with -c to use them\)$/m,
    );
    const probes = target.seen.filter((s) => s.path === '/adhoc');
    assert.ok(probes.length >= 5, `${probes.length} probes`);
    assert.ok(probes.every((p) => p.headers.authorization === undefined));
    assert.equal(target.seen.filter((s) => s.path === '/from-file').length, 0);
    assert.equal(hook.seen.length, 0, 'the webhook did not fire');
  });

  test('named with -c, it applies to -u: the header goes and the webhook fires', async () => {
    target.seen.length = 0;
    const r = await runCli(
      [
        'probe',
        '-c',
        'zerodown.yml',
        '-u',
        `${target.url}/adhoc`,
        '-r',
        '20',
        '--duration',
        '500ms',
      ],
      { cwd },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /config: zerodown\.yml/);
    const probes = target.seen.filter((s) => s.path === '/adhoc');
    assert.ok(
      probes.length >= 5 && probes.every((p) => p.headers.authorization === 'Bearer file-token'),
    );
    assert.equal(hook.seen.length, 1, 'the webhook fired once');
  });

  test('without -u, the file is used and said so', async () => {
    target.seen.length = 0;
    hook.seen.length = 0;
    const r = await runCli(['probe', '-r', '20', '--duration', '500ms', '--no-progress'], { cwd });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^zerodown: config: zerodown\.yml$/m);
    assert.ok(target.seen.some((s) => s.path === '/from-file'));
    assert.equal(hook.seen.length, 1);
  });
});
