/**
 * The run controller carrying out the lifecycle rules against a real local target: named runs
 * are idempotent per name, a new name supersedes an abandoned run (interrupted), a maximum run
 * length ends runs nobody stops, and a plain start keeps the contract's 409.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import { isZerodownError, type ErrorCode } from '../../src/errors.ts';
import { RunController } from '../../src/server/run-controller.ts';
import { FaultServer, sleep } from '../helpers/fault-server.ts';
import { endpointConfig } from '../helpers/config.ts';

let target: FaultServer;
before(async () => (target = await FaultServer.start()));
after(() => target.close());

const controllers: RunController[] = [];
afterEach(async () => {
  await Promise.all(controllers.splice(0).map((c) => c.end()));
});

function controller(top: Record<string, unknown> = {}, dataDir?: string): RunController {
  const c = new RunController(endpointConfig(target.url('/life'), { rate: 50 }, top), dataDir);
  controllers.push(c);
  return c;
}

const fails = (code: ErrorCode, message?: RegExp) => (err: unknown) =>
  isZerodownError(err, code) && (message === undefined || message.test(err.message));

describe('named runs', () => {
  test('the same name twice: one run, the second call joins it ("already running")', async () => {
    const c = controller();
    const first = await c.start('v1');
    assert.equal(first.started, true);
    await sleep(200);
    const again = await c.start('v1');
    assert.equal(again.started, false);
    assert.equal(again.session, first.session);
    assert.equal(again.startedAtEpochMs, first.startedAtEpochMs);
    await sleep(300); // past the 200 ms the live result is cached for
    const doc = await c.statsOf('v1');
    assert.equal(doc.running, true);
    assert.equal(doc.name, 'v1');
    assert.ok(doc.endpoints[0]!.totalRequests >= 5, 'the run kept going through the second call');
  });

  test('calls at once with one name start exactly one run', async () => {
    const c = controller();
    const answers = await Promise.all(Array.from({ length: 10 }, () => c.start('v1')));
    assert.equal(answers.filter((a) => a.started).length, 1);
    assert.equal(new Set(answers.map((a) => a.session)).size, 1);
  });

  test('a new name while a run goes on: the old run ends interrupted (superseded), the new one starts', async () => {
    const c = controller();
    await c.start('v1');
    await sleep(200);
    const next = await c.start('v2');
    assert.equal(next.started, true);
    const old = await c.statsOf('v1');
    assert.equal(old.running, false);
    assert.equal(old.interrupted, true);
    assert.equal(old.endedBy, 'superseded');
    assert.equal(old.verdict, 'interrupted');
    assert.equal(old.name, 'v1');
    const current = await c.statsOf('v2');
    assert.equal(current.running, true);
    assert.equal(current.name, 'v2');
    assert.equal(c.stats()!.name, 'v2', 'a plain /stats answers for the current run');
    // Stopping v1 again (a late post-rollout) answers its result and leaves v2 alone.
    assert.equal((await c.stopRun('v1')).endedBy, 'superseded');
    assert.equal(c.current, next.session);
    const final = await c.stopRun('v2');
    assert.equal(final.running, false);
    assert.equal(final.interrupted, undefined);
    assert.equal(final.verdict, 'pass');
    // Now v2 is the last run; v1 is neither current nor last.
    await assert.rejects(
      c.statsOf('v1'),
      fails('ZD_RUN_NOT_FOUND', /^no run named v1: the last run was v2$/),
    );
  });

  test('three names at once: the last to arrive runs, the others end superseded', async () => {
    const c = controller();
    const answers = await Promise.all([c.start('a'), c.start('a'), c.start('b')]);
    assert.ok(answers.every((a) => a.session !== undefined));
    assert.equal(c.stats()!.name, 'b');
    assert.equal(c.stats()!.running, true);
    // a ended superseded (it is the last run): never left running beside b.
    assert.equal((await c.stopRun('a')).endedBy, 'superseded');
  });

  test('stopping a name that is not going never stops the run going on', async () => {
    const c = controller();
    await assert.rejects(
      c.stopRun('v1'),
      fails('ZD_RUN_NOT_FOUND', /^no run named v1: there has been no run yet$/),
    );
    await c.start('v2');
    await assert.rejects(
      c.stopRun('v1'),
      fails('ZD_RUN_NOT_FOUND', /^no run named v1: the current run is v2$/),
    );
    assert.equal(c.stats()!.running, true);
    await assert.rejects(c.statsOf('v1'), fails('ZD_RUN_NOT_FOUND'));
  });

  test('after a named run was stopped, the same name starts a new run (the next rollout)', async () => {
    const c = controller();
    const first = await c.start('podinfo');
    await sleep(100);
    await c.stopRun('podinfo');
    const second = await c.start('podinfo');
    assert.equal(second.started, true);
    assert.notEqual(second.session, first.session);
    assert.equal((await c.statsOf('podinfo')).running, true);
  });

  test('a start while the same name is stopping waits, then starts a new run', async () => {
    const c = controller();
    const first = await c.start('podinfo');
    const [stopped, next] = await Promise.all([c.stopRun('podinfo'), c.start('podinfo')]);
    assert.equal(stopped.running, false);
    assert.equal(next.started, true);
    assert.notEqual(next.session, first.session);
  });

  test('the name outlives a restart: a new server on the data dir answers for it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zd-life-'));
    const c = controller({}, dir);
    await c.start('v7');
    await sleep(100);
    await c.stopRun('v7');
    const again = controller({}, dir);
    const doc = await again.statsOf('v7');
    assert.equal(doc.name, 'v7');
    assert.equal(doc.running, false);
  });
});

describe('plain /start keeps the contract', () => {
  test('409 while a run is going, named or not, and a named start never ends an unnamed run', async () => {
    const c = controller();
    const plain = await c.start();
    assert.equal(plain.started, true);
    assert.throws(
      () => c.start(),
      fails('ZD_RUN_ACTIVE', /^a run is already going: POST \/stop first$/),
    );
    assert.throws(() => c.start('v1'), fails('ZD_RUN_ACTIVE', /started without a name/));
    assert.equal(c.current, plain.session);
    assert.equal(c.stats()!.name, undefined);
    await c.stop();
    await c.start('v1');
    assert.throws(() => c.start(), fails('ZD_RUN_ACTIVE'));
    assert.equal((await c.stop()).name, 'v1', 'a plain /stop ends a named run');
  });
});

describe('maximum run length', () => {
  test('a run nobody stops ends after maxRun, interrupted (max-run)', async () => {
    const c = controller({ serve: { maxRun: '400ms' } });
    await c.start('v1');
    await sleep(200);
    assert.equal((await c.statsOf('v1')).running, true);
    // The timer fires at 400 ms; the stop then waits for probes in flight (a few ms here).
    await sleep(500);
    assert.equal(c.current, undefined);
    const doc = await c.statsOf('v1');
    assert.equal(doc.running, false);
    assert.equal(doc.interrupted, true);
    assert.equal(doc.endedBy, 'max-run');
    assert.equal(doc.verdict, 'interrupted');
    assert.ok(doc.durationMs >= 390 && doc.durationMs < 600, `${doc.durationMs}`);
    // A late stop of that name answers its result; a plain one says why nothing is going.
    assert.equal((await c.stopRun('v1')).endedBy, 'max-run');
    await assert.rejects(c.stop(), fails('ZD_NO_RUN_GOING', /maximum run length/));
    assert.equal((await c.start('v1')).started, true, 'the next start begins a new run');
  });

  test('maxRun also ends unnamed runs; 0 never ends one', async () => {
    const c = controller({ serve: { maxRun: '300ms' } });
    await c.start();
    await sleep(500);
    assert.equal(c.stats()!.endedBy, 'max-run');
    const never = controller({ serve: { maxRun: 0 } });
    await never.start();
    await sleep(500);
    assert.equal(never.stats()!.running, true);
  });

  test('a duration shorter than maxRun ends the run normally', async () => {
    const c = controller({ duration: '300ms', serve: { maxRun: '10s' } });
    await c.start('v1');
    await sleep(500);
    const doc = await c.statsOf('v1');
    assert.equal(doc.running, false);
    assert.equal(doc.interrupted, undefined);
    assert.equal(doc.endedBy, undefined);
    assert.equal(doc.verdict, 'pass');
  });
});
