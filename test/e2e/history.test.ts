/**
 * History and learned budgets, end to end, in both stores: a SQLite file, and a real PostgreSQL 15
 * cluster this file makes (temp folder, loopback, stopped and removed at the end, also when a
 * test fails). 25 past runs with outages of 50–150 ms are put in through the store API; then the
 * built binary runs for real against a local fault server:
 *
 * - a deploy that causes a 1 s outage fails, naming the learned budget and its history, although
 *   the configured budget (5 s) would let it pass; one of 100 ms passes within it;
 * - `history export` → `budget.file` gives the same verdicts, without a database;
 * - 8 processes recording at once: every run is there exactly once;
 * - PostgreSQL stopped mid-run: the run reports and exits with its own verdict and says the
 *   history write failed; down from the start, it says so and judges by the configured budget;
 * - latency far above history makes an endpoint degraded; `serve` records its runs and shows the
 *   learned budget in /metrics; `history`, `history budgets`, `history prune`.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openHistoryStore } from '../../src/history/store.ts';
import type { ResultDocument } from '../../src/result.ts';
import { runCli, type CliRun } from '../helpers/cli.ts';
import { FaultServer } from '../helpers/fault-server.ts';
import { seedHistory } from '../helpers/history.ts';
import { havePostgres, startPostgres, type PostgresCluster } from '../helpers/postgres.ts';
import { startServe } from '../helpers/serve.ts';

const dir = mkdtempSync(join(tmpdir(), 'zd-history-e2e-'));
const AGENT = 'ci-e2e';
const env = { ZERODOWN_AGENT: AGENT };
let cluster: PostgresCluster | undefined;
let server: FaultServer;

before(async () => {
  server = await FaultServer.start();
  if (havePostgres()) cluster = await startPostgres();
});
after(async () => {
  await server.close();
  cluster?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

/** The learning config the judged runs use: a configured 5 s that history overrides. */
const CONFIG = 'budget:\n  maxDowntime: 5s\n  learn: true\n';

function readDoc(file: string): ResultDocument {
  return JSON.parse(readFileSync(file, 'utf8')) as ResultDocument;
}

/** A real `zerodown run` whose deploy command causes a 503 outage of `outageMs`. */
function deployWithOutage(args: string[], outageMs: number, json: string): Promise<CliRun> {
  // The deploy lasts the outage and a little more, so settle sees the service back.
  const deploy = `await fetch('${server.controlUrl(503, outageMs)}'); await new Promise(r => setTimeout(r, ${outageMs + 300}))`;
  return runCli(
    [
      'run',
      '-u',
      server.url('/api'),
      '--rate',
      '100',
      '--warmup',
      '1s',
      '--settle',
      '1s',
      '--no-progress',
      '--json',
      json,
      ...args,
      '--',
      process.execPath,
      '-e',
      deploy,
    ],
    { env },
  );
}

async function countRuns(target: string, service: string): Promise<string[]> {
  const store = await openHistoryStore(target);
  try {
    return (await store.list({ service }, 1000)).map((r) => r.runId);
  } finally {
    await store.close();
  }
}

const engines: [string, () => Promise<string>][] = [
  ['SQLite', () => Promise.resolve(join(dir, 'sqlite', 'history.db'))],
  [
    'PostgreSQL',
    async () => {
      assert.ok(cluster, 'PostgreSQL 15 is installed (scripts/system-deps.sh postgresql-15)');
      const pg = (await import('pg')).default;
      const admin = new pg.Client({ connectionString: cluster.url });
      await admin.connect();
      await admin.query('CREATE DATABASE e2e');
      await admin.end();
      return cluster.url.replace(/\/postgres$/, '/e2e');
    },
  ],
];

for (const [engine, fresh] of engines) {
  describe(`history in ${engine}`, () => {
    const service = `shop-${engine.toLowerCase()}`;
    const config = join(dir, `${engine}.yml`);
    let target: string;
    const verdicts: Record<string, number | null> = {};

    before(async () => {
      target = await fresh();
      writeFileSync(config, CONFIG);
      await seedHistory(target, { service, agent: AGENT, count: 25, outageMs: [50, 150] });
    });

    test('a 1 s outage fails against the budget learned from 25 runs, naming it', async () => {
      const json = join(dir, `${engine}-1s.json`);
      const r = await deployWithOutage(
        ['-c', config, '--history', target, '--service', service],
        1000,
        json,
      );
      assert.equal(r.code, 1, r.stdout + r.stderr);
      verdicts.outage1s = r.code;
      const e = readDoc(json).endpoints[0]!;
      const key = `service=${service} endpoint=/api agent=${AGENT} connection=keepalive`;
      // 25 runs of 50…150 ms: P95 is the 24th smallest, 150 ms; budget 150 + 100 ms margin.
      assert.deepEqual(e.budgetSource, {
        kind: 'learned',
        runs: 25,
        percentile: 95,
        key,
        maxDowntimeMs: 250,
        learnedMs: 150,
        days: 21,
        from: engine === 'SQLite' ? 'sqlite' : 'postgres',
      });
      assert.equal(e.verdict, 'fail');
      assert.match(
        e.reason,
        new RegExp(
          `^1 window, (1(\\.\\d+)? s|9\\d\\d ms) down \\(503 x\\d+\\), over its learned budget of 250 ms \\(P95 of 25 runs, 21 days, of ${key}\\)$`,
        ),
      );
      assert.ok(r.stdout.includes(e.reason), 'the text report says it');
      assert.match(r.stderr, /run recorded in the history/);
      assert.equal((await countRuns(target, service)).length, 26);
    });

    test('a 100 ms outage passes within its learned budget', async () => {
      const json = join(dir, `${engine}-100ms.json`);
      const r = await deployWithOutage(
        ['-c', config, '--history', target, '--service', service],
        100,
        json,
      );
      assert.equal(r.code, 0, r.stdout + r.stderr);
      verdicts.outage100ms = r.code;
      const doc = readDoc(json);
      const e = doc.endpoints[0]!;
      assert.equal(doc.verdict, 'pass');
      // ±30 ms: one probe interval on each edge of the window plus timer jitter.
      assert.ok(Math.abs(e.downtime.totalMs - 100) <= 30, `${e.downtime.totalMs} ms`);
      // 26 runs now (the 1 s one among them): P95 is the 25th smallest, still 150 ms.
      assert.equal(e.budgetSource?.runs, 26);
      assert.equal(e.budgetSource?.maxDowntimeMs, 250);
      assert.match(
        e.reason,
        /down \(503 x\d+\), within its learned budget of 250 ms \(P95 of 26 runs, 21 days\)$/,
      );
    });

    test('history export → budget.file: the same verdicts, and nothing recorded', async () => {
      const budgets = join(dir, `${engine}-budgets.json`);
      const ex = await runCli(['history', 'export', '--history', target, '-o', budgets]);
      assert.equal(ex.code, 0, ex.stderr);
      const fileConfig = join(dir, `${engine}-file.yml`);
      writeFileSync(fileConfig, `budget:\n  maxDowntime: 5s\n  learn: true\n  file: ${budgets}\n`);
      const before = await countRuns(target, service);
      const codes: Record<string, number | null> = {};
      for (const [name, ms] of [
        ['outage1s', 1000],
        ['outage100ms', 100],
      ] as const) {
        const json = join(dir, `${engine}-file-${name}.json`);
        const r = await deployWithOutage(['-c', fileConfig, '--service', service], ms, json);
        codes[name] = r.code;
        const source = readDoc(json).endpoints[0]!.budgetSource!;
        assert.equal(source.from, 'file');
        assert.equal(source.kind, 'learned');
        assert.equal(source.maxDowntimeMs, 250);
        assert.doesNotMatch(r.stderr, /recorded/);
      }
      assert.deepEqual(codes, verdicts);
      assert.deepEqual(
        await countRuns(target, service),
        before,
        'budget.file alone records nothing',
      );
    });

    test('8 processes recording at once: every run is there exactly once', async () => {
      const many = `${service}-many`;
      const runs = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          runCli(
            [
              'probe',
              '-u',
              server.url('/many?token=s3cret'),
              '-u',
              server.url('/many2'),
              '--rate',
              '20',
              '--duration',
              '1s',
              '--no-progress',
              '--history',
              target,
              '--service',
              many,
              '--label',
              `run-${i}`,
            ],
            { env },
          ),
        ),
      );
      for (const r of runs) {
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stderr, /run recorded in the history/);
      }
      const store = await openHistoryStore(target);
      try {
        const listed = await store.list({ service: many }, 100);
        assert.equal(listed.length, 16, 'two endpoints of 8 runs');
        assert.equal(new Set(listed.map((r) => r.runId)).size, 8);
        // Stored as the result document has it: the secret query value masked.
        assert.ok(listed.every((r) => !r.url.includes('s3cret')));
        assert.ok(
          listed.some((r) => r.url.endsWith('/many?token=***')),
          listed[0]!.url,
        );
        assert.deepEqual(
          listed.map((r) => r.label).sort(),
          Array.from({ length: 8 }, (_, i) => [`run-${i}`, `run-${i}`])
            .flat()
            .sort(),
        );
      } finally {
        await store.close();
      }
    });

    test('zerodown history, history budgets, history prune', async () => {
      const list = await runCli(['history', '--history', target, '--service', service, '--json']);
      assert.equal(list.code, 0, list.stderr);
      const runs = JSON.parse(list.stdout) as { endpoint: string; downtimeMs: number }[];
      assert.equal(runs.length, 27);
      assert.ok(runs.every((r) => r.endpoint === '/api' && !('histogram' in r)));
      const text = await runCli([
        'history',
        '--history',
        target,
        '--service',
        service,
        '--since',
        '7d',
        '--limit',
        '3',
      ]);
      assert.equal(text.stdout.trim().split('\n').length, 4, text.stdout);
      const budgets = await runCli([
        'history',
        'budgets',
        '--history',
        target,
        '--service',
        service,
      ]);
      assert.equal(budgets.code, 0, budgets.stderr);
      assert.match(budgets.stdout, /rule: P99 of ≥ 100 runs, else P95 of ≥ 20 in 21 days/);
      assert.match(
        budgets.stdout,
        new RegExp(
          `service=${service} endpoint=/api agent=${AGENT} connection=keepalive\\s+27\\s+250 ms\\s+P95 150 ms \\+ margin`,
        ),
      );
      const prune = await runCli(['history', 'prune', '--history', target, '--older-than', '90d']);
      assert.equal(prune.code, 0, prune.stderr);
      assert.match(prune.stdout, /^0 endpoint runs older than/);
    });

    if (engine === 'PostgreSQL') {
      test('PostgreSQL stopped mid-run: the run keeps its verdict and says the write failed', async () => {
        const json = join(dir, 'pg-down.json');
        const running = runCli(
          [
            'probe',
            '-u',
            server.url('/api'),
            '--rate',
            '50',
            '--duration',
            '3s',
            '--no-progress',
            '-c',
            config,
            '--history',
            target,
            '--service',
            service,
            '--json',
            json,
          ],
          { env },
        );
        await new Promise((r) => setTimeout(r, 1500));
        cluster!.stop();
        try {
          const r = await running;
          assert.equal(r.code, 0, r.stdout + r.stderr);
          assert.match(r.stdout, /Verdict: PASS/);
          assert.match(
            r.stderr,
            /zerodown: history write failed \(postgres:\/\/\*\*\*@127\.0\.0\.1:\d+\/e2e\): .+; the run's verdict and result stand/,
          );
          const doc = readDoc(json);
          assert.equal(doc.verdict, 'pass');
          assert.equal(doc.endpoints[0]!.budgetSource?.kind, 'learned', 'read before it stopped');

          // Down from the start: the configured budget judges, and the result says why.
          const late = join(dir, 'pg-down-start.json');
          const r2 = await runCli(
            [
              'probe',
              '-u',
              server.url('/api'),
              '--duration',
              '500ms',
              '--no-progress',
              '-c',
              config,
              '--history',
              target,
              '--service',
              service,
              '--json',
              late,
            ],
            { env },
          );
          assert.equal(r2.code, 0, r2.stderr);
          assert.match(
            r2.stderr,
            /history unavailable \(postgres:\/\/\*\*\*@[^)]+\): .*ECONNREFUSED.*; judging by the configured budget/,
          );
          assert.match(r2.stderr, /history write failed/);
          const source = readDoc(late).endpoints[0]!.budgetSource!;
          assert.equal(source.kind, 'configured');
          assert.equal(source.maxDowntimeMs, 5000);
          assert.match(source.note ?? '', /^history unavailable: .*ECONNREFUSED/);
        } finally {
          cluster!.start();
        }
        assert.equal((await countRuns(target, service)).length, 27, 'neither was recorded');
      });
    }

    if (engine === 'SQLite') {
      test('latency far above history makes the endpoint degraded', async () => {
        const json = join(dir, 'slow.json');
        server.mode = { kind: 'slow', delayMs: 60 };
        try {
          const r = await runCli(
            [
              'probe',
              '-u',
              server.url('/api'),
              '--rate',
              '50',
              '--duration',
              '1500ms',
              '--no-progress',
              '-c',
              config,
              '--history',
              target,
              '--service',
              service,
              '--json',
              json,
            ],
            { env },
          );
          assert.equal(r.code, 0, r.stderr);
          const e = readDoc(json).endpoints[0]!;
          assert.equal(e.verdict, 'degraded');
          assert.match(
            e.reason,
            /degraded: latency far above its history: median 6\d(\.\d+)? ms against [\d.]+ ms in the last \d+ runs of service=/,
          );
          assert.match(r.stdout, /DEGRADED: .*latency far above its history/);
        } finally {
          server.mode = { kind: 'ok' };
        }
      });

      test('serve records each run and /metrics shows the learned budget', async () => {
        const before = (await countRuns(target, service)).length;
        const serve = await startServe(
          [
            '-u',
            server.url('/api'),
            '--rate',
            '50',
            '-c',
            config,
            '--history',
            target,
            '--service',
            service,
          ],
          env,
        );
        try {
          assert.equal((await fetch(`${serve.url}/start`, { method: 'POST' })).status, 200);
          await new Promise((r) => setTimeout(r, 800));
          const doc = (await (
            await fetch(`${serve.url}/stop`, { method: 'POST' })
          ).json()) as ResultDocument;
          assert.equal(doc.endpoints[0]!.budgetSource?.kind, 'learned');
          const budget = doc.endpoints[0]!.budgetSource.maxDowntimeMs! / 1000;
          const metrics = await (await fetch(`${serve.url}/metrics`)).text();
          assert.ok(
            metrics.includes(`zerodown_learned_budget_seconds{endpoint="/api"} ${budget}`),
            metrics
              .split('\n')
              .filter((l) => l.includes('learned'))
              .join('\n'),
          );
        } finally {
          assert.equal(await serve.stop(), 0, serve.output());
        }
        assert.match(serve.output(), /zerodown serve: run recorded in the history/);
        assert.equal((await countRuns(target, service)).length, before + 1);
      });
    }
  });
}
