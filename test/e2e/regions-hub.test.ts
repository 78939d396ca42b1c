/**
 * Issue 16 live (contract §7): a real nats-server with JetStream is the hub; three
 * `zerodown agent` processes, each in its own network namespace (test/helpers/regions.ts),
 * probe one target through their region's routed path; `zerodown run --hub … --agents eu,us,ap`
 * coordinates a deploy during which eu's path is cut for 1 s. One window, naming eu; the merged
 * verdict fails; us, ap and the coordinator's own vantage (hq, in the root namespace) report none.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ResultDocument } from '../../src/result.ts';
import { CLI, runCli } from '../helpers/cli.ts';
import { cannotRunRegionHub, startRegionHub, type RegionHub } from '../helpers/region-hub.ts';
import { Regions, type Cut } from '../helpers/regions.ts';

const NAMES = ['eu', 'us', 'ap'];

const why = cannotRunRegionHub();
if (why) console.log(`regions-hub: skipped: ${why}`);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe(
  'issue 16 live: a hub, three agents in three regions, one region cut',
  { skip: why },
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'zd-hub-'));
    let regions: Regions;
    let target: http.Server;
    let nats: RegionHub;
    let hub: string;
    const agents: ChildProcess[] = [];
    const agentLogs = new Map<string, string>();

    before(async () => {
      regions = Regions.create(NAMES);
      target = http.createServer((_req, res) => res.end('ok'));
      target.listen(0, regions.targetHost);
      await once(target, 'listening');
      const { port } = target.address() as AddressInfo;
      writeFileSync(
        join(dir, 'agent.yml'),
        `baseUrl: http://${regions.targetHost}:${port}\n` +
          'defaults: { rate: 20, timeout: 500ms, connection: fresh }\n' +
          'endpoints:\n  - url: /healthz\n',
      );
      // The hub listens on the address every region reaches; the coordinator dials it too.
      nats = await startRegionHub(regions.targetHost);
      hub = nats.url;
      for (const name of NAMES) {
        const child = regions.spawn(name, process.execPath, [
          CLI,
          'agent',
          '--hub',
          hub,
          '--name',
          name,
          '-c',
          join(dir, 'agent.yml'),
        ]);
        agentLogs.set(name, '');
        const log = (c: Buffer) => agentLogs.set(name, agentLogs.get(name)! + c.toString());
        child.stdout!.on('data', log);
        child.stderr!.on('data', log);
        agents.push(child);
      }
    });
    after(() => {
      for (const a of agents) a.kill('SIGTERM');
      nats?.stop();
      target?.close();
      regions?.dispose();
    });

    test('one window naming eu; the merged verdict fails; us and ap see none', async () => {
      const marker = join(dir, 'deploying');
      const out = join(dir, 'merged.json');
      let cut: Cut | undefined;
      const run = runCli(
        [
          'run',
          // The coordinator probes too (it needs endpoints of its own): from the root
          // namespace, a fourth vantage, hq, whose path is never cut.
          '-c',
          join(dir, 'agent.yml'),
          '--agent',
          'hq',
          '--no-progress',
          '--hub',
          hub,
          '--agents',
          NAMES.join(','),
          '--agents-timeout',
          '20s',
          '--warmup',
          '1s',
          '--settle',
          '1s',
          '--json',
          out,
          '--',
          'sh',
          '-c',
          `touch '${marker}' && sleep 3`,
        ],
        { cwd: dir, timeoutMs: 60_000 },
      );
      // The deploy command says it started: cut eu half a second into it, for 1 s.
      let finished = false;
      void run.then(() => (finished = true));
      const cutting = (async () => {
        while (!existsSync(marker) && !finished) await sleep(20);
        if (!existsSync(marker)) return;
        await sleep(500);
        cut = await regions.cut('eu', 1000);
      })();
      const r = await run;
      await cutting;
      const logs = [...agentLogs].map(([n, l]) => `--- ${n}\n${l}`).join('\n');
      assert.ok(cut, `the deploy never started:\n${r.stderr}\n${logs}`);
      assert.equal(r.code, 1, `${r.stdout}\n${r.stderr}\n${logs}`);
      const doc = JSON.parse(readFileSync(out, 'utf8')) as ResultDocument;
      assert.equal(doc.verdict, 'fail');
      assert.deepEqual(doc.agents!.map((a) => [a.name, a.verdict, a.complete]).sort(), [
        ['ap', 'pass', true],
        ['eu', 'fail', true],
        ['hq', 'pass', true],
        ['us', 'pass', true],
      ]);
      const ep = doc.endpoints.find((e) => e.name === '/healthz')!;
      assert.equal(ep.downtime.windows.length, 1, JSON.stringify(ep.downtime.windows));
      const w = ep.downtime.windows[0]!;
      assert.deepEqual(w.agents, ['eu']);
      const cutMs = cut.endEpochMs - cut.startEpochMs;
      // 20 probes/s: a window is known to one interval at each end (two: a connection under way
      // when the cut begins or ends fails too), plus timer and tc jitter.
      assert.ok(
        Math.abs(w.durationMs - cutMs) <= 140,
        `window ${w.durationMs} ms, cut ${cutMs} ms`,
      );
      for (const name of ['us', 'ap', 'hq']) {
        const seen = ep.byAgent![name]!;
        assert.equal(seen.downtime.windows.length, 0, name);
        assert.equal(seen.totalErrors, 0, name);
      }
      const own = ep.byAgent!.eu!.downtime.windows.map((x) => `${x.durationMs} ms`).join(', ');
      console.log(
        `regions-hub: cut ${cutMs} ms → one window of ${w.durationMs} ms naming eu (eu's own: ${own})`,
      );
    });
  },
);
