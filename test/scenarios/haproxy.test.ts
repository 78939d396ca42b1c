/**
 * Rolling restarts behind a real HAProxy (scenario 3 of issue 4): draining each server through
 * the runtime API first gives no downtime; the same restart without draining gives 503s until
 * the health checks take the stopped server out. Probes at 50/s (one every 20 ms).
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { codes, endpoint, event, scenarioConfig, slackMs, summary } from './harness/expect.ts';
import { Scenario, type ScenarioRun } from './harness/scenario.ts';

/** Two v1 servers behind HAProxy, restarted to v2 one at a time by `deploy`. */
async function rolling(sc: Scenario, deploy: string): Promise<ScenarioRun> {
  const s1 = await sc.backend({ name: 's1', version: 'v1' });
  const s2 = await sc.backend({ name: 's2', version: 'v1' });
  const haproxy = await sc.haproxy([
    { name: 's1', port: s1.port },
    { name: 's2', port: s2.port },
  ]);
  return sc.run({
    config: scenarioConfig([
      { name: 'api', url: haproxy.url('/api'), version: { header: 'x-app-version' } },
    ]),
    deploy,
    env: {
      ...haproxy.env(),
      S1_PORT: s1.port,
      S2_PORT: s2.port,
      BOOT_DELAY_MS: 700,
      PAUSE_MS: 500,
    },
  });
}

describe('HAProxy: rolling restart', () => {
  const drained = Scenario.create('haproxy-drain');
  const plain = Scenario.create('haproxy-no-drain');
  after(() => Promise.all([drained.end(), plain.end()]));
  const results: ScenarioRun[] = [];

  test('each server drained and put in maintenance through the runtime API: no downtime', async (t) => {
    const run = await rolling(drained, 'haproxy-drain-rolling.sh');
    results[0] = run;
    t.diagnostic(summary(run));
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const e = endpoint(run.doc, 'api');
    assert.equal(e.totalErrors, 0, JSON.stringify(e.errorCodes));
    assert.match(run.stdout, /haproxy: set server be\/s1 state drain/);
    assert.deepEqual(
      e.versions!.map((v) => v.version),
      ['v1', 'v2'],
    );
    // v2 is first seen once s1 is back in rotation, and v1 last seen when s2 goes into
    // maintenance: the mixed period covers the pause between the two servers.
    assert.ok(e.mixedMs! >= 400, `mixed ${e.mixedMs} ms`);
    assert.ok(e.flipFlops!.count > 0, JSON.stringify(e.flipFlops));
    assert.ok(e.versions![0]!.lastMs <= run.at(event(run, 'closed', { name: 's2' })));
  });

  test('the same restart without draining: 503s until the health checks notice', async (t) => {
    const run = await rolling(plain, 'rolling-restart.sh');
    t.diagnostic(summary(run));
    assert.equal(run.code, 1, run.stdout + run.stderr);
    const e = endpoint(run.doc, 'api');
    // A request HAProxy sends to a stopped server is refused, retried twice 200 ms apart, then
    // answered 503 (no `option redispatch`). The server stays in rotation until 2 health checks
    // 250 ms apart have failed — 250 to 500 ms after it stopped, well before it is back (it
    // boots for 700 ms) — so every other probe fails meanwhile: 6 to 12 per server, at 50/s.
    assert.deepEqual(codes(e), ['503']);
    // A probe scheduled just before a server stopped can reach it just after (send lateness).
    const slack = slackMs(run);
    for (const s of ['s1', 's2']) {
      const closed = run.at(event(run, 'closed', { name: s }));
      const after = e.downtime.windows.filter(
        (w) => w.startMs >= closed - slack && w.startMs <= closed + 500 + slack,
      );
      // At least 2 of the (at least) 6: the health checks cannot be quicker than 250 ms.
      assert.ok(after.length >= 2, `failures after ${s} stopped: ${after.length}`);
    }
    // And none anywhere else: each failure is a probe HAProxy sent to a stopped server before
    // the checks took it out.
    for (const w of e.downtime.windows) {
      const near = ['s1', 's2'].some((s) => {
        const closed = run.at(event(run, 'closed', { name: s }));
        return w.startMs >= closed - slack && w.startMs <= closed + 500 + slack;
      });
      assert.ok(near, `window ${JSON.stringify(w)} not while a stopped server was in rotation`);
    }
    const drainedFailures = results[0] ? endpoint(results[0].doc, 'api').totalErrors : 0;
    t.diagnostic(`failed probes: ${drainedFailures} with draining, ${e.totalErrors} without`);
  });
});
