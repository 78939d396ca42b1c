/**
 * The deploy guard on real processes and a real target: blockers, abort with rollback, staged
 * rollback in reverse order.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runDeploy } from '../../src/run.ts';
import { configOf } from '../helpers/config.ts';
import { FaultServer } from '../helpers/fault-server.ts';

const quiet = { stdout: () => undefined, stderr: () => undefined };
const dir = mkdtempSync(join(tmpdir(), 'zd-guard-'));

describe('deploy guard', () => {
  let target: FaultServer;
  let alarm: FaultServer;
  before(async () => {
    target = await FaultServer.start();
    alarm = await FaultServer.start();
  });
  after(async () => {
    await target.close();
    await alarm.close();
  });

  const base = (guard: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    configOf({
      endpoints: [{ url: target.url('/g'), rate: 50 }],
      phases: { warmup: '300ms', settle: '1s' },
      guard,
      ...extra,
    });

  test('a time-window blocker stops the deploy before any probe (exit 4)', async () => {
    const marker = join(dir, 'not-deployed');
    const config = base({
      blockers: { timeWindows: [{ timezone: 'UTC', days: ['mon'], hours: '09:00-10:00' }] },
    });
    const before = target.requests;
    const { result, exitCode } = await runDeploy({
      config,
      command: ['touch', marker],
      output: quiet,
      now: () => new Date('2026-11-21T12:00:00Z'), // a Saturday
    });
    assert.equal(exitCode, 4);
    assert.match(result.blocked!.reason, /time window: deploys are allowed on mon; it is sat/);
    assert.equal(target.requests, before, 'nothing probed');
    assert.throws(() => readFileSync(marker));
  });

  test('--override deploys anyway and records why', async () => {
    const config = configOf({
      endpoints: [{ url: target.url('/g'), rate: 50 }],
      phases: { warmup: '300ms', settle: '300ms' },
      guard: {
        override: 'hotfix INC-42',
        blockers: { alarms: [{ name: 'status page', http: { url: alarm.url('/') } }] },
      },
    });
    alarm.mode = { kind: 'status', status: 500 };
    try {
      const { result, exitCode } = await runDeploy({ config, command: ['true'], output: quiet });
      assert.equal(exitCode, 0);
      assert.equal(result.guard!.override, 'hotfix INC-42');
      assert.deepEqual(result.guard!.blockers, [
        { name: 'status page', blocks: true, reason: `${alarm.url('/')} answered 500` },
      ]);
    } finally {
      alarm.mode = { kind: 'ok' };
    }
  });

  test('a deploy that breaks the target is stopped, rolled back, and recovery confirmed (exit 5)', async () => {
    const config = base({
      rollback: `curl -s '${target.modeUrl('ok')}'; echo rolled-back`,
      thresholds: [{ consecutiveFailures: { max: 3 } }],
    });
    const started = performance.now();
    const { result, exitCode } = await runDeploy({
      config,
      command: ['sh', '-c', `curl -s '${target.modeUrl(503)}'; sleep 30`],
      output: quiet,
    });
    const tookMs = performance.now() - started;
    target.mode = { kind: 'ok' };
    assert.equal(exitCode, 5);
    const g = result.guard!;
    assert.equal(g.aborted, true);
    assert.equal(g.breach!.threshold, 'consecutiveFailures');
    assert.match(g.breach!.reason, /4 consecutive failures on \/g/);
    assert.equal(result.deploy!.signal, 'SIGTERM', 'the deploy was stopped');
    assert.ok(tookMs < 10_000, `took ${tookMs} ms, not the deploy's 30 s`);
    const rb = g.rollback!;
    assert.equal(rb.exitCode, 0);
    assert.match(rb.output, /rolled-back/);
    const reaction = rb.startMs - g.breach!.measurableAtMs;
    assert.ok(reaction >= 0 && reaction < 1000, `breach → rollback start ${reaction} ms`);
    assert.equal(g.recovered, true);
    assert.ok(
      g.recoveredAtMs! >= rb.startMs && g.recoveredAtMs! <= rb.endMs + 100,
      `recovered at ${g.recoveredAtMs}`,
    );
    assert.deepEqual(
      result.phases.map((p) => p.name),
      ['warmup', 'deploy', 'rollback', 'settle'],
    );
  });

  test('a rollback that fails is loud, and an unrecovered service says so', async () => {
    const config = base({
      rollback: 'echo cannot >&2; exit 3',
      thresholds: [{ consecutiveFailures: { max: 2 } }],
    });
    const { result, exitCode } = await runDeploy({
      config,
      command: ['sh', '-c', `curl -s '${target.modeUrl(502)}'; sleep 30`],
      output: quiet,
    });
    target.mode = { kind: 'ok' };
    assert.equal(exitCode, 5);
    assert.equal(result.guard!.rollback!.exitCode, 3);
    assert.equal(result.guard!.recovered, false);
  });

  test('staged deploy: a failure in stage 2 rolls back stage 2, then stage 1; stage 3 never starts', async () => {
    const log = join(dir, 'stages.log');
    const config = base({
      thresholds: [{ errorRate: { max: 0.2, window: '1s', minProbes: 5 } }],
      stages: [
        {
          name: 'one-box',
          command: `echo deploy-1 >> ${log}`,
          rollback: `echo rollback-1 >> ${log}`,
          bake: '500ms',
        },
        {
          name: 'zone',
          command: `echo deploy-2 >> ${log}; curl -s '${target.modeUrl(500)}' >/dev/null`,
          rollback: `curl -s '${target.modeUrl('ok')}' >/dev/null; echo rollback-2 >> ${log}`,
          bake: '5s',
        },
        {
          name: 'all',
          command: `echo deploy-3 >> ${log}`,
          rollback: `echo rollback-3 >> ${log}`,
          bake: '1s',
        },
      ],
    });
    const { result, exitCode } = await runDeploy({ config, command: [], output: quiet });
    target.mode = { kind: 'ok' };
    assert.equal(exitCode, 5);
    assert.deepEqual(readFileSync(log, 'utf8').trim().split('\n'), [
      'deploy-1',
      'deploy-2',
      'rollback-2',
      'rollback-1',
    ]);
    const g = result.guard!;
    assert.deepEqual(
      g.stages!.map((s) => s.status),
      ['done', 'done', 'not-started'],
    );
    assert.ok(g.breach!.atMs < g.stages![1]!.startMs + 5000, 'aborted during the bake of stage 2');
    assert.deepEqual(
      g.rollbacks!.map((r) => r.stage),
      ['zone', 'one-box'],
    );
    assert.equal(g.recovered, true);
    assert.ok(result.phases.some((p) => p.name === 'bake:zone'));
  });

  for (const [how, command] of [
    ['run directly (ENOENT)', '/no/such/stage-command'],
    ['through sh -c (exit 127)', 'no-such-stage-command --zone b'],
  ] as const) {
    test(`staged deploy: a stage that cannot start ends the run at once, ${how} (exit 3)`, async () => {
      const config = base(
        {
          stages: [
            { name: 'one-box', command: 'true', bake: '100ms' },
            { name: 'zone', command, bake: '5s' },
            { name: 'all', command: 'true' },
          ],
        },
        { phases: { warmup: '300ms', settle: '30s' } },
      );
      const started = performance.now();
      const { result, exitCode } = await runDeploy({ config, command: [], output: quiet });
      // Warm-up 0.3 s and the first stage's bake 0.1 s, plus start-up: nowhere near the settle.
      assert.ok(performance.now() - started < 5000, `${performance.now() - started} ms`);
      assert.equal(exitCode, 3);
      assert.match(result.deploy!.error!, /^ENOENT: /);
      assert.deepEqual(
        result.guard!.stages!.map((s) => s.status),
        ['done', 'failed', 'not-started'],
      );
      assert.ok(!result.phases.some((p) => p.name === 'settle'), 'no settle');
    });
  }
});
