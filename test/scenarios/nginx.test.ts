/**
 * Deploys behind a real nginx (scenarios 1, 2, 4 and 7 of issue 4): naive restart, rolling
 * restart with retry on the next upstream, blue/green with a graceful reload, create before
 * destroy with and without a readiness check. Probes at 50/s (one every 20 ms).
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

describe('nginx: naive restart of the only backend', () => {
  const sc = Scenario.create('nginx-naive');
  after(() => sc.end());

  test('502s for as long as nothing listens: one window about as long as the gap', async (t) => {
    const app = await sc.backend({ name: 'app', version: 'v1' });
    const nginx = await sc.nginx({ upstream: [app.port] });
    const run = await sc.run({
      config: scenarioConfig([
        { name: 'api', url: nginx.url('/api'), version: { header: 'x-app-version' } },
      ]),
      deploy: 'naive-restart.sh',
      env: { ...nginx.env(), APP_PORT: app.port, BOOT_DELAY_MS: 700 },
    });
    t.diagnostic(summary(run));
    assert.equal(run.code, 1, run.stdout + run.stderr);
    const e = endpoint(run.doc, 'api');
    assert.deepEqual(codes(e), ['502']);
    assert.equal(e.downtime.windows.length, 1, JSON.stringify(e.downtime.windows));
    const w = e.downtime.windows[0]!;
    // The real gap: v1 closed its listener → v2 listens (both recorded by the backends).
    const gap = event(run, 'listening', { version: 'v2' }).t - event(run, 'closed').t;
    t.diagnostic(`window ${w.durationMs} ms, real gap ${gap.toFixed(1)} ms`);
    // Each window edge is the first probe scheduled after the real edge: up to one probe interval
    // (20 ms) late, so the duration is within ±20 ms, plus the run's measured send lateness and
    // the proxy hop (slackMs).
    const slack = slackMs(run);
    assertNear(w.durationMs, gap, 20 + slack, 'window vs gap');
    assertNear(w.startMs, run.at(event(run, 'closed')), 20 + slack, 'window start vs v1 closed');
    assert.equal(w.phase, 'deploy');
    // Versions: v1 until the gap, v2 after it, never both.
    assert.deepEqual(
      e.versions!.map((v) => v.version),
      ['v1', 'v2'],
    );
    assert.equal(e.mixedMs, 0);
    assert.equal(e.flipFlops!.count, 0);
    assert.match(run.stdout, /cutover v1 → v2 at \+\d+\.\d\d s, no overlap/);
  });
});

describe('nginx: rolling restart of two backends, retry on the next upstream', () => {
  const sc = Scenario.create('nginx-rolling');
  after(() => sc.end());

  test('no downtime; v1 → v2 with a mixed period and flip-flops while both answer', async (t) => {
    const s1 = await sc.backend({ name: 's1', version: 'v1' });
    const s2 = await sc.backend({ name: 's2', version: 'v1' });
    const nginx = await sc.nginx({ upstream: [s1.port, s2.port], nextUpstream: 'error timeout' });
    const run = await sc.run({
      config: scenarioConfig([
        // The version read from the JSON body this time: {"status":"ok","version":"v1",…}
        { name: 'api', url: nginx.url('/api'), version: { json: '$.version' } },
      ]),
      deploy: 'rolling-restart.sh',
      env: {
        ...nginx.env(),
        S1_PORT: s1.port,
        S2_PORT: s2.port,
        BOOT_DELAY_MS: 300,
        PAUSE_MS: 800,
      },
    });
    t.diagnostic(summary(run));
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const e = endpoint(run.doc, 'api');
    assert.equal(e.totalErrors, 0, JSON.stringify(e.errorCodes));
    assert.deepEqual(
      e.versions!.map((v) => v.version),
      ['v1', 'v2'],
    );
    // Both versions answer from s1's v2 listening until s2's v1 closes.
    const mixedReal =
      event(run, 'closed', { name: 's2' }).t -
      event(run, 'listening', { name: 's1', version: 'v2' }).t;
    t.diagnostic(`mixed ${e.mixedMs} ms, real ${mixedReal.toFixed(1)} ms`);
    // Round robin sends every other probe to each server, so each edge of the mixed period is
    // seen up to two probe intervals (40 ms) inside the real one, never outside it but for the
    // send lateness (a probe scheduled before an edge can reach nginx after it): measured ∈
    // [real − 80 − slack, real + 2 × slack].
    const slack = slackMs(run);
    assert.ok(
      e.mixedMs! >= mixedReal - 80 - slack && e.mixedMs! <= mixedReal + 2 * slack,
      `mixed ${e.mixedMs} ms vs real ${mixedReal.toFixed(1)} ms (slack ${slack} ms)`,
    );
    const v2 = e.versions![1]!;
    const s1v2 = run.at(event(run, 'listening', { name: 's1', version: 'v2' }));
    assert.ok(
      v2.firstMs >= s1v2 - slack && v2.firstMs <= s1v2 + 40 + slack,
      `v2 first answer +${v2.firstMs} ms, s1 v2 listening +${s1v2.toFixed(1)} ms (slack ${slack} ms)`,
    );
    // Round robin over v1 and v2: answers switch back to v1 again and again, all within the mixed period.
    const f = e.flipFlops!;
    assert.ok(f.count >= 5, `flip-flops ${JSON.stringify(f)}`);
    assert.ok(f.atMs[0]! >= v2.firstMs && f.lastMs! <= e.versions![0]!.lastMs, JSON.stringify(f));
    assert.match(run.stdout, /cutover v1 → v2 at \+\d+\.\d\d s, mixed for [\d.]+ (ms|s)/);
    assert.match(run.stdout, /flip-flops: \d+ answers from an older version after a newer one/);
  });
});

describe('nginx: blue/green switch with a graceful reload', () => {
  const sc = Scenario.create('nginx-blue-green');
  after(() => sc.end());

  test('no downtime, and a clean cutover from blue (v1) to green (v2)', async (t) => {
    const blue = await sc.backend({ name: 'blue', version: 'v1' });
    const green = await sc.port('green');
    const nginx = await sc.nginx({ upstream: [blue.port] });
    const run = await sc.run({
      config: scenarioConfig([
        { name: 'api', url: nginx.url('/api'), version: { header: 'x-app-version' } },
      ]),
      deploy: 'blue-green.sh',
      env: { ...nginx.env(), GREEN_PORT: green },
    });
    t.diagnostic(summary(run));
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const e = endpoint(run.doc, 'api');
    assert.equal(e.totalErrors, 0, JSON.stringify(e.errorCodes));
    assert.deepEqual(
      e.versions!.map((v) => v.version),
      ['v1', 'v2'],
    );
    // The reload moves every new request to green at once; only a request already in flight on
    // an old worker can still come back from blue: at most a couple of probe intervals.
    const slack = slackMs(run);
    assert.ok(e.mixedMs! <= 40 + slack, `mixed ${e.mixedMs} ms`);
    assert.ok(e.flipFlops!.count <= 1, JSON.stringify(e.flipFlops));
    // Green answered only after it was up; blue answered nothing after it closed.
    const greenUp = run.at(event(run, 'listening', { name: 'green' }));
    assert.ok(
      e.versions![1]!.firstMs >= greenUp - slack,
      `green first +${e.versions![1]!.firstMs}`,
    );
    const blueClosed = run.at(event(run, 'closed', { name: 'blue' }));
    assert.ok(e.versions![0]!.lastMs <= blueClosed + slack, `blue last +${e.versions![0]!.lastMs}`);
  });
});

describe('nginx: create before destroy', () => {
  const sc = Scenario.create('nginx-cbd');
  const sc2 = Scenario.create('nginx-cbd-ready');
  after(() => Promise.all([sc.end(), sc2.end()]));

  test('the new instance gets traffic before it is ready: 503s until it is', async (t) => {
    const old = await sc.backend({ name: 'old', version: 'v1' });
    const neu = await sc.port('new');
    const nginx = await sc.nginx({ upstream: [old.port] });
    const run = await sc.run({
      config: scenarioConfig([
        { name: 'api', url: nginx.url('/api'), version: { header: 'x-app-version' } },
      ]),
      deploy: 'create-before-destroy.sh',
      env: { ...nginx.env(), OLD_PORT: old.port, NEW_PORT: neu, READY_AFTER_MS: 1000 },
      label: 'without-readiness-check',
    });
    t.diagnostic(summary(run));
    assert.equal(run.code, 1, run.stdout + run.stderr);
    const e = endpoint(run.doc, 'api');
    assert.deepEqual(codes(e), ['503']);
    const ws = e.downtime.windows;
    // The backend counted the 503s it answered while warming up (some were its own health checks
    // from the deploy script): first and last one bound the failing period.
    const ready = event(run, 'ready', { name: 'new' });
    const firstUnready = run.at({ ...ready, t: ready.firstUnreadyT as number });
    const lastFailureEnd = ws.at(-1)!.endMs;
    t.diagnostic(
      `${ws.length} windows from +${ws[0]!.startMs} to +${lastFailureEnd} ms; new instance ready at +${run.at(ready).toFixed(0)} ms`,
    );
    // Round robin: every other probe goes to the new instance, so failures are one-probe windows
    // spread over the period it got traffic before it was ready; the last one ends within two
    // probe intervals (40 ms) of the moment it became ready, plus the run's lateness.
    const slack = slackMs(run);
    assertNear(lastFailureEnd, run.at(ready), 40 + slack, 'failures end when the new one is ready');
    assert.ok(ws[0]!.startMs >= firstUnready - slack, `first failure +${ws[0]!.startMs} ms`);
    const failedShare = e.totalErrors / ((lastFailureEnd - ws[0]!.startMs) / 20);
    assert.ok(
      failedShare > 0.35 && failedShare < 0.65,
      `about half the probes failed: ${failedShare}`,
    );
  });

  test('with a readiness check (zerodown wait) first: no failure', async (t) => {
    const old = await sc2.backend({ name: 'old', version: 'v1' });
    const neu = await sc2.port('new');
    const nginx = await sc2.nginx({ upstream: [old.port] });
    const run = await sc2.run({
      config: scenarioConfig([
        { name: 'api', url: nginx.url('/api'), version: { header: 'x-app-version' } },
      ]),
      deploy: 'create-before-destroy.sh',
      args: ['--readiness-check'],
      env: { ...nginx.env(), OLD_PORT: old.port, NEW_PORT: neu, READY_AFTER_MS: 1000 },
      label: 'with-readiness-check',
    });
    t.diagnostic(summary(run));
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const e = endpoint(run.doc, 'api');
    assert.equal(e.totalErrors, 0, JSON.stringify(e.errorCodes));
    assert.deepEqual(
      e.versions!.map((v) => v.version),
      ['v1', 'v2'],
    );
    assert.match(run.stdout, /zerodown wait --url/);
  });
});
