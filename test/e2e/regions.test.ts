/**
 * Per-region outages measured without a hub: three `zerodown probe` processes, each in its own
 * network namespace (test/helpers/regions.ts), probe one target in the root namespace through a
 * routed path; one region's path is cut for 1 s. Only that region's result has a window, and it
 * is as long as the cut. Then `zerodown merge` of the three files (the CI-artifact flow of contract
 * §7) gives one union window that names that region alone.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import type { ResultDocument } from '../../src/result.ts';
import { CLI, runCli } from '../helpers/cli.ts';
import { cannotMakeRegions, Regions, sweepStaleRegions, type Cut } from '../helpers/regions.ts';

const NAMES = ['eu', 'us', 'ap'] as const;
const CUT_MS = 1000;
/** Two probe intervals at the rate below (a connection under way as the cut begins or ends fails
 * too), plus timer and `tc` jitter. */
const RATE = 50;
const TOLERANCE_MS = 2 * (1000 / RATE) + 40;

const why = cannotMakeRegions();

describe('regions (network namespaces)', { skip: why }, () => {
  let regions: Regions;
  let server: http.Server;
  const seen = new Map<string, number>();

  before(async () => {
    regions = Regions.create(NAMES);
    server = http.createServer((req, res) => {
      const from = req.socket.remoteAddress ?? '?';
      seen.set(from, (seen.get(from) ?? 0) + 1);
      res.end('ok');
    });
    server.listen(0, regions.targetHost);
    await once(server, 'listening');
  });
  after(() => {
    server?.close();
    regions?.dispose();
  });

  test('one region cut for 1 s: only its result has a ~1 s window', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zd-regions-'));
    const { port } = server.address() as AddressInfo;
    const url = `http://${regions.targetHost}:${port}/ping`;
    const runs = NAMES.map((name) => {
      const child = regions.spawn(name, process.execPath, [
        CLI,
        'probe',
        '-u',
        url,
        '--rate',
        String(RATE),
        '--timeout',
        '500ms',
        '--connection',
        'fresh',
        '--duration',
        '4s',
        '--agent',
        name,
        '--no-progress',
        '--json',
        join(dir, `${name}.json`),
      ]);
      let stderr = '';
      child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
      const exit = once(child, 'close').then(([code]) => ({ code: code as number, stderr }));
      return { name, exit };
    });
    // Cut once every region is being probed (seen from its own address), well inside the run.
    const until = Date.now() + 3000;
    while (regions.regions.some((r) => !seen.get(r.address)) && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 20));
    }
    await new Promise((r) => setTimeout(r, 700));
    const cut: Cut = await regions.cut('eu', CUT_MS);
    const cutMs = cut.endEpochMs - cut.startEpochMs;

    const docs: Record<string, ResultDocument> = {};
    for (const { name, exit } of runs) {
      const { code, stderr } = await exit;
      assert.equal(code, name === 'eu' ? 1 : 0, `${name}: exit ${code}\n${stderr}`);
      docs[name] = JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8')) as ResultDocument;
    }

    // Every region was really routed: the target saw each one from its own address.
    for (const r of regions.regions) {
      assert.ok((seen.get(r.address) ?? 0) > 100, `${r.name}: ${seen.get(r.address)} requests`);
    }

    const eu = docs.eu!.endpoints[0]!;
    assert.equal(eu.downtime.windows.length, 1, JSON.stringify(eu.downtime.windows));
    const w = eu.downtime.windows[0]!;
    assert.equal(w.open, false);
    assert.ok(
      Math.abs(w.durationMs - cutMs) <= TOLERANCE_MS,
      `window ${w.durationMs} ms, cut ${cutMs} ms (±${TOLERANCE_MS})`,
    );
    // It sits where the cut was: the result's clock starts at startedAt.
    const startEpoch = Date.parse(docs.eu!.startedAt) + w.startMs;
    assert.ok(
      Math.abs(startEpoch - cut.startEpochMs) <= TOLERANCE_MS + 100,
      `window starts ${startEpoch - cut.startEpochMs} ms from the cut`,
    );
    assert.deepEqual(Object.keys(w.errorCodes), ['timeout']);
    console.log(
      `regions: cut ${cutMs} ms → eu window ${w.durationMs} ms (${w.failures} probes, ` +
        `starts ${startEpoch - cut.startEpochMs} ms after the cut)`,
    );

    for (const name of ['us', 'ap'] as const) {
      const ep = docs[name]!.endpoints[0]!;
      assert.equal(ep.totalErrors, 0, `${name}: ${JSON.stringify(ep.errorCodes)}`);
      assert.equal(ep.downtime.windows.length, 0);
      assert.ok(ep.totalRequests >= 4 * RATE * 0.9, `${name}: ${ep.totalRequests} probes`);
    }

    // The artifact flow: the three files merged by the built binary give one window naming eu.
    const merged = await runCli([
      'merge',
      ...NAMES.map((n) => join(dir, `${n}.json`)),
      '--expect-agents',
      NAMES.join(','),
      '--json',
      join(dir, 'merged.json'),
    ]);
    assert.equal(merged.code, 1, merged.stdout + merged.stderr);
    const doc = JSON.parse(readFileSync(join(dir, 'merged.json'), 'utf8')) as ResultDocument;
    assert.equal(doc.verdict, 'fail');
    assert.deepEqual(
      doc.agents!.map((a) => [a.name, a.verdict, a.complete]),
      [
        ['eu', 'fail', true],
        ['us', 'pass', true],
        ['ap', 'pass', true],
      ],
    );
    const union = doc.endpoints[0]!.downtime.windows;
    assert.equal(union.length, 1, JSON.stringify(union));
    assert.deepEqual(union[0]!.agents, ['eu']);
    assert.ok(
      Math.abs(union[0]!.durationMs - cutMs) <= TOLERANCE_MS,
      `merged window ${union[0]!.durationMs} ms, cut ${cutMs} ms`,
    );
    const byAgent = doc.endpoints[0]!.byAgent!;
    assert.equal(byAgent.us!.downtime.windows.length, 0);
    assert.equal(byAgent.ap!.downtime.windows.length, 0);
    console.log(
      `regions: merged window ${union[0]!.durationMs} ms naming ${union[0]!.agents.join(',')}`,
    );
  });

  test('dispose() leaves no namespace or link behind', () => {
    const extra = Regions.create(['tmp']);
    const names = [extra.region('tmp').netns, extra.core];
    const before = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
    for (const n of names) assert.ok(before.includes(n), before);
    extra.dispose();
    const netns = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
    const links = execFileSync('ip', ['-o', 'link'], { encoding: 'utf8' });
    for (const n of names) assert.ok(!netns.includes(n), netns);
    assert.ok(!links.includes(`${extra.rootLink}@`), links);
  });

  for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
    test(`a test process ended by ${signal}: ${signal === 'SIGKILL' ? 'the next sweep removes' : 'it removes'} its namespaces`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'zd-regions-sig-'));
      const script = join(dir, 'hold.ts');
      writeFileSync(
        script,
        `import { Regions } from ${JSON.stringify(HELPER)};\n` +
          "Regions.create(['a', 'b']);\nconsole.log('ready');\nsetInterval(() => {}, 1000);\n",
      );
      const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'inherit'] });
      await once(child.stdout, 'data');
      const mine = () =>
        execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
          .split('\n')
          .filter((l) => l.endsWith(`-${child.pid}`) || l.includes(`-${child.pid} `));
      assert.equal(mine().length, 3, 'a, b and the router');
      child.kill(signal);
      await once(child, 'close');
      if (signal === 'SIGKILL') {
        assert.equal(mine().length, 3, 'nothing ran in the killed process');
        const removed = sweepStaleRegions();
        assert.ok(removed.includes(`zd-a-${child.pid}`), removed.join(' '));
      }
      assert.deepEqual(mine(), []);
    });
  }
});

const HELPER = fileURLToPath(new URL('../helpers/regions.ts', import.meta.url));
