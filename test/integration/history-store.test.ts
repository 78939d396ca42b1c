/**
 * The history store against real databases: a SQLite file and a PostgreSQL 15 cluster made for
 * this file (temp folder, loopback, stopped and removed at the end). Migrations that run
 * themselves (also from many openers at once), recording exactly once, the queries budgets are
 * learned from, listing, pruning, a schema from a newer zerodown, and an exported budget file
 * giving the same budgets as the database.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { isZerodownError } from '../../src/errors.ts';
import { exportBudgets, fileBasis } from '../../src/history/budget-file.ts';
import { keyText, LEARN_DEFAULTS } from '../../src/history/learn.ts';
import { planHistory, storeBasis } from '../../src/history/plan.ts';
import { recordsOf } from '../../src/history/record.ts';
import { openHistoryStore } from '../../src/history/store.ts';
import { pastRunDocument, seedHistory } from '../helpers/history.ts';
import { havePostgres, startPostgres, type PostgresCluster } from '../helpers/postgres.ts';

const dir = mkdtempSync(join(tmpdir(), 'zd-history-store-'));
let cluster: PostgresCluster | undefined;
let databases = 0;

before(async () => {
  if (havePostgres()) cluster = await startPostgres();
});
after(() => {
  cluster?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

/** A fresh, empty database of each kind. */
const engines: [string, () => Promise<string>][] = [
  ['SQLite', () => Promise.resolve(join(dir, `n${++databases}`, 'history.db'))],
  [
    'PostgreSQL',
    async () => {
      assert.ok(cluster, 'PostgreSQL 15 is installed (scripts/system-deps.sh postgresql-15)');
      const name = `h${++databases}`;
      const admin = await openPg(cluster.url);
      await admin.query(`CREATE DATABASE ${name}`);
      await admin.end();
      return cluster.url.replace(/\/postgres$/, `/${name}`);
    },
  ],
];

async function openPg(url: string) {
  const pg = (await import('pg')).default;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return client;
}

const NOW = Date.parse('2026-11-21T12:00:00Z');
const DAY = 86_400_000;

for (const [engine, fresh] of engines) {
  describe(`the ${engine} store`, () => {
    test('migrates itself once, also when 8 open a new database at once', async () => {
      const target = await fresh();
      const stores = await Promise.all(Array.from({ length: 8 }, () => openHistoryStore(target)));
      await Promise.all(stores.map((s) => s.close()));
      const again = await openHistoryStore(target);
      await again.close();
      assert.deepEqual(await versions(target), [1]);
    });

    test('records each run exactly once, and reads back what budgets are learned from', async () => {
      const target = await fresh();
      const store = await openHistoryStore(target);
      try {
        const at = (daysAgo: number) => new Date(NOW - daysAgo * DAY);
        const ctx = { service: 'shop', agent: 'ci-1', label: undefined };
        const runs = [
          { id: 'a', days: 1, outageMs: 100, agent: 'ci-1' },
          { id: 'b', days: 2, outageMs: 200, agent: 'ci-2' },
          { id: 'c', days: 30, outageMs: 300, agent: 'ci-1' },
        ];
        for (const r of runs) {
          const doc = pastRunDocument({ startedAt: at(r.days), outageMs: r.outageMs });
          const records = recordsOf(doc, { ...ctx, runId: r.id, agent: r.agent });
          assert.equal(await store.record(records), 1);
          assert.equal(await store.record(records), 0, 'the same run again: kept once');
        }
        const interrupted = pastRunDocument({ startedAt: at(1), outageMs: 900 });
        interrupted.verdict = 'interrupted';
        await store.record(recordsOf(interrupted, { ...ctx, runId: 'd' }));

        const fine = { service: 'shop', endpoint: '/api', agent: 'ci-1', connection: 'keepalive' };
        const since = NOW - 21 * DAY;
        assert.deepEqual(await store.downtimes(fine, since), [100], 'judged runs of the finer key');
        assert.deepEqual(
          (await store.downtimes({ service: 'shop', endpoint: '/api' }, since)).sort(),
          [100, 200],
          'the coarser key: any agent',
        );
        assert.deepEqual((await store.downtimes(fine, 0)).sort(), [100, 300]);
        assert.equal(
          (await store.histograms({ service: 'shop', endpoint: '/api' }, 0, 2)).length,
          2,
        );

        const listed = await store.list({}, 10);
        // Newest first; of two at the same time, the one recorded last.
        assert.deepEqual(
          listed.map((r) => [r.runId, r.startedAtMs]),
          [
            ['d', at(1).getTime()],
            ['a', at(1).getTime()],
            ['b', at(2).getTime()],
            ['c', at(30).getTime()],
          ],
        );
        const a = listed.find((r) => r.runId === 'a')!;
        assert.equal(a.incidents.length, 1);
        assert.equal(a.incidents[0]!.durationMs, 100);
        assert.equal(a.label, './deploy.sh');
        assert.equal((await store.list({ sinceMs: since, service: 'shop' }, 10)).length, 3);
        assert.equal((await store.list({ endpoint: '/other' }, 10)).length, 0);
        assert.deepEqual(await store.keys({ sinceMs: 0 }), [
          { key: fine, runs: 2 },
          { key: { ...fine, agent: 'ci-2' }, runs: 1 },
        ]);

        assert.equal(await store.prune(NOW - 21 * DAY), 1);
        assert.equal((await store.list({}, 10)).length, 3);
      } finally {
        await store.close();
      }
    });

    test('an exported budget file gives the budgets the database gives', async () => {
      const target = await fresh();
      await seedHistory(target, {
        service: 'shop',
        agent: 'ci-1',
        count: 25,
        outageMs: [50, 150],
        nowMs: NOW,
      });
      await seedHistory(target, {
        service: 'shop',
        agent: 'ci-2',
        count: 5,
        outageMs: [400, 500],
        nowMs: NOW,
      });
      const store = await openHistoryStore(target);
      const endpoints = ['ci-1', 'ci-2', 'ci-3'].map((agent) => ({
        key: { service: 'shop', endpoint: '/api', agent, connection: 'keepalive' },
        rule: LEARN_DEFAULTS,
        configuredMs: 5000,
      }));
      try {
        const fromDb = await planHistory(endpoints, storeBasis(store), NOW);
        const file = join(dir, `budgets-${engine}.json`);
        writeFileSync(file, JSON.stringify(await exportBudgets(store, {}, LEARN_DEFAULTS, NOW)));
        const fromFile = await planHistory(endpoints, fileBasis(file), NOW);
        const strip = (p: typeof fromDb) =>
          p.budgets.map((b) => ({ ...b, source: { ...b!.source, from: undefined } }));
        assert.deepEqual(strip(fromFile), strip(fromDb));
        const [ci1, ci2, ci3] = fromDb.budgets;
        // ci-1: 25 runs of 50…150 ms; P95 is the 24th smallest, 150 ms: budget 150 + 100 ms.
        assert.equal(ci1!.source.key, keyText(endpoints[0]!.key));
        assert.equal(ci1!.source.percentile, 95);
        assert.equal(ci1!.source.runs, 25);
        assert.equal(ci1!.maxDowntimeMs, 250);
        // ci-2 has 5 runs of its own: the coarser key's 30 runs set its budget.
        assert.equal(ci2!.source.key, 'service=shop endpoint=/api');
        assert.equal(ci2!.source.runs, 30);
        assert.equal(ci3!.source.key, 'service=shop endpoint=/api');
        assert.ok(fromDb.latency[0] && fromFile.latency[0], 'latency baselines from both');
        assert.deepEqual(fromFile.latency[0].sampleMs, fromDb.latency[0].sampleMs);
      } finally {
        await store.close();
      }
    });

    test('a database made by a newer zerodown is refused, not changed', async () => {
      const target = await fresh();
      await (await openHistoryStore(target)).close();
      await setVersion(target, 7);
      await assert.rejects(openHistoryStore(target), (err) => {
        return (
          isZerodownError(err, 'ZD_HISTORY') &&
          /schema version 7, newer than this zerodown knows \(1\)/.test(err.message)
        );
      });
    });
  });
}

async function versions(target: string): Promise<number[]> {
  if (target.startsWith('postgres')) {
    const c = await openPg(target);
    const r = await c.query<{ version: number }>('SELECT version FROM zerodown_schema_version');
    await c.end();
    return r.rows.map((row) => row.version);
  }
  const { DatabaseSync } = await import('node:sqlite');
  const db = new DatabaseSync(target);
  const rows = db.prepare('SELECT version FROM zerodown_schema_version').all();
  db.close();
  return rows.map((r) => Number(r.version));
}

async function setVersion(target: string, version: number): Promise<void> {
  if (target.startsWith('postgres')) {
    const c = await openPg(target);
    await c.query('INSERT INTO zerodown_schema_version (version) VALUES ($1)', [version]);
    await c.end();
    return;
  }
  const { DatabaseSync } = await import('node:sqlite');
  const db = new DatabaseSync(target);
  db.prepare('INSERT INTO zerodown_schema_version (version) VALUES (?)').run(version);
  db.close();
}
