/**
 * Outages of a real local server, probed at 100/s: each must give one window as long as the
 * outage the server itself recorded (±30 ms: probes are 10 ms apart, so a window edge can land
 * up to one interval from the real edge, plus timer jitter on both sides), with the right code.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ZerodownConfig } from '../../src/config/resolve.ts';
import { runProbe, type RunOutcome } from '../../src/run.ts';
import type { EndpointResult } from '../../src/result.ts';
import { endpointConfig } from '../helpers/config.ts';
import { FaultServer, sleep, type FaultMode, type OutageRecord } from '../helpers/fault-server.ts';

const TOLERANCE_MS = 30;

/**
 * Starts `runProbe` and resolves at its time zero (after start-up and priming), so a test times
 * its outages from when probing is recorded. `run` is the run itself.
 */
async function probeFromZero(
  config: ZerodownConfig,
  durationMs: number,
): Promise<{ run: Promise<RunOutcome> }> {
  let started!: () => void;
  const atZero = new Promise<void>((resolve) => (started = resolve));
  const run = runProbe({ config, durationMs, onSession: () => started() });
  await Promise.race([atZero, run]);
  return { run };
}

async function probeThrough(
  server: FaultServer,
  settings: Record<string, unknown>,
  fault: () => Promise<OutageRecord>,
  durationMs = 2600,
): Promise<{ e: EndpointResult; outage: OutageRecord }> {
  const config = endpointConfig(server.url('/'), { rate: 100, timeout: '500ms', ...settings });
  const { run } = await probeFromZero(config, durationMs);
  await sleep(700);
  const outage = await fault();
  const { result } = await run;
  return { e: result.endpoints[0]!, outage };
}

function assertOneWindow(
  e: EndpointResult,
  outage: OutageRecord,
  code: string,
  minShare = 1,
): void {
  const windows = e.downtime.windows;
  assert.equal(windows.length, 1, `one window, got ${JSON.stringify(windows)}`);
  const w = windows[0]!;
  assert.ok(
    Math.abs(w.durationMs - outage.durationMs) <= TOLERANCE_MS,
    `window ${w.durationMs} ms vs real outage ${outage.durationMs.toFixed(1)} ms`,
  );
  assert.equal(w.open, false);
  const share = (w.errorCodes[code] ?? 0) / w.failures;
  assert.ok(share >= minShare, `${code} share ${share} in ${JSON.stringify(w.errorCodes)}`);
  assert.ok(Math.abs(w.failures - outage.durationMs / 10) <= 4, `failures ${w.failures}`);
  assert.equal(e.verdict, 'fail');
  assert.equal(e.skipped, 0);
}

describe('outages of 1000 ms at 100 probes/s', () => {
  let server: FaultServer;
  before(async () => (server = await FaultServer.start()));
  after(() => server.close());

  const modes: [string, FaultMode, string][] = [
    ['503', { kind: 'status', status: 503 }, '503'],
    ['429 (throttling set to zero)', { kind: 'status', status: 429 }, '429'],
    ['500 (a renamed handler)', { kind: 'status', status: 500 }, '500'],
    ['reset sockets', { kind: 'reset' }, 'ECONNRESET'],
  ];
  for (const [name, mode, code] of modes) {
    test(name, async () => {
      const { e, outage } = await probeThrough(server, {}, () => server.outage(mode, 1000));
      assertOneWindow(e, outage, code);
    });
  }

  test('closed port (ECONNREFUSED)', async () => {
    const { e, outage } = await probeThrough(server, {}, () => server.refuse(1000));
    // A probe in flight when the port closes may see its connection torn down instead.
    assertOneWindow(e, outage, 'ECONNREFUSED', 0.95);
  });

  test('a hang: timeouts complete out of order, the window is still in send order', async () => {
    const { e, outage } = await probeThrough(server, { timeout: '300ms' }, () =>
      server.outage({ kind: 'hang' }, 1000),
    );
    assertOneWindow(e, outage, 'timeout');
    assert.ok(e.maxLatencyMs! >= 300, `timeouts take the deadline: max ${e.maxLatencyMs}`);
  });

  test('an expect mismatch is an assertion naming the check', async () => {
    const { e, outage } = await probeThrough(server, { expect: { bodyContains: 'ok' } }, () =>
      server.outage({ kind: 'body', body: 'maintenance' }, 1000),
    );
    assertOneWindow(e, outage, 'assertion');
    assert.ok(e.downtime.windows[0]!.checks!.bodyContains! > 90);
  });

  test('a response slower than maxLatency is slow', async () => {
    const { e, outage } = await probeThrough(server, { expect: { maxLatency: '100ms' } }, () =>
      server.outage({ kind: 'slow', delayMs: 150 }, 1000),
    );
    assertOneWindow(e, outage, 'slow');
  });

  test('fresh connections see the same outage', async () => {
    const { e, outage } = await probeThrough(server, { connection: 'fresh' }, () =>
      server.outage({ kind: 'status', status: 503 }, 1000),
    );
    assertOneWindow(e, outage, '503');
  });
});

describe('window shapes', () => {
  let server: FaultServer;
  before(async () => (server = await FaultServer.start()));
  after(() => server.close());

  test('two failure bursts separated by successes are two windows', async () => {
    const config = endpointConfig(server.url('/'), { rate: 100 });
    const { run } = await probeFromZero(config, 2000);
    await sleep(400);
    const first = await server.outage({ kind: 'status', status: 503 }, 300);
    await sleep(300);
    const second = await server.outage({ kind: 'status', status: 502 }, 300);
    const { result } = await run;
    const ws = result.endpoints[0]!.downtime.windows;
    assert.equal(ws.length, 2, JSON.stringify(ws));
    assert.deepEqual(Object.keys(ws[0]!.errorCodes), ['503']);
    assert.deepEqual(Object.keys(ws[1]!.errorCodes), ['502']);
    assert.ok(Math.abs(ws[0]!.durationMs - first.durationMs) <= TOLERANCE_MS);
    assert.ok(Math.abs(ws[1]!.durationMs - second.durationMs) <= TOLERANCE_MS);
    const gap = ws[1]!.startMs - ws[0]!.endMs;
    assert.ok(Math.abs(gap - (second.startMs - first.endMs)) <= TOLERANCE_MS, `gap ${gap}`);
  });

  test('a failure still going when probing ends is open', async () => {
    const config = endpointConfig(server.url('/'), { rate: 100 });
    const { run } = await probeFromZero(config, 1000);
    await sleep(600);
    server.mode = { kind: 'status', status: 503 };
    const { result } = await run;
    server.mode = { kind: 'ok' };
    const ws = result.endpoints[0]!.downtime.windows;
    assert.equal(ws.length, 1);
    assert.equal(ws[0]!.open, true);
    assert.ok(ws[0]!.durationMs > 300 && ws[0]!.durationMs < 450, `${ws[0]!.durationMs}`);
    assert.equal(result.verdict, 'fail');
  });

  test('a steady target gives no window and a full timeline', async () => {
    const config = endpointConfig(server.url('/'), { rate: 50 });
    const { result, exitCode } = await runProbe({ config, durationMs: 2000 });
    const e = result.endpoints[0]!;
    assert.equal(exitCode, 0);
    assert.equal(e.downtime.windows.length, 0);
    assert.ok(Math.abs(e.totalRequests - 100) <= 1, `${e.totalRequests}`);
    // A probe due at exactly 2000 ms goes out or not depending on when stop lands: that last
    // partial second may exist; the two whole seconds must.
    const whole = e.timeline.points.filter((p) => p.startMs < 2000);
    assert.equal(whole.length, 2);
    assert.ok(e.timeline.points.length <= 3);
    assert.ok(
      whole.every((p) => Math.abs(p.ok - 50) <= 1 && p.failed === 0),
      JSON.stringify(whole),
    );
    assert.equal(e.statusCodes['200'], e.totalRequests);
  });
});
