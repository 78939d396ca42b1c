/**
 * The original design's cases behind a real nginx (scenarios 5 and 6 of issue 4, and the JSON
 * assertion): a renamed handler answering 500 for a while, throttling set to zero (429 on every
 * endpoint), a backend that accepts but hangs (timeouts), and a 200 whose JSON body says
 * "degraded". Each fault covers requests arriving at the backend during 1000 ms, from the time
 * it recorded (`fault-start`).
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { EndpointResult } from '../../src/result.ts';
import {
  assertNear,
  codes,
  endpoint,
  event,
  scenarioConfig,
  slackMs,
  summary,
} from './harness/expect.ts';
import type { Nginx } from './harness/nginx.ts';
import { Scenario, type ScenarioRun } from './harness/scenario.ts';

// A window against the fault's real span: each edge is the first probe scheduled after the
// real edge, up to one probe interval (20 ms at 50/s) late, so start and duration are within
// 20 ms, plus the run's send lateness and the proxy hop (slackMs). Timeouts complete late but
// windows are in send order, so the same tolerance holds for them.
const INTERVAL_MS = 20;
const FAULT_MS = 1000;

/** Asserts one window of `code` only, as long as the fault the backend recorded. */
function assertFaultWindow(run: ScenarioRun, e: EndpointResult, code: string): void {
  assert.deepEqual(codes(e), [code]);
  assert.equal(e.downtime.windows.length, 1, JSON.stringify(e.downtime.windows));
  const w = e.downtime.windows[0]!;
  const start = event(run, 'fault-start');
  const tolerance = INTERVAL_MS + slackMs(run);
  assertNear(w.durationMs, start.ms as number, tolerance, `${e.name} window vs fault`);
  assertNear(w.startMs, run.at(start), tolerance, `${e.name} window start`);
  assert.equal(w.phase, 'deploy');
}

describe('faults behind nginx', () => {
  const scenarios: Scenario[] = [];
  after(() => Promise.all(scenarios.map((s) => s.end())));

  /** A fresh backend and nginx per case (the event log then has one fault). */
  async function setUp(name: string): Promise<{ sc: Scenario; nginx: Nginx; appUrl: string }> {
    const sc = Scenario.create(name);
    scenarios.push(sc);
    const app = await sc.backend({ name: 'app', version: 'v1' });
    const nginx = await sc.nginx({ upstream: [app.port] });
    return { sc, nginx, appUrl: app.url('') };
  }

  test('a renamed handler: /method1 answers 500 for a while, /method2 is fine', async (t) => {
    const { sc, nginx, appUrl } = await setUp('renamed-handler');
    const run = await sc.run({
      config: scenarioConfig(
        [
          { name: 'method1', url: nginx.url('/method1') },
          { name: 'method2', url: nginx.url('/method2') },
        ],
        { rate: 50 },
      ),
      deploy: 'renamed-handler.sh',
      env: { APP_URL: appUrl, FAULT_MS },
    });
    t.diagnostic(summary(run));
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assertFaultWindow(run, endpoint(run.doc, 'method1'), '500');
    assert.equal(endpoint(run.doc, 'method2').totalErrors, 0);
    assert.match(run.stdout, /Verdict: FAIL — 1 of 2 endpoints over the downtime budget: method1/);
  });

  test('throttling set to zero: every endpoint gets 429', async (t) => {
    const { sc, nginx, appUrl } = await setUp('throttle-zero');
    const run = await sc.run({
      config: scenarioConfig([
        { name: 'method1', url: nginx.url('/method1') },
        { name: 'method2', url: nginx.url('/method2') },
      ]),
      deploy: 'throttle-zero.sh',
      env: { APP_URL: appUrl, FAULT_MS },
    });
    t.diagnostic(summary(run));
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assertFaultWindow(run, endpoint(run.doc, 'method1'), '429');
    assertFaultWindow(run, endpoint(run.doc, 'method2'), '429');
  });

  test('a backend that accepts but hangs: timeouts, in one window as long as the hang', async (t) => {
    const { sc, nginx, appUrl } = await setUp('hang');
    const run = await sc.run({
      config: scenarioConfig([{ name: 'orders', url: nginx.url('/orders') }], {
        timeout: '300ms',
      }),
      deploy: 'migration-lock.sh',
      env: { APP_URL: appUrl, FAULT_MS },
    });
    t.diagnostic(summary(run));
    assert.equal(run.code, 1, run.stdout + run.stderr);
    const e = endpoint(run.doc, 'orders');
    assertFaultWindow(run, e, 'timeout');
    assert.ok(e.maxLatencyMs! >= 300, `a timeout takes the whole deadline: max ${e.maxLatencyMs}`);
  });

  test('a 200 whose JSON says degraded fails the JSON check, named in the window', async (t) => {
    const { sc, nginx, appUrl } = await setUp('degraded');
    const run = await sc.run({
      config: scenarioConfig([
        {
          name: 'health',
          url: nginx.url('/health'),
          expect: { status: 200, json: { path: '$.status', equals: 'ok' } },
        },
        { name: 'health-status-only', url: nginx.url('/health') },
      ]),
      deploy: 'degraded-health.sh',
      env: { APP_URL: appUrl, FAULT_MS },
    });
    t.diagnostic(summary(run));
    assert.equal(run.code, 1, run.stdout + run.stderr);
    const e = endpoint(run.doc, 'health');
    assertFaultWindow(run, e, 'assertion');
    const w = e.downtime.windows[0]!;
    // The check names what the body said instead of "ok".
    const keys = Object.keys(w.checks ?? {});
    assert.equal(keys.length, 1, JSON.stringify(w.checks));
    assert.match(keys[0]!, /^json:\$\.status = "degraded", expected "ok"$/);
    assert.equal(w.checks![keys[0]!], w.failures);
    assert.match(run.stdout, /assertion x\d+ \[json:\$\.status = "degraded", expected "ok"\]/);
    // A status check alone sees nothing wrong.
    assert.equal(endpoint(run.doc, 'health-status-only').totalErrors, 0);
  });
});
