/**
 * `zerodown merge` end to end (contract §7): four real `zerodown probe --agent` processes, each
 * against its own loopback target with the same endpoint name; only eu's target has a 1 s
 * outage, and sg is interrupted (SIGINT) half-way. Then the built binary merges their files.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ResultDocument } from '../../src/result.ts';
import { runCli, type CliRun } from '../helpers/cli.ts';
import { FaultServer, sleep } from '../helpers/fault-server.ts';

const dir = mkdtempSync(join(tmpdir(), 'zerodown-merge-'));
const file = (agent: string) => join(dir, `${agent}.json`);
const read = (f: string) => JSON.parse(readFileSync(f, 'utf8')) as ResultDocument;

describe('zerodown merge: three vantages, one with an outage', () => {
  const servers: FaultServer[] = [];
  const runs = new Map<string, CliRun>();
  let outage: { durationMs: number };

  before(async () => {
    for (let i = 0; i < 4; i++) servers.push(await FaultServer.start());
    const pids = new Map<string, number>();
    const probe = (agent: string, server: FaultServer) =>
      runCli(
        [
          'probe',
          '-u',
          server.url('/health'),
          '--rate',
          '20',
          '--duration',
          '4s',
          '--agent',
          agent,
          '--json',
          file(agent),
          '--no-progress',
        ],
        { onStart: (pid) => pids.set(agent, pid), timeoutMs: 30_000 },
      ).then((r) => runs.set(agent, r));
    const done = Promise.all(['eu', 'us', 'ap', 'sg'].map((agent, i) => probe(agent, servers[i]!)));
    // Start-up takes a while on a busy machine: wait until every target is being probed, past
    // the ~5 unrecorded primers (250 ms) that open connections before each agent's time zero.
    const deadline = Date.now() + 15_000;
    while (servers.some((s) => s.requests < 12) && Date.now() < deadline) await sleep(20);
    // sg is interrupted half-way through (its --duration makes a signal an interruption).
    setTimeout(() => process.kill(pids.get('sg')!, 'SIGINT'), 800);
    outage = await servers[0]!.outage({ kind: 'status', status: 503 }, 1000);
    await done;
  });
  after(async () => {
    for (const s of servers) await s.close();
  });

  test('each agent wrote its own named document', () => {
    assert.equal(runs.get('eu')!.code, 1, runs.get('eu')!.stderr);
    assert.equal(runs.get('us')!.code, 0, runs.get('us')!.stderr);
    assert.equal(runs.get('sg')!.code, 130, runs.get('sg')!.stderr);
    for (const agent of ['eu', 'us', 'ap', 'sg']) assert.equal(read(file(agent)).agent, agent);
  });

  test('merged: fails, the window names exactly eu, totals are sums', async (t) => {
    const out = join(dir, 'merged.json');
    const r = await runCli([
      'merge',
      file('eu'),
      file('us'),
      file('ap'),
      '--expect-agents',
      'eu,us,ap',
      '--json',
      out,
    ]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const merged = read(out);
    const docs = ['eu', 'us', 'ap'].map((a) => read(file(a)));
    assert.equal(merged.verdict, 'fail');
    assert.deepEqual(
      merged.agents!.map((a) => [a.name, a.verdict, a.complete]),
      [
        ['eu', 'fail', true],
        ['us', 'pass', true],
        ['ap', 'pass', true],
      ],
    );
    const e = merged.endpoints[0]!;
    const sum = (f: (d: ResultDocument) => number) => docs.reduce((n, d) => n + f(d), 0);
    assert.equal(
      e.totalRequests,
      sum((d) => d.endpoints[0]!.totalRequests),
    );
    assert.equal(
      e.totalErrors,
      sum((d) => d.endpoints[0]!.totalErrors),
    );
    assert.ok(e.totalErrors >= 15, `failures ${e.totalErrors}`);
    assert.equal(e.downtime.windows.length, 1);
    const w = e.downtime.windows[0]!;
    assert.deepEqual(w.agents, ['eu']);
    t.diagnostic(
      `union window ${w.durationMs} ms (${e.totalErrors} failures of ${e.totalRequests}), real outage ${outage.durationMs.toFixed(1)} ms`,
    );
    // The real outage ± one probe interval (50 ms) and scheduling slack.
    assert.ok(Math.abs(w.durationMs - outage.durationMs) <= 150, `window ${w.durationMs} ms`);
    assert.equal(e.byAgent!.us!.downtime.windows.length, 0);
    assert.equal(e.byAgent!.ap!.downtime.windows.length, 0);
    assert.equal(e.byAgent!.eu!.downtime.windows.length, 1);
    assert.match(r.stdout, /eu/);
  });

  test('an expected agent without a document: exit 6 naming it', async () => {
    const r = await runCli(['merge', file('us'), file('ap'), '--expect-agents', 'eu,us,ap']);
    assert.equal(r.code, 6, r.stdout + r.stderr);
    assert.match(r.stdout, /agent eu missing/);
  });

  test('an interrupted agent: exit 6 naming it and from when', async () => {
    const sg = read(file('sg'));
    assert.equal(sg.interrupted, true);
    const out = join(dir, 'with-sg.json');
    const r = await runCli(['merge', file('us'), file('ap'), file('sg'), '--json', out]);
    assert.equal(r.code, 6, r.stdout + r.stderr);
    const gap = read(out).agents!.find((a) => a.name === 'sg')!;
    assert.equal(gap.gap, 'interrupted');
    // SIGINT came 0.8 s after every target was probed (within ~0.1 s of sg's time zero).
    assert.ok(gap.missingFromMs! > 500 && gap.missingFromMs! < 2000, `${gap.missingFromMs}`);
    assert.match(r.stdout, /agent sg interrupted at \d{4}-\d\d-\d\dT[\d:.]+Z \(\+[\d.]+ m?s\)/);
  });

  test('unreadable files and different endpoint sets are exit 2 with a clear message', async () => {
    const missing = await runCli(['merge', file('us'), join(dir, 'nope.json')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /nope\.json: ENOENT/);
    const twice = await runCli(['merge', file('us'), file('us')]);
    assert.equal(twice.code, 2);
    assert.match(twice.stderr, /are both agent "us": name each vantage with --agent/);
    const other = JSON.parse(readFileSync(file('us'), 'utf8')) as ResultDocument;
    other.agent = 'other';
    other.endpoints[0]!.name = '/other';
    writeFileSync(file('other'), JSON.stringify(other));
    const sets = await runCli(['merge', file('us'), file('other')]);
    assert.equal(sets.code, 2);
    assert.match(
      sets.stderr,
      /different endpoint sets: agent other \(.*other\.json\) has no \/health/,
    );
    const badName = await runCli(['probe', '-u', servers[1]!.url('/'), '--agent', 'e u']);
    assert.equal(badName.code, 2);
    assert.match(badName.stderr, /--agent: an agent name is/);
  });
});
