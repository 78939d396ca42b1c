/**
 * A control server that survives the second rollout: runs named per rollout (`/start?name=`, or
 * Flagger's webhook payload), idempotent starts, a new rollout superseding an abandoned run,
 * `?name=` scoping the verdict to one rollout, and `--max-run` ending runs nobody stops, while a
 * plain `GET /start` keeps the original flow's 409.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ResultDocument } from '../../src/result.ts';
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
    // r1's verdict is gone with it: asking for it by name is a 404, never r2's answer.
    const old = await fetch(`${serve.url}/verdict?name=r1`);
    assert.equal(old.status, 404);
    assert.equal(((await old.json()) as { code: string }).code, 'ZD_NO_RUN');
    assert.equal((await fetch(`${serve.url}/stats?name=r2`)).status, 200);
    assert.equal((await fetch(`${serve.url}/stop`, { method: 'POST' })).status, 200);
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
