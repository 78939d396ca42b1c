/**
 * Section 6 — run history: what recording costs a run, and how long reading a learned budget
 * takes with 100 000 endpoint runs stored, in SQLite (a temp file) and PostgreSQL 15 (a cluster
 * made in a temp folder on loopback, fsync on, stopped and removed at the end).
 *
 * The stored runs: one hot key (service, endpoint, agent, connection) with half of them, all in
 * the 21-day window (the worst case: a P99 over 50 000 runs), and 99 other endpoints sharing the
 * rest over 60 days (a typical key: a few hundred runs, under 200 in the window). Every record
 * carries a real result's incidents and HDR histogram.
 *
 * - record: a finished run of 3 endpoints as the CLI records it — open the store (schema check),
 *   one transaction, close — 50 times into the full database;
 * - budget query: the downtimes one key's budget is learned from (the query alone);
 * - plan: all a run reads before probing for one endpoint — budget, latency baseline (50 latest
 *   histograms merged), trend — with the store open, and with open and close as a run does.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { LEARN_DEFAULTS } from '../../src/history/learn.ts';
import { planHistory, storeBasis } from '../../src/history/plan.ts';
import { recordsOf, type RunRecord } from '../../src/history/record.ts';
import { recordRun } from '../../src/history/run-history.ts';
import { openHistoryStore, type HistoryStore } from '../../src/history/store.ts';
import type { ResultDocument } from '../../src/result.ts';
import { pastRunDocument } from '../../test/helpers/history.ts';
import { havePostgres, startPostgres, type PostgresCluster } from '../../test/helpers/postgres.ts';
import { fix, renderTable } from '../lib/table.ts';
import { makeTempDir } from '../lib/proc.ts';

const STORED = 100_000;
const BATCH = 1000;
const RECORD_TRIALS = 50;
const QUERY_TRIALS = 20;
const DAY = 86_400_000;

/** Milliseconds: median, p95, max of the trials. */
export interface Timing {
  median: number | null;
  p95: number | null;
  max: number | null;
}

/** One store's figures. */
export interface HistoryStoreFigures {
  engine: 'sqlite' | 'postgres';
  storedRuns: number;
  seedSeconds: number | null;
  /** Open, one transaction of a 3-endpoint run, close: what a CLI run pays. */
  recordMs: Timing;
  /** The same with the store kept open: the transaction alone. */
  recordOnlyMs: Timing;
  hot: KeyFigures;
  typical: KeyFigures;
  /** SQLite: the file's size with everything stored (WAL checkpointed). */
  fileMiB?: number | null;
}

/** Reading one key's budget. */
export interface KeyFigures {
  runsInWindow: number;
  budgetQueryMs: Timing;
  planMs: Timing;
  /** Open, plan, close: what a run pays before probing. */
  prepareMs: Timing;
}

/** Results of section 6. */
export interface HistoryBenchResult {
  stores: HistoryStoreFigures[];
  postgres: string | null;
}

/** Runs section 6. */
export async function runHistoryBench(log: (t: string) => void): Promise<HistoryBenchResult> {
  const dir = makeTempDir('zd-bench-history-');
  const stores: HistoryStoreFigures[] = [];
  log(`  SQLite: ${STORED} endpoint runs into ${join(dir, 'history.db')}…`);
  stores.push(await measure('sqlite', join(dir, 'history.db'), log));
  let cluster: PostgresCluster | undefined;
  let postgres: string | null = null;
  if (havePostgres()) {
    cluster = await startPostgres({ fsync: true });
    try {
      postgres = 'PostgreSQL 15 (Debian), loopback, fsync on';
      log(`  PostgreSQL: ${STORED} endpoint runs into ${cluster.url}…`);
      stores.push(await measure('postgres', cluster.url, log));
    } finally {
      cluster.destroy();
    }
  } else {
    log('  PostgreSQL: not installed (scripts/system-deps.sh postgresql-15): skipped');
  }
  return { stores, postgres };
}

async function measure(
  engine: 'sqlite' | 'postgres',
  target: string,
  log: (t: string) => void,
): Promise<HistoryStoreFigures> {
  const now = Date.now();
  const template = realisticRun(now);
  const store = await openHistoryStore(target);
  let seedSeconds: number | null;
  try {
    const t0 = performance.now();
    await seed(store, template, now);
    seedSeconds = fix((performance.now() - t0) / 1000, 1);
    log(`    seeded in ${seedSeconds} s`);
  } finally {
    await store.close();
  }

  const doc = threeEndpoints(template);
  const recordMs = await time(RECORD_TRIALS, async (i) => {
    const r = await recordRun(target, doc, {
      runId: `bench-cli-${i}`,
      service: 'bench',
      agent: 'ci-9',
      label: undefined,
    });
    if (!r.ok) throw new Error(r.message);
  });
  const open = await openHistoryStore(target);
  try {
    const recordOnlyMs = await time(RECORD_TRIALS, async (i) => {
      await open.record(
        recordsOf(doc, {
          runId: `bench-open-${i}`,
          service: 'bench',
          agent: 'ci-9',
          label: undefined,
        }),
      );
    });
    const hot = await keyFigures(
      open,
      target,
      { service: 'bench', endpoint: '/api', agent: 'ci-1', connection: 'keepalive' },
      now,
    );
    const typical = await keyFigures(
      open,
      target,
      { service: 'bench', endpoint: '/e7', agent: 'ci-2', connection: 'keepalive' },
      now,
    );
    log(`    hot key: ${hot.runsInWindow} runs in 21 days; typical key: ${typical.runsInWindow}`);
    const figures: HistoryStoreFigures = {
      engine,
      storedRuns: STORED + 2 * RECORD_TRIALS * 3,
      seedSeconds,
      recordMs,
      recordOnlyMs,
      hot,
      typical,
    };
    if (engine === 'sqlite') {
      await open.close();
      const checkpoint = await openHistoryStore(target); // the last close checkpoints the WAL
      await checkpoint.close();
      figures.fileMiB = fix(statSync(target).size / 1048576, 1);
    }
    return figures;
  } finally {
    await open.close();
  }
}

type Key = { service: string; endpoint: string; agent: string; connection: string };

async function keyFigures(
  store: HistoryStore,
  target: string,
  key: Key,
  now: number,
): Promise<KeyFigures> {
  const since = now - 21 * DAY;
  const runsInWindow = (await store.downtimes(key, since)).length;
  const endpoints = [{ key, rule: LEARN_DEFAULTS, configuredMs: undefined }];
  const budgetQueryMs = await time(QUERY_TRIALS, () => store.downtimes(key, since));
  const planMs = await time(QUERY_TRIALS, () => planHistory(endpoints, storeBasis(store), now));
  const prepareMs = await time(QUERY_TRIALS, async () => {
    const s = await openHistoryStore(target);
    try {
      await planHistory(endpoints, storeBasis(s), now);
    } finally {
      await s.close();
    }
  });
  return { runsInWindow, budgetQueryMs, planMs, prepareMs };
}

/** Half on the hot key in the last 21 days; the rest on 99 endpoints × 2 agents over 60 days. */
async function seed(store: HistoryStore, template: RunRecord, now: number): Promise<void> {
  let batch: RunRecord[] = [];
  for (let i = 0; i < STORED; i++) {
    const hot = i % 2 === 0;
    const j = i >> 1;
    const r: RunRecord = hot
      ? {
          ...template,
          runId: `seed-${i}`,
          endpoint: '/api',
          agent: 'ci-1',
          startedAtMs: now - ((j * 7919) % (21 * DAY - 1000)) - 1000,
        }
      : {
          ...template,
          runId: `seed-${i}`,
          endpoint: `/e${j % 99}`,
          agent: `ci-${1 + (j % 2)}`,
          startedAtMs: now - ((j * 104_729) % (60 * DAY)),
        };
    r.downtimeMs = (i * 37) % 400;
    batch.push(r);
    if (batch.length === BATCH) {
      await store.record(batch);
      batch = [];
    }
  }
  if (batch.length > 0) await store.record(batch);
}

/** A run as real ones look: 60 s at 100/s, a spread of latencies, a 120 ms outage. */
function realisticRun(now: number): RunRecord {
  const doc = pastRunDocument({
    startedAt: new Date(now),
    outageMs: 120,
    seconds: 60,
    latencyMs: (i) => 0.3 + ((i * 7919) % 1000) ** 2 / 20_000,
  });
  return recordsOf(doc, {
    runId: 'template',
    service: 'bench',
    agent: 'ci-1',
    label: './deploy.sh',
  })[0]!;
}

function threeEndpoints(template: RunRecord): ResultDocument {
  const doc = pastRunDocument({ startedAt: new Date(), outageMs: 120, seconds: 60 });
  const e = doc.endpoints[0]!;
  doc.endpoints = ['/api', '/e1', '/e2'].map((name) => ({
    ...e,
    name,
    histogram: template.histogram,
  }));
  return doc;
}

async function time(trials: number, work: (i: number) => Promise<unknown>): Promise<Timing> {
  const ms: number[] = [];
  for (let i = 0; i < trials; i++) {
    const t0 = performance.now();
    await work(i);
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  const at = (q: number) => ms[Math.min(ms.length - 1, Math.ceil(q * ms.length) - 1)]!;
  return { median: fix(at(0.5), 2), p95: fix(at(0.95), 2), max: fix(ms.at(-1), 2) };
}

/** Renders section 6. */
export function renderHistoryBench(r: HistoryBenchResult): string {
  const rows = r.stores.flatMap((s) => [
    [
      s.engine,
      'record a run (open, 3 endpoints, close)',
      null,
      s.recordMs.median,
      s.recordMs.p95,
      s.recordMs.max,
    ],
    [
      s.engine,
      'record a run (store open)',
      null,
      s.recordOnlyMs.median,
      s.recordOnlyMs.p95,
      s.recordOnlyMs.max,
    ],
    ...(['hot', 'typical'] as const).flatMap((k) => [
      [
        s.engine,
        `budget query, ${k} key`,
        s[k].runsInWindow,
        s[k].budgetQueryMs.median,
        s[k].budgetQueryMs.p95,
        s[k].budgetQueryMs.max,
      ],
      [
        s.engine,
        `plan an endpoint, ${k} key`,
        s[k].runsInWindow,
        s[k].planMs.median,
        s[k].planMs.p95,
        s[k].planMs.max,
      ],
      [
        s.engine,
        `open + plan + close, ${k} key`,
        s[k].runsInWindow,
        s[k].prepareMs.median,
        s[k].prepareMs.p95,
        s[k].prepareMs.max,
      ],
    ]),
  ]);
  const notes = r.stores.map(
    (s) =>
      `${s.engine}: ${s.storedRuns} endpoint runs stored, seeded in ${s.seedSeconds ?? '–'} s${s.fileMiB != null ? `, file ${s.fileMiB} MiB` : ''}`,
  );
  return [
    renderTable(['store', 'what', 'runs in window', 'median ms', 'p95 ms', 'max ms'], rows),
    '',
    ...notes,
    r.postgres ?? 'PostgreSQL: skipped (not installed)',
  ].join('\n');
}
