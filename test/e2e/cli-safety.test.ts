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

interface Seen {
  path: string;
  method: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A local server that records every request and answers 200 (see the paths below). */
async function recorder(): Promise<{
  url: string;
  seen: Seen[];
  close: () => void;
}> {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ path: req.url ?? '', method: req.method ?? '', headers: req.headers, body });
      // /created answers 201; /auth wants a bearer token; anything else 200.
      if (req.url === '/created') res.statusCode = 201;
      if (req.url === '/auth' && req.headers.authorization !== 'Bearer t0ken') res.statusCode = 401;
      res.end('ok');
    });
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

describe('request flags, as curl spells them', () => {
  let target: Awaited<ReturnType<typeof recorder>>;
  before(async () => (target = await recorder()));
  after(() => target.close());
  const probe = (...args: string[]) =>
    runCli(['probe', '-r', '20', '--duration', '300ms', '--no-progress', ...args]);

  test('-H, -X, --body and --expect-status reach the target and judge its answers', async () => {
    const r = await probe(
      '-u',
      `${target.url}/created`,
      '-H',
      'Authorization: Bearer t0ken',
      '-H',
      'content-type: application/json',
      '-X',
      'put',
      '--body',
      '{"ping":true}',
      '--expect-status',
      '201,204',
    );
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const sent = target.seen.filter((s) => s.path === '/created');
    assert.ok(sent.length >= 3);
    for (const s of sent) {
      assert.equal(s.method, 'PUT');
      assert.equal(s.headers.authorization, 'Bearer t0ken');
      assert.equal(s.headers['content-type'], 'application/json');
      assert.equal(s.body, '{"ping":true}');
    }
    // The same answers against the default expectation's neighbour: 201 is not 200.
    const strict = await probe('-u', `${target.url}/created`, '--expect-status', '200');
    assert.equal(strict.code, 1, strict.stdout);
    assert.match(strict.stdout, /201 x\d+/);
  });

  test('a malformed flag is exit 2 naming it', async () => {
    for (const [flag, value, message] of [
      ['-H', 'no colon here', /^zerodown: --header: expected 'Name: value', got "no colon here"$/m],
      ['-X', 'FETCH', /^zerodown: --method: expected one of GET, HEAD/m],
      ['--expect-status', '200,999', /^zerodown: --expect-status: not a status or range: "999"/m],
      ['--body', '@/no/such/file', /^zerodown: --body: cannot read \/no\/such\/file/m],
    ] as const) {
      const r = await probe('-u', `${target.url}/x`, flag, value);
      assert.equal(r.code, 2, `${flag} ${value}: ${r.stderr}`);
      assert.match(r.stderr, message);
    }
  });

  test('wait -H: a readiness gate that must authenticate', async () => {
    const args = ['wait', '--url', `${target.url}/auth`, '--timeout', '1s', '--interval', '100ms'];
    assert.equal((await runCli(args)).code, 1, 'without the token: never ready');
    const r = await runCli([...args, '-H', 'Authorization: Bearer t0ken']);
    assert.equal(r.code, 0, r.stderr);
  });
});
