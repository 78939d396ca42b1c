/**
 * One-box / canary comparison and "did the deploy make it slower", on real servers: judged with
 * Fisher's exact test (errors) and Mann-Whitney (latency), not a fixed threshold.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { runDeploy } from '../../src/run.ts';
import { configOf } from '../helpers/config.ts';
import { FaultServer } from '../helpers/fault-server.ts';

const quiet = { stdout: () => undefined, stderr: () => undefined };

describe('canary comparison', () => {
  let baseline: FaultServer;
  let canary: FaultServer;
  before(async () => {
    baseline = await FaultServer.start();
    canary = await FaultServer.start();
  });
  after(async () => {
    await baseline.close();
    await canary.close();
  });

  const config = (extra: Record<string, unknown> = {}) =>
    configOf({
      endpoints: [
        { name: 'baseline', url: baseline.url('/'), rate: 200 },
        { name: 'canary', url: canary.url('/'), rate: 200 },
      ],
      budget: { maxDowntime: '10s' }, // sporadic errors are not downtime here: the comparison judges them
      phases: { warmup: '300ms', settle: '3s' },
      guard: { canary: { baseline: 'baseline', canary: 'canary' }, ...extra },
    });

  test('a canary with 5% errors against a clean baseline is degraded (and fails with degraded.fail)', async () => {
    // The canary turns bad once deployed (a failure during warm-up would block the deploy).
    const turnBad = (phase: string) => {
      if (phase === 'deploy') canary.failEvery = 20;
    };
    try {
      const { result, exitCode } = await runDeploy({
        config: config(),
        command: ['true'],
        output: quiet,
        onPhase: turnBad,
      });
      assert.equal(exitCode, 0, 'degraded passes the pipeline by default');
      assert.equal(result.verdict, 'degraded');
      const c = result.guard!.comparisons![0]!;
      assert.equal(c.verdict, 'fail');
      assert.equal(c.errorRate.verdict, 'fail');
      assert.ok(c.errorRate.pValue < 1e-6, `p = ${c.errorRate.pValue}`);
      assert.equal(result.endpoints[1]!.verdict, 'degraded');
      assert.match(result.endpoints[1]!.reason, /worse than its baseline baseline/);
      assert.equal(result.endpoints[0]!.verdict, 'pass');
      canary.failEvery = 0;
      const strict = await runDeploy({
        config: config({ degraded: { fail: true } }),
        command: ['true'],
        output: quiet,
        onPhase: turnBad,
      });
      assert.equal(strict.exitCode, 1);
    } finally {
      canary.failEvery = 0;
    }
  });

  test('a canary with the same latency distribution passes', async () => {
    const { result, exitCode } = await runDeploy({
      config: config(),
      command: ['true'],
      output: quiet,
    });
    const c = result.guard!.comparisons![0]!;
    assert.equal(exitCode, 0, JSON.stringify(c));
    assert.equal(result.verdict, 'pass', JSON.stringify(c));
    assert.notEqual(c.verdict, 'fail', JSON.stringify(c));
    assert.notEqual(c.latency.verdict, 'fail');
  });

  test('settle slower than warm-up is degraded', async () => {
    const { result } = await runDeploy({
      config: configOf({
        endpoints: [{ name: 'api', url: baseline.url('/'), rate: 100 }],
        phases: { warmup: '1500ms', settle: '1500ms' },
        guard: { compareSettle: true },
      }),
      command: ['sh', '-c', `curl -s '${baseline.url('/__mode?slow=25')}'`],
      output: quiet,
    });
    baseline.mode = { kind: 'ok' };
    assert.equal(
      result.endpoints[0]!.verdict,
      'degraded',
      JSON.stringify(result.guard?.comparisons),
    );
    assert.match(result.endpoints[0]!.reason, /slower after the deploy than before/);
  });
});
