/**
 * Connection modes (issue 4): an outage only `fresh` sees. A single instance without a load
 * balancer is restarted; on SIGTERM the old process stops accepting new connections but keeps
 * serving its keep-alive connections for 2 s, while the new one boots for 800 ms. Probed both
 * ways at once, 20/s each: a pooled connection never notices; a new connection is refused.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import {
  assertNear,
  codes,
  endpoint,
  event,
  scenarioConfig,
  slackMs,
  summary,
} from './harness/expect.ts';
import { Scenario } from './harness/scenario.ts';

describe('connection modes: keepalive vs fresh', () => {
  const sc = Scenario.create('connections');
  after(() => sc.end());

  test('a listener gap hidden from pooled connections: only fresh sees ECONNREFUSED', async (t) => {
    const app = await sc.backend({ name: 'app', version: 'v1', onTerm: 'drain:2000' });
    const run = await sc.run({
      config: scenarioConfig(
        [
          {
            name: 'keepalive',
            url: app.url('/api'),
            connection: 'keepalive',
            version: { header: 'x-app-version' },
          },
          {
            name: 'fresh',
            url: app.url('/api'),
            connection: 'fresh',
            version: { header: 'x-app-version' },
          },
        ],
        // 20/s: at 50 ms apart a probe never waits for another, so the keep-alive endpoint
        // needs one pooled connection only and never has to open a new one during the gap.
        { rate: 20 },
      ),
      deploy: 'single-instance-restart.sh',
      env: { APP_PORT: app.port, BOOT_DELAY_MS: 800 },
    });
    t.diagnostic(summary(run));
    assert.equal(run.code, 1, run.stdout + run.stderr);

    const fresh = endpoint(run.doc, 'fresh');
    // Refused while nothing listens. A probe whose handshake the kernel completed just before
    // the old process closed its listener is reset instead (it sat in the accept queue): real,
    // and at most one, at the window's start.
    assert.deepEqual(
      codes(fresh).filter((c) => c !== 'ECONNRESET'),
      ['ECONNREFUSED'],
    );
    assert.ok((fresh.errorCodes.ECONNRESET ?? 0) <= 1, JSON.stringify(fresh.errorCodes));
    assert.equal(fresh.downtime.windows.length, 1, JSON.stringify(fresh.downtime.windows));
    const gap = event(run, 'listening', { version: 'v2' }).t - event(run, 'closed').t;
    const w = fresh.downtime.windows[0]!;
    t.diagnostic(`fresh: window ${w.durationMs} ms, real listener gap ${gap.toFixed(1)} ms`);
    // At 20/s each edge is the first probe scheduled after the real one, up to one interval
    // (50 ms) late, plus the run's send lateness (slackMs); the gap itself is measured by the
    // backends to a fraction of a ms.
    const slack = slackMs(run);
    assertNear(w.durationMs, gap, 50 + slack, 'fresh window vs listener gap');

    const keepalive = endpoint(run.doc, 'keepalive');
    assert.equal(keepalive.totalErrors, 0, JSON.stringify(keepalive.errorCodes));
    assert.equal(keepalive.verdict, 'pass');
    // The pooled connection stays with v1 until the old process closes it after its drain.
    const drained = run.at(event(run, 'drained'));
    const v1 = keepalive.versions!.find((v) => v.version === 'v1')!;
    assert.ok(
      v1.lastMs > run.at(event(run, 'listening', { version: 'v2' })),
      'v1 after v2 listened',
    );
    assertNear(v1.lastMs, drained, 50 + slack, 'keep-alive endpoint leaves v1 when v1 drains');
  });
});
