/**
 * A control server that survives the second rollout: runs named per rollout (`/start?name=`, or
 * Flagger's webhook payload), idempotent starts, a new rollout superseding an abandoned run,
 * `?name=` scoping the verdict to one rollout, and `--max-run` ending runs nobody stops, while a
 * plain `GET /start` keeps the original flow's 409 — from the built binary, over HTTP.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ResultDocument } from '../../src/result.ts';
import { runCli } from '../helpers/cli.ts';
import { FaultServer, sleep } from '../helpers/fault-server.ts';
import { startServe, type ServeProcess } from '../helpers/serve.ts';

describe('runs per rollout', () => {
  let target: FaultServer;
  let serve: ServeProcess;
  before(async () => {
    target = await FaultServer.start();
    serve = await startServe(['-u', target.url('/api'), '-r', '50']);
  });
  after(async () => {
    await serve.stop();
    await target.close();
  });

  /** A Flagger webhook call: a POST of its JSON payload. */
  const flagger = (path: string, checksum: string) =>
    fetch(`${serve.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'podinfo',
        namespace: 'test',
        phase: 'Progressing',
        checksum,
        metadata: {},
      }),
    });

  test("Flagger's hooks, three rollouts in a row: clean, clean, then an outage fails the gate", async () => {
    for (const [checksum, outage] of [
      ['6d5f', false],
      ['7a1c', false],
      ['8b2e', true],
    ] as const) {
      const start = await flagger('/start', checksum);
      assert.equal(start.status, 200, await start.text());
      await sleep(300);
      if (outage) {
        await target.outage({ kind: 'status', status: 503 }, 200);
        await sleep(100);
      }
      const gate = await flagger('/verdict', checksum);
      const text = await gate.text();
      assert.equal(gate.status, outage ? 412 : 200, `${checksum}: ${text}`);
      const stop = await flagger('/stop', checksum);
      assert.equal(stop.status, 200);
      const doc = (await stop.json()) as ResultDocument;
      assert.equal(doc.name, `test/podinfo@${checksum}`);
      assert.equal(doc.verdict, outage ? 'fail' : 'pass');
    }
  });

  test('the same name twice is one run; a new name supersedes an abandoned one', async () => {
    assert.equal((await fetch(`${serve.url}/start?name=r1`)).status, 200);
    const again = await fetch(`${serve.url}/start?name=r1`);
    assert.equal(again.status, 200);
    assert.equal(await again.text(), 'Run r1 is already going\n');
    await sleep(200);
    // The rollout r1 was abandoned (nobody called /stop): r2 ends it and starts.
    assert.equal((await fetch(`${serve.url}/start?name=r2`, { method: 'POST' })).status, 200);
    const live = (await (await fetch(`${serve.url}/stats`)).json()) as ResultDocument;
    assert.equal(live.name, 'r2');
    assert.equal(live.running, true);
    // Asking for r1 by name answers r1's own result — ended, interrupted, so its gate fails —
    // never r2's answer; once another run has ended, r1 is gone (404, below).
    const old = await fetch(`${serve.url}/verdict?name=r1`);
    assert.equal(old.status, 412);
    assert.match(await old.text(), /^interrupted: .*superseded it/);
    assert.equal((await fetch(`${serve.url}/stats?name=r2`)).status, 200);
    assert.equal((await fetch(`${serve.url}/stop`, { method: 'POST' })).status, 200);
    const gone = await fetch(`${serve.url}/verdict?name=r1`);
    assert.equal(gone.status, 404);
    assert.equal(((await gone.json()) as { code: string }).code, 'ZD_RUN_NOT_FOUND');
  });

  test('a plain GET /start keeps the original flow: 409 while a run is going', async () => {
    assert.equal((await fetch(`${serve.url}/start`)).status, 200);
    const second = await fetch(`${serve.url}/start`);
    assert.equal(second.status, 409);
    assert.equal((await fetch(`${serve.url}/stop`, { method: 'POST' })).status, 200);
  });
});

describe('--max-run', () => {
  test('ends a run nobody stops, and says so', async () => {
    const target = await FaultServer.start();
    const serve = await startServe(['-u', target.url('/x'), '-r', '20', '--max-run', '1s']);
    try {
      assert.equal((await fetch(`${serve.url}/start?name=forgotten`)).status, 200);
      await sleep(1600);
      const doc = (await (await fetch(`${serve.url}/stats`)).json()) as ResultDocument;
      assert.equal(doc.running, false);
      assert.equal(doc.name, 'forgotten');
      // About 1 s of probing at 20/s (the first probe at time zero, after start-up).
      assert.ok(doc.durationMs >= 950 && doc.durationMs < 1400, `${doc.durationMs} ms`);
      assert.match(serve.output(), /ended the run after --max-run 1 s: nobody stopped it/);
    } finally {
      await serve.stop();
      await target.close();
    }
  });
});

let target: FaultServer;
before(async () => (target = await FaultServer.start()));
after(() => target.close());

/** A request to the server; resolves with the status and the body (JSON when it is). */
async function call(
  serve: ServeProcess,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
): Promise<{ status: number; text: string; json: () => Record<string, unknown> }> {
  const res = await fetch(`${serve.url}${path}`, {
    method,
    ...(body === undefined
      ? {}
      : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, text, json: () => JSON.parse(text) as Record<string, unknown> };
}

describe('plain GET /start, as the contract has it', () => {
  test('200 "Started load at <epoch ms> towards <target>", then 409 while the run goes on', async () => {
    const serve = await startServe(['-u', target.url('/plain'), '--rate', '50']);
    try {
      const start = await call(serve, 'GET', '/start');
      assert.equal(start.status, 200);
      assert.match(
        start.text,
        /^Started load at \d{13} towards http:\/\/127\.0\.0\.1:\d+\/plain\n$/,
      );
      const again = await call(serve, 'GET', '/start');
      assert.equal(again.status, 409);
      assert.deepEqual(again.json(), {
        statusCode: 409,
        code: 'ZD_RUN_ACTIVE',
        error: 'Conflict',
        message: 'a run is already going: POST /stop first',
      });
      // A named start never takes over a run started without a name.
      const named = await call(serve, 'POST', '/start?name=v1');
      assert.equal(named.status, 409);
      assert.match(named.json().message as string, /started without a name/);
      const doc = (await call(serve, 'POST', '/stop')).json() as unknown as ResultDocument;
      assert.equal(doc.name, undefined);
      assert.equal(doc.interrupted, undefined);
      assert.equal((await call(serve, 'GET', '/start')).status, 200, 'a new run after /stop');
    } finally {
      await serve.stop();
    }
  });
});

describe('named runs over HTTP', () => {
  test('the same name twice: 200 "already going", one run', async () => {
    const serve = await startServe(['-u', target.url('/same'), '--rate', '50']);
    try {
      const first = await call(serve, 'POST', '/start?name=v1');
      assert.equal(first.status, 200);
      assert.match(first.text, /^Started load at \d{13} towards /);
      const again = await call(serve, 'POST', '/start', { name: 'v1' });
      assert.equal(again.status, 200);
      assert.equal(again.text, 'Run v1 is already going\n');
      const doc = (await call(serve, 'GET', '/stats?name=v1')).json();
      assert.equal(doc.name, 'v1');
      assert.equal(doc.running, true);
    } finally {
      await serve.stop();
    }
  });

  test('a new name supersedes the run going on: its result is interrupted, its gate 412', async () => {
    const serve = await startServe(['-u', target.url('/next'), '--rate', '50']);
    try {
      assert.equal((await call(serve, 'POST', '/start?name=rev-1')).status, 200);
      await sleep(300);
      assert.equal((await call(serve, 'POST', '/start?name=rev-2')).status, 200);
      const old = (await call(serve, 'GET', '/stats?name=rev-1')).json();
      assert.equal(old.running, false);
      assert.equal(old.interrupted, true);
      assert.equal(old.endedBy, 'superseded');
      const oldGate = await call(serve, 'GET', '/verdict?name=rev-1');
      assert.equal(oldGate.status, 412);
      assert.match(
        oldGate.text,
        /^interrupted: The run was stopped before it ended \(a \/start for another rollout superseded it\); so far no endpoint over its downtime budget\.\n$/,
      );
      const gate = await call(serve, 'GET', '/verdict?name=rev-2');
      assert.equal(gate.status, 200);
      assert.match(gate.text, /^pass: /);
      assert.match(serve.output(), /run rev-1 superseded by run rev-2: ending it \(interrupted\)/);
      // A name that is neither the current nor the last run: 404, never another run's answer.
      const unknown = await call(serve, 'GET', '/stats?name=rev-0');
      assert.equal(unknown.status, 404);
      assert.deepEqual(unknown.json(), {
        statusCode: 404,
        code: 'ZD_RUN_NOT_FOUND',
        error: 'Not Found',
        message: 'no run named rev-0: the current run is rev-2, the last run was rev-1',
      });
      assert.equal((await call(serve, 'POST', '/verdict', { name: 'rev-0' })).status, 404);
      assert.equal((await call(serve, 'POST', '/stop?name=rev-0')).status, 404);
      assert.equal((await call(serve, 'GET', '/stats')).json().name, 'rev-2', 'still going');
      const bad = await call(serve, 'POST', '/start?name=%7B%7Bargs.revision%7D%7D');
      assert.equal(bad.status, 400);
      assert.equal(bad.json().code, 'ZD_USAGE');
    } finally {
      await serve.stop();
    }
  });

  test('zerodown start|stats|stop --name', async () => {
    const serve = await startServe(['-u', target.url('/client'), '--rate', '50']);
    try {
      const env = { ZERODOWN_SERVER: serve.url };
      const start = await runCli(['start', '--name', 'build-7'], { env });
      assert.equal(start.code, 0, start.stderr);
      assert.equal((await runCli(['start', '--name', 'build-7'], { env })).code, 0);
      await sleep(300);
      const stats = await runCli(['stats', '--name', 'build-7', '--fail', '-q'], { env });
      assert.equal(stats.code, 0, stats.stderr);
      const other = await runCli(['stats', '--name', 'build-6'], { env });
      assert.equal(other.code, 2);
      assert.equal(
        other.stderr,
        'zerodown: GET /stats: 404 no run named build-6: the current run is build-7\n',
      );
      const stop = await runCli(['stop', '--name', 'build-7', '--fail', '-q'], { env });
      assert.equal(stop.code, 0, stop.stderr);
      const late = await runCli(['stop', '--name', 'build-7', '-q'], { env });
      assert.equal(late.code, 0, 'stopping a run that has ended answers its result again');
    } finally {
      await serve.stop();
    }
  });
});

describe('serve --max-run', () => {
  test('a run nobody stops ends after --max-run, interrupted; the log says so', async () => {
    const serve = await startServe(['-u', target.url('/max'), '--rate', '50', '--max-run', '1s']);
    try {
      assert.equal((await call(serve, 'POST', '/start?name=v1')).status, 200);
      await sleep(1500);
      const doc = (await call(serve, 'GET', '/stats?name=v1')).json();
      assert.equal(doc.running, false);
      assert.equal(doc.interrupted, true);
      assert.equal(doc.endedBy, 'max-run');
      assert.match(
        serve.output(),
        /ended the run after --max-run 1 s: nobody stopped it \(run v1, marked interrupted\)/,
      );
      const stop = await call(serve, 'POST', '/stop');
      assert.equal(stop.status, 409);
      assert.match(
        stop.json().message as string,
        /^no run is going \(the last run reached the maximum run length/,
      );
      // The next rollout's start is a new run (the previous one is over).
      assert.match((await call(serve, 'POST', '/start?name=v1')).text, /^Started load at/);
    } finally {
      await serve.stop();
    }
  });

  test('--max-run takes a duration', async () => {
    const r = await runCli(['serve', '--port', '0', '-u', target.url('/'), '--max-run', 'soon']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--max-run: not a duration: "soon"/);
  });
});
