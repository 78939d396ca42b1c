/**
 * Learned budgets, pure parts: the percentile rule and its tiers, the fallback chain of keys, the
 * margin, the reason every report shows, the config, the latency check against history, and what
 * a run's record holds.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LatencyHistogram } from '../../src/analysis/histogram.ts';
import { judgeEndpoint } from '../../src/analysis/verdict.ts';
import { resolveConfig } from '../../src/config/resolve.ts';
import { validateConfig } from '../../src/config/load.ts';
import { isZerodownError } from '../../src/errors.ts';
import { parseAge } from '../../src/history/age.ts';
import {
  chooseBudget,
  keyText,
  LEARN_DEFAULTS,
  nearestRank,
  summarize,
  withMargin,
  type LearnRule,
} from '../../src/history/learn.ts';
import { planHistory, unavailable, type BudgetBasis } from '../../src/history/plan.ts';
import { recordsOf } from '../../src/history/record.ts';
import { latencyBaseline, latencyRegression } from '../../src/history/regression.ts';
import { learnRule } from '../../src/history/resolve.ts';
import { describeTarget } from '../../src/history/store.ts';
import { renderHtml } from '../../src/report/html.ts';
import { renderMarkdown } from '../../src/report/markdown.ts';
import { renderText } from '../../src/report/text.ts';
import type { BudgetSource, DowntimeWindow } from '../../src/result.ts';
import { pastRunDocument } from '../helpers/history.ts';

const FINE = { service: 'shop', endpoint: '/api', agent: 'ci-1', connection: 'keepalive' };
const COARSE = { service: 'shop', endpoint: '/api' };
const range = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, i) => f(i));

describe('the percentile rule', () => {
  test('nearest rank: the smallest value with at least p % at or below it', () => {
    const values = range(100, (i) => i + 1); // 1…100
    const cases: [number, number][] = [
      [99, 99],
      [95, 95],
      [50, 50],
      [100, 100],
      [0.5, 1],
    ];
    for (const [p, want] of cases) assert.equal(nearestRank(values, p), want, `P${p}`);
    assert.equal(nearestRank([7], 99), 7);
    assert.equal(nearestRank([], 99), undefined);
    // 25 runs: P95 is the 24th smallest (ceil(23.75)), not the largest.
    assert.equal(
      nearestRank(
        range(25, (i) => i * 10),
        95,
      ),
      230,
    );
  });

  test('tiers: P99 with ≥ 100 runs, else P95 with ≥ 20, else nothing', () => {
    const cases: [number, { percentile: number; valueMs: number } | undefined][] = [
      [120, { percentile: 99, valueMs: 1180 }],
      [100, { percentile: 99, valueMs: 980 }],
      [99, { percentile: 95, valueMs: 940 }],
      [20, { percentile: 95, valueMs: 180 }],
      [19, undefined],
      [0, undefined],
    ];
    for (const [n, tier] of cases) {
      const s = summarize('k', range(n, (i) => i * 10).reverse(), LEARN_DEFAULTS);
      assert.deepEqual(s, { key: 'k', runs: n, tier }, `${n} runs`);
    }
  });

  test('margin: max(value × 1.2, value + 100 ms), whole ms — a clean history still allows a blip', () => {
    const m = LEARN_DEFAULTS.margin;
    const cases: [number, number][] = [
      [0, 100],
      [146, 246],
      [500, 600],
      [501, 602],
      [1000, 1200],
      [342.5, 443],
    ];
    for (const [value, want] of cases) assert.equal(withMargin(value, m), want, `${value} ms`);
  });

  test('the chain: finer key, then coarser, then the configured budget with how far learning got', () => {
    const fine = keyText(FINE);
    const coarse = keyText(COARSE);
    assert.equal(fine, 'service=shop endpoint=/api agent=ci-1 connection=keepalive');
    assert.equal(coarse, 'service=shop endpoint=/api');
    assert.equal(
      keyText({ service: 'my shop', endpoint: 'a=b' }),
      'service="my shop" endpoint="a=b"',
    );
    const many = range(120, (i) => i);
    const some = range(25, (i) => 50 + i * 4);
    const few = range(12, () => 80);

    const fromFine = chooseBudget(
      [summarize(fine, many, LEARN_DEFAULTS)],
      5000,
      LEARN_DEFAULTS,
      'sqlite',
    );
    assert.deepEqual(fromFine.source, {
      kind: 'learned',
      runs: 120,
      percentile: 99,
      key: fine,
      maxDowntimeMs: 218,
      learnedMs: 118,
      days: 21,
      from: 'sqlite',
    });
    assert.equal(fromFine.maxDowntimeMs, 218, 'learned wins over the configured 5 s');

    const fromCoarse = chooseBudget(
      [summarize(fine, few, LEARN_DEFAULTS), summarize(coarse, some, LEARN_DEFAULTS)],
      undefined,
      LEARN_DEFAULTS,
    );
    assert.equal(fromCoarse.source.key, coarse);
    assert.equal(fromCoarse.source.percentile, 95);
    assert.equal(fromCoarse.source.runs, 25);
    assert.equal(fromCoarse.maxDowntimeMs, withMargin(142, LEARN_DEFAULTS.margin));

    const learning = chooseBudget(
      [summarize(fine, few, LEARN_DEFAULTS), summarize(coarse, few, LEARN_DEFAULTS)],
      5000,
      LEARN_DEFAULTS,
    );
    assert.deepEqual(learning, {
      maxDowntimeMs: 5000,
      source: {
        kind: 'configured',
        runs: 12,
        percentile: null,
        key: fine,
        maxDowntimeMs: 5000,
        days: 21,
        note: 'learning: 12 of 20 runs',
      },
    });
    const none = chooseBudget([summarize(fine, [], LEARN_DEFAULTS)], undefined, LEARN_DEFAULTS);
    assert.equal(none.maxDowntimeMs, undefined);
    assert.equal(none.source.maxDowntimeMs, null);
    assert.equal(none.source.note, 'learning: 0 of 20 runs');
  });

  test('a rule without a fallback tier needs its own minRuns', () => {
    const rule: LearnRule = { ...LEARN_DEFAULTS, percentile: 90, minRuns: 30, fallback: undefined };
    assert.equal(
      summarize(
        'k',
        range(29, () => 1),
        rule,
      ).tier,
      undefined,
    );
    assert.deepEqual(
      summarize(
        'k',
        range(30, (i) => i),
        rule,
      ).tier,
      { percentile: 90, valueMs: 26 },
    );
    const c = chooseBudget(
      [
        summarize(
          'k',
          range(29, () => 1),
          rule,
        ),
      ],
      0,
      rule,
    );
    assert.equal(c.source.note, 'learning: 29 of 30 runs');
  });
});

describe('the reason names the budget and its history', () => {
  const window: DowntimeWindow = {
    startMs: 1000,
    endMs: 1000 + 300,
    durationMs: 300,
    open: false,
    failures: 30,
    errorCodes: { '503': 30 },
  };
  const learned: BudgetSource = {
    kind: 'learned',
    runs: 120,
    percentile: 99,
    key: keyText(FINE),
    maxDowntimeMs: 410,
    learnedMs: 342,
    days: 21,
  };

  test('within, over, no downtime; configured while learning', () => {
    const judge = (totalMs: number, source: BudgetSource, maxDowntimeMs: number | undefined) =>
      judgeEndpoint(
        totalMs === 0 ? [] : [{ ...window, durationMs: totalMs, endMs: 1000 + totalMs }],
        [],
        totalMs,
        { maxDowntimeMs, source },
      );
    assert.deepEqual(judge(300, learned, 410), {
      verdict: 'pass',
      reason:
        '1 window, 300 ms down (503 x30), within its learned budget of 410 ms (P99 of 120 runs, 21 days)',
    });
    assert.deepEqual(judge(1010, learned, 410), {
      verdict: 'fail',
      reason:
        '1 window, 1.01 s down (503 x30), over its learned budget of 410 ms (P99 of 120 runs, 21 days, ' +
        'of service=shop endpoint=/api agent=ci-1 connection=keepalive)',
    });
    assert.deepEqual(judge(0, learned, 410), {
      verdict: 'pass',
      reason: 'no downtime, within its learned budget of 410 ms (P99 of 120 runs, 21 days)',
    });
    const configured: BudgetSource = {
      kind: 'configured',
      runs: 12,
      percentile: null,
      key: keyText(FINE),
      maxDowntimeMs: 5000,
      days: 21,
      note: 'learning: 12 of 20 runs',
    };
    assert.equal(
      judge(300, configured, 5000).reason,
      '1 window, 300 ms down (503 x30), within the budget of 5 s (configured; learning: 12 of 20 runs)',
    );
    const nothing = { ...configured, maxDowntimeMs: null };
    assert.deepEqual(judge(300, nothing, undefined), {
      verdict: 'fail',
      reason:
        '1 window, 300 ms down (503 x30), no budget learned yet and none configured (learning: 12 of 20 runs)',
    });
    // Without history, the reason is as it always was.
    assert.equal(
      judgeEndpoint([window], [], 300, { maxDowntimeMs: 5000 }).reason,
      '1 window, 300 ms down (503 x30), within the budget of 5 s',
    );
  });

  test('text, Markdown and HTML show it, also with no downtime', () => {
    const doc = pastRunDocument({ startedAt: new Date('2026-11-21T10:00:00Z'), outageMs: 0 });
    const e = doc.endpoints[0]!;
    e.budgetSource = learned;
    e.reason = judgeEndpoint([], [], 0, { maxDowntimeMs: 410, source: learned }).reason;
    e.history = [
      { startedAt: '2026-11-20T10:00:00.000Z', downtimeMs: 120, verdict: 'pass' },
      { startedAt: '2026-11-20T12:00:00.000Z', downtimeMs: 900, verdict: 'fail' },
    ];
    const phrase = 'within its learned budget of 410 ms (P99 of 120 runs, 21 days)';
    assert.ok(renderText(doc).includes(`OK: no downtime, ${phrase}`));
    assert.ok(renderMarkdown(doc).includes(`- **/api:** no downtime, ${phrase}`));
    const html = renderHtml(doc);
    assert.ok(html.includes(phrase));
    assert.match(
      html,
      /<svg class="zd-trend"[^>]*aria-label="Downtime of the last 3 runs of \/api/,
    );
    assert.equal((html.match(/<rect /g) ?? []).length, 3, 'two past runs and this one');
  });
});

describe('the config', () => {
  const url = 'http://127.0.0.1:8080/api';
  const resolve = (tree: unknown, overrides = {}) => resolveConfig(validateConfig(tree), overrides);

  test('history is off unless asked for; learning alone uses .zerodown/history.db', () => {
    assert.equal(resolve({ endpoints: [{ url }] }).history, undefined);
    assert.equal(resolve({ endpoints: [{ url }], service: 'shop' }).history, undefined);
    const h = resolve({ endpoints: [{ url }], budget: { learn: true } }).history!;
    assert.equal(h.target, '.zerodown/history.db');
    assert.equal(h.service, '127.0.0.1', 'the default service: the host of the first URL');
    assert.deepEqual(h.learn, [LEARN_DEFAULTS]);
    const given = resolve(
      { endpoints: [{ url }], history: { url: 'postgres://db/h', service: 'shop', label: 'v2' } },
      { service: 'cart', label: undefined },
    ).history!;
    assert.deepEqual(
      { target: given.target, service: given.service, label: given.label, learn: given.learn },
      { target: 'postgres://db/h', service: 'cart', label: 'v2', learn: [undefined] },
    );
    assert.equal(
      resolve({ endpoints: [{ url }], history: 'h.db' }, { history: 'other.db' }).history!.target,
      'other.db',
    );
  });

  test('budget.file alone records nothing; with history: it records there', () => {
    const fileOnly = resolve({ endpoints: [{ url }], budget: { learn: true, file: 'b.json' } });
    assert.equal(fileOnly.history!.target, undefined);
    assert.equal(fileOnly.history!.file, 'b.json');
    const both = resolve({
      endpoints: [{ url }],
      history: 'h.db',
      budget: { file: 'b.json', learn: true },
    });
    assert.equal(both.history!.target, 'h.db');
  });

  test('per endpoint: its own learn over the global one', () => {
    const h = resolve({
      endpoints: [
        { url, name: 'a' },
        { url, name: 'b', budget: { learn: false } },
        { url, name: 'c', budget: { learn: { percentile: 90, minRuns: 50 } } },
      ],
      budget: { learn: { days: 7, margin: { ratio: 0.5, min: '50ms' }, latency: false } },
    }).history!;
    assert.equal(h.learn[0]!.days, 7);
    assert.deepEqual(h.learn[0]!.margin, { ratio: 0.5, minMs: 50 });
    assert.equal(h.learn[0]!.latency, undefined);
    assert.equal(h.learn[1], undefined);
    assert.equal(h.learn[2]!.percentile, 90);
    assert.equal(h.learn[2]!.minRuns, 50);
    assert.equal(h.learn[2]!.days, 7, 'the rest from the global rule');
    const onlyOne = resolve({
      endpoints: [
        { url, name: 'a' },
        { url, name: 'b', budget: { learn: true } },
      ],
    });
    assert.deepEqual(onlyOne.history!.learn, [undefined, LEARN_DEFAULTS]);
    assert.equal(learnRule({ fallback: false }, undefined)!.fallback, undefined);
  });

  test('mistakes name their field', () => {
    const cases: [unknown, RegExp][] = [
      [{ budget: { learn: { percentile: 0 } } }, /^budget\.learn/],
      [{ budget: { learn: { days: -1 } } }, /^budget\.learn/],
      [
        { budget: { learn: { minRuns: 10, fallback: { percentile: 95, minRuns: 20 } } } },
        /^budget\.learn\.fallback\.minRuns: 20 is more than minRuns/,
      ],
      [{ history: { url: 'h.db', servce: 'x' } }, /^history/],
      [{ history: { service: 'a' }, service: 'b' }, /^history\.service: differs from service/],
      [
        { endpoints: [{ url, budget: { maxDowntime: '1s' } }] },
        /^endpoints\[0\]\.budget\.maxDowntime: unknown key/,
      ],
    ];
    for (const [tree, message] of cases) {
      assert.throws(
        () => resolve({ endpoints: [{ url }], ...(tree as object) }),
        (err) => isZerodownError(err, 'ZD_CONFIG_INVALID') && message.test(err.message),
        JSON.stringify(tree),
      );
    }
  });

  test('ages and targets', () => {
    assert.equal(parseAge('7d'), 7 * 86_400_000);
    assert.equal(parseAge('2w'), 14 * 86_400_000);
    assert.equal(parseAge('12h'), 12 * 3_600_000);
    assert.equal(parseAge('90'), undefined, 'a bare number: no unit');
    assert.equal(parseAge('90d'), 90 * 86_400_000, 'longer than a duration may be');
    assert.equal(parseAge('3x'), undefined);
    assert.equal(describeTarget('postgres://ci:s3cret@db:5432/zd'), 'postgres://***@db:5432/zd');
    assert.equal(describeTarget('.zerodown/history.db'), '.zerodown/history.db');
  });
});

describe('latency far above history', () => {
  const rule = LEARN_DEFAULTS.latency!;
  const histogramOf = (values: number[]) => {
    const h = new LatencyHistogram();
    for (const v of values) h.recordMs(v);
    return h.encode();
  };
  const fast = histogramOf(range(5000, (i) => 1 + (i % 100) / 50)); // 1–3 ms
  const baseline = latencyBaseline(
    'service=shop endpoint=/api',
    { runs: 25, histogram: fast },
    rule,
  )!;
  const current = (values: number[]) => {
    const doc = pastRunDocument({ startedAt: new Date(), outageMs: 0 });
    const e = doc.endpoints[0]!;
    e.histogram = histogramOf(values);
    return e;
  };

  test('quantiles keep the shape', () => {
    const q = new LatencyHistogram(fast).quantilesMs(500);
    assert.equal(q.length, 500);
    assert.ok(
      q.every((v, i) => i === 0 || v >= q[i - 1]!),
      'ascending',
    );
    assert.ok(Math.abs(q[250]! - 2) < 0.05, `median about 2 ms: ${q[250]}`);
    assert.equal(new LatencyHistogram(histogramOf([5, 6])).quantilesMs(500).length, 2);
  });

  test('a slower median far above history is a regression, named with its history', () => {
    const slow = latencyRegression(current(range(400, (i) => 40 + (i % 20))), baseline);
    assert.match(
      slow ?? '',
      /^latency far above its history: median 4\d(\.\d+)? ms against [12](\.\d+)? ms in the last 25 runs of service=shop endpoint=\/api \(Mann-Whitney p = .+\)$/,
    );
  });

  test('not when the shift is small in ratio or in milliseconds, or there are too few probes', () => {
    assert.equal(
      latencyRegression(current(range(400, (i) => 1 + (i % 100) / 50)), baseline),
      undefined,
    );
    // 2.5× slower, but 3 ms more: the jitter of a busy machine, not "far above".
    assert.equal(
      latencyRegression(current(range(400, (i) => 4 + (i % 20) / 10)), baseline),
      undefined,
    );
    assert.equal(latencyRegression(current(range(5, () => 80)), baseline), undefined);
  });
});

describe('what a run records', () => {
  const doc = pastRunDocument({ startedAt: new Date('2026-11-21T10:00:00Z'), outageMs: 120 });
  const ctx = { runId: 'r1', service: 'shop', agent: 'ci-1', label: undefined };

  test('one record per probed endpoint, keyed, with the redacted URL and the histogram', () => {
    const [r, ...rest] = recordsOf(doc, ctx);
    assert.equal(rest.length, 0);
    const e = doc.endpoints[0]!;
    assert.deepEqual(
      { ...r!, incidents: r!.incidents.length },
      {
        runId: 'r1',
        service: 'shop',
        endpoint: '/api',
        agent: 'ci-1',
        connection: 'keepalive',
        label: './deploy.sh',
        url: e.url,
        startedAtMs: Date.parse('2026-11-21T10:00:00Z'),
        durationMs: 4000,
        runVerdict: 'fail',
        verdict: 'fail',
        downtimeMs: 120,
        windows: 1,
        incidents: 1,
        requests: 400,
        errors: 12,
        p50Ms: e.percentiles['50'],
        p90Ms: e.percentiles['90'],
        p95Ms: e.percentiles['95'],
        p99Ms: e.percentiles['99'],
        histogram: e.histogram,
        budgetKind: null,
        budgetMs: null,
        toolVersion: '0.1.0',
      },
    );
    assert.equal(recordsOf(doc, { ...ctx, label: 'v2.1' })[0]!.label, 'v2.1');
  });

  test('nothing for a live document or an endpoint never probed', () => {
    assert.deepEqual(recordsOf({ ...doc, running: true }, ctx), []);
    const unprobed = { ...doc, endpoints: [{ ...doc.endpoints[0]!, totalRequests: 0 }] };
    assert.deepEqual(recordsOf(unprobed, ctx), []);
  });
});

describe('planning a run', () => {
  const basis = (downtimes: Record<string, number[]>): BudgetBasis => ({
    from: 'sqlite',
    downtimes: (key) => Promise.resolve(downtimes[keyText(key)] ?? []),
    latency: () => Promise.resolve(undefined),
    trend: () => Promise.resolve([]),
  });
  const endpoints = [
    { key: FINE, rule: LEARN_DEFAULTS, configuredMs: 5000 },
    { key: { ...FINE, endpoint: '/b' }, rule: undefined, configuredMs: 5000 },
  ];

  test('each learning endpoint gets its budget; the others none', async () => {
    const plan = await planHistory(
      endpoints,
      basis({ [keyText(COARSE)]: range(30, () => 100) }),
      0,
    );
    assert.equal(plan.budgets[0]!.maxDowntimeMs, 200);
    assert.equal(plan.budgets[0]!.source.key, keyText(COARSE));
    assert.equal(plan.budgets[1], undefined);
  });

  test('history unavailable: the configured budget, saying why', () => {
    const plan = unavailable(endpoints, 'history unavailable: connect ECONNREFUSED', 'postgres');
    assert.deepEqual(plan.budgets[0], {
      maxDowntimeMs: 5000,
      source: {
        kind: 'configured',
        runs: 0,
        percentile: null,
        key: keyText(FINE),
        maxDowntimeMs: 5000,
        days: 21,
        note: 'history unavailable: connect ECONNREFUSED',
        from: 'postgres',
      },
    });
  });
});
