import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  compareErrorRates,
  compareLatencies,
  fisherExactTest,
  LatencySample,
  logChoose,
  logFactorial,
  mannWhitneyTest,
  normalUpperTail,
  type ProbeCounts,
} from '../../src/guard/compare.ts';
import { mulberry32 } from '../helpers/random.ts';

/** `n` lognormal latencies (median `medianMs`, log-sd `sigma`) by Box-Muller. */
function lognormalMs(random: () => number, n: number, medianMs = 100, sigma = 0.5): number[] {
  return Array.from({ length: n }, () => {
    const z = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    return medianMs * Math.exp(sigma * z);
  });
}

/** 0/1 error indicators: `failures` ones spread evenly among `total` probes. */
function indicators(failures: number, total: number): number[] {
  return Array.from({ length: total }, (_, i) =>
    Math.floor(((i + 1) * failures) / total) > Math.floor((i * failures) / total) ? 1 : 0,
  );
}

function closeTo(actual: number, expected: number, relTol: number, label = ''): void {
  const err = Math.abs(actual - expected) / Math.max(Math.abs(expected), 1e-300);
  assert.ok(err <= relTol, `${label} ${actual} vs ${expected} (relative error ${err})`);
}

function bigChoose(n: number, k: number): bigint {
  let r = 1n;
  for (let i = 1; i <= k; i++) r = (r * BigInt(n - k + i)) / BigInt(i);
  return r;
}

/** num/den as a double, via 20+ significant digits of the exact quotient. */
function bigRatio(num: bigint, den: bigint): number {
  if (num === 0n) return 0;
  const shift = den.toString().length - num.toString().length + 20;
  return Number(`${(num * 10n ** BigInt(shift)) / den}e-${shift}`);
}

/** Fisher's one-sided p by summing the hypergeometric tail in exact integers. */
function fisherBrute(canary: ProbeCounts, baseline: ProbeCounts): number {
  const population = canary.total + baseline.total;
  const failures = canary.failures + baseline.failures;
  let num = 0n;
  for (let x = canary.failures; x <= Math.min(failures, canary.total); x++) {
    num += bigChoose(failures, x) * bigChoose(population - failures, canary.total - x);
  }
  return bigRatio(num, bigChoose(population, canary.total));
}

/** P(U ≥ u) by enumerating every split of the pooled midranks (small samples only). */
function mannWhitneyBrute(canary: readonly number[], baseline: readonly number[]): number {
  const pooled = [...canary, ...baseline];
  const rank = (v: number): number =>
    pooled.filter((w) => w < v).length + (pooled.filter((w) => w === v).length + 1) / 2;
  const ranks = pooled.map(rank);
  const observed = canary.reduce((s, v) => s + rank(v), 0);
  let atLeast = 0;
  let all = 0;
  const walk = (from: number, left: number, sum: number): void => {
    if (left === 0) {
      all++;
      if (sum >= observed - 1e-9) atLeast++;
      return;
    }
    for (let i = from; i <= ranks.length - left; i++) walk(i + 1, left - 1, sum + ranks[i]!);
  };
  walk(0, canary.length, 0);
  return atLeast / all;
}

/** Hodges-Lehmann shift: the median of all canary − baseline differences. */
function hodgesLehmann(canary: readonly number[], baseline: readonly number[]): number {
  const d = Float64Array.from(canary.flatMap((c) => baseline.map((b) => c - b))).sort();
  const mid = d.length >> 1;
  return d.length % 2 === 1 ? d[mid]! : (d[mid - 1]! + d[mid]!) / 2;
}

describe('numeric building blocks', () => {
  test('logFactorial matches exact values on both sides of the Stirling switch', () => {
    const cases: [number, number][] = [
      [0, 0],
      [1, 0],
      [5, Math.log(120)],
      [19, 39.339884187199495],
      [20, 42.335616460753485],
      [170, 706.5730622457874],
      [1e6, 12815518.384658169],
    ];
    for (const [n, expected] of cases) closeTo(logFactorial(n), expected, 1e-14, `ln ${n}!`);
  });
  test('logChoose', () => {
    closeTo(logChoose(8, 4), Math.log(70), 1e-14);
    closeTo(logChoose(100, 3), Math.log(161700), 1e-14);
    assert.equal(logChoose(7, 0), 0);
  });
  test('normalUpperTail against reference values (scipy.stats.norm.sf)', () => {
    const cases: [number, number][] = [
      [0, 0.5],
      [1.96, 0.024997895148220435],
      [3, 0.0013498980316300933],
      [5, 2.866515718791933e-7],
      [10, 7.61985302416047e-24],
      [20, 2.7536241186061556e-89],
      [-1.96, 1 - 0.024997895148220435],
    ];
    for (const [z, expected] of cases) closeTo(normalUpperTail(z), expected, 1e-8, `z=${z}`);
    assert.equal(normalUpperTail(40), 0);
  });
});

describe("Fisher's exact test, one-sided", () => {
  // [label, canary, baseline, p]: scipy.stats.fisher_exact(..., alternative='greater').
  const references: [string, ProbeCounts, ProbeCounts, number][] = [
    ['tea tasting [[3,1],[1,3]]', { failures: 3, total: 4 }, { failures: 1, total: 4 }, 17 / 70],
    [
      'dieting [[11,3],[1,9]]',
      { failures: 11, total: 14 },
      { failures: 1, total: 10 },
      0.0013797280926100418,
    ],
    ['3/50 vs 0/50', { failures: 3, total: 50 }, { failures: 0, total: 50 }, 0.12121212121212122],
    [
      '2/2000 vs 2/2000',
      { failures: 2, total: 2000 },
      { failures: 2, total: 2000 },
      0.6875938086347957,
    ],
    [
      '30/2000 vs 0/2000',
      { failures: 30, total: 2000 },
      { failures: 0, total: 2000 },
      8.346785686293292e-10,
    ],
    [
      '100/2000 vs 0/2000',
      { failures: 100, total: 2000 },
      { failures: 0, total: 2000 },
      2.217131201972512e-31,
    ],
  ];
  for (const [label, canary, baseline, expected] of references) {
    test(`reference: ${label}`, () => {
      closeTo(fisherExactTest(canary, baseline).pValue, expected, 1e-11);
    });
  }

  test('totals near 1e6 (scipy.stats.hypergeom.sf) to about 1e-9', () => {
    const cases: [ProbeCounts, ProbeCounts, number][] = [
      [{ failures: 1100, total: 1e6 }, { failures: 1000, total: 1e6 }, 0.01531653887463175],
      [{ failures: 520, total: 5e5 }, { failures: 480, total: 5e5 }, 0.1086091065308989],
    ];
    for (const [canary, baseline, expected] of cases) {
      closeTo(fisherExactTest(canary, baseline).pValue, expected, 1e-8);
    }
  });

  test('matches exact integer arithmetic across a grid of tables', () => {
    const totals = [1, 7, 40, 300];
    for (const n1 of totals) {
      for (const n0 of totals) {
        for (const a of new Set([0, 1, Math.floor(n1 / 3), n1])) {
          for (const b of new Set([0, 1, Math.floor(n0 / 2), n0])) {
            const canary = { failures: a, total: n1 };
            const baseline = { failures: b, total: n0 };
            const label = `${a}/${n1} vs ${b}/${n0}`;
            closeTo(
              fisherExactTest(canary, baseline).pValue,
              fisherBrute(canary, baseline),
              1e-11,
              label,
            );
          }
        }
      }
    }
  });

  test('mid-p is P(X > a) + ½·P(X = a): 9/70 for the tea table', () => {
    const r = fisherExactTest({ failures: 3, total: 4 }, { failures: 1, total: 4 });
    closeTo(r.midPValue, 9 / 70, 1e-12);
  });

  test('large totals stay fast (O(min margin), early stop)', () => {
    const started = performance.now();
    for (let i = 0; i < 200; i++) {
      fisherExactTest(
        { failures: 250_000 + i, total: 500_000 },
        { failures: 250_000, total: 500_000 },
      );
    }
    assert.ok(performance.now() - started < 1000, 'took over 1 s for 200 tests at 1e6 probes');
  });
});

describe('compareErrorRates', () => {
  // [label, baseline, canary, options, verdict, reason fragment]
  const cases: [string, ProbeCounts, ProbeCounts, object, string, RegExp][] = [
    [
      '5% errors vs a clean baseline, 2000 probes each',
      { failures: 0, total: 2000 },
      { failures: 100, total: 2000 },
      {},
      'fail',
      /canary 5\.00% vs baseline 0\.00% errors \(\+5\.00 points\), p = 2\.2e-31 < 0\.01/,
    ],
    [
      'identical 0.1% error rates',
      { failures: 2, total: 2000 },
      { failures: 2, total: 2000 },
      {},
      'pass',
      /no significant rise \(p = 0\.69\)/,
    ],
    [
      '3 of 50 vs 0 of 50: too few probes to see a 1-point rise',
      { failures: 0, total: 50 },
      { failures: 3, total: 50 },
      {},
      'inconclusive',
      /too few probes .*even 1 canary failure would give p = 0\.5/,
    ],
    [
      'clean vs clean at 500 probes each cannot yet rule out a 1-point rise',
      { failures: 0, total: 500 },
      { failures: 0, total: 500 },
      {},
      'inconclusive',
      /too few probes/,
    ],
    [
      'clean vs clean at 1000 probes each can',
      { failures: 0, total: 1000 },
      { failures: 0, total: 1000 },
      {},
      'pass',
      /no significant rise/,
    ],
    [
      'a rise of exactly minEffect counts (0.06 − 0.05 is not below 0.01)',
      { failures: 500, total: 10_000 },
      { failures: 600, total: 10_000 },
      {},
      'fail',
      /\+1\.00 points/,
    ],
    [
      'significant but smaller than minEffect',
      { failures: 100, total: 100_000 },
      { failures: 500, total: 100_000 },
      {},
      'pass',
      /significant \(p = .*\) but \+0\.40 points is below \+1\.00 points/,
    ],
    [
      'a canary better than its baseline',
      { failures: 40, total: 5000 },
      { failures: 0, total: 5000 },
      {},
      'pass',
      /p = 1\)/,
    ],
    [
      'the rule looks at power, not luck: 2000 probes cannot see 2% → 3%, however the canary did',
      { failures: 40, total: 2000 },
      { failures: 0, total: 2000 },
      {},
      'inconclusive',
      /even 60 canary failures would give p = 0\.027/,
    ],
    [
      '6 of 600 vs 0 of 600: Fisher cannot reach 0.01 at a 1-point rise…',
      { failures: 0, total: 600 },
      { failures: 6, total: 600 },
      {},
      'inconclusive',
      /even 6 canary failures would give p = 0\.015 ≥ 0\.01/,
    ],
    [
      '…mid-p can',
      { failures: 0, total: 600 },
      { failures: 6, total: 600 },
      { midP: true },
      'fail',
      /p = 0\.0077 < 0\.01/,
    ],
    [
      'no canary probes yet',
      { failures: 0, total: 2000 },
      { failures: 0, total: 0 },
      {},
      'inconclusive',
      /no probes yet/,
    ],
  ];
  for (const [label, baseline, canary, options, verdict, reason] of cases) {
    test(label, () => {
      const r = compareErrorRates(baseline, canary, options);
      assert.equal(r.verdict, verdict, r.reason);
      assert.match(r.reason, reason);
    });
  }

  test('reports rates and the p-value', () => {
    const r = compareErrorRates({ failures: 0, total: 2000 }, { failures: 100, total: 2000 });
    assert.equal(r.baselineRate, 0);
    assert.equal(r.canaryRate, 0.05);
    closeTo(r.pValue, 2.217131201972512e-31, 1e-11);
  });

  test('rejects what is not a count or a valid option', () => {
    const ok = { failures: 0, total: 10 };
    assert.throws(() => compareErrorRates({ failures: 11, total: 10 }, ok), RangeError);
    assert.throws(() => compareErrorRates(ok, { failures: 1.5, total: 10 }), RangeError);
    assert.throws(() => compareErrorRates(ok, { failures: -1, total: 10 }), RangeError);
    assert.throws(() => compareErrorRates(ok, ok, { alpha: 0 }), RangeError);
    assert.throws(() => compareErrorRates(ok, ok, { minEffect: 0 }), RangeError);
  });
});

describe('Mann-Whitney U, one-sided', () => {
  test('textbook example (Hollander & Wolfe; R wilcox.test): U = 35, exact p = 0.1272', () => {
    const x = [0.8, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46];
    const y = [1.15, 0.88, 0.9, 0.74, 1.21];
    const r = mannWhitneyTest(x, y);
    assert.equal(r.u, 35);
    assert.equal(r.method, 'exact');
    closeTo(r.pValue, 0.1272061272061272, 1e-12);
  });

  test('normal approximation with ties and continuity correction (scipy asymptotic)', () => {
    const baseline = Array.from({ length: 25 }, (_, i) => (i * 7) % 13);
    const canary = Array.from({ length: 30 }, (_, i) => ((i * 5) % 11) + 2);
    const r = mannWhitneyTest(canary, baseline);
    assert.equal(r.method, 'normal');
    assert.equal(r.u, 434.5);
    closeTo(r.pValue, 0.15851685326968518, 1e-9);
  });

  test('exact p with ties matches full enumeration', () => {
    const random = mulberry32(7);
    const cases: [number, number][] = [
      [10, 10],
      [12, 6],
      [5, 14],
    ];
    for (const [nC, nB] of cases) {
      const canary = Array.from({ length: nC }, () => Math.floor(random() * 6) + 1);
      const baseline = Array.from({ length: nB }, () => Math.floor(random() * 6));
      const r = mannWhitneyTest(canary, baseline);
      assert.equal(r.method, 'exact');
      closeTo(r.pValue, mannWhitneyBrute(canary, baseline), 1e-12, `${nC} vs ${nB}`);
    }
  });

  test('exact and normal agree closely where they meet (19 vs 19, no ties)', () => {
    const random = mulberry32(3);
    const baseline = lognormalMs(random, 19);
    const canary = lognormalMs(random, 19, 130);
    const exact = mannWhitneyTest(canary, baseline);
    assert.equal(exact.method, 'exact');
    assert.equal(mannWhitneyTest([...canary, 1], [...baseline, 2]).method, 'normal');
    const z = (exact.u - (19 * 19) / 2 - 0.5) / Math.sqrt((19 * 19 * 39) / 12);
    assert.ok(Math.abs(exact.pValue - normalUpperTail(z)) < 0.005, `${exact.pValue}`);
  });
});

describe('compareLatencies', () => {
  test('same distribution: false alarms stay near alpha over 100 seeded trials', () => {
    let fails = 0;
    let significant = 0;
    let belowHalf = 0;
    for (let seed = 1; seed <= 100; seed++) {
      const random = mulberry32(seed);
      const r = compareLatencies(lognormalMs(random, 1000), lognormalMs(random, 1000));
      if (r.verdict === 'fail') fails++;
      if (r.pValue < 0.01) significant++;
      if (r.pValue < 0.5) belowHalf++;
    }
    assert.ok(fails <= 3, `${fails} of 100 failed`);
    assert.ok(significant <= 3, `${significant} of 100 had p < 0.01`);
    // p is uniform under the null: about half below 0.5 (±3σ = ±15).
    assert.ok(belowHalf >= 35 && belowHalf <= 65, `${belowHalf} of 100 had p < 0.5`);
  });

  test('a canary 30% slower fails', () => {
    for (let seed = 1; seed <= 10; seed++) {
      const random = mulberry32(seed);
      const baseline = lognormalMs(random, 1000);
      const canary = lognormalMs(random, 1000).map((ms) => ms * 1.3);
      const r = compareLatencies(baseline, canary);
      assert.equal(r.verdict, 'fail', r.reason);
      assert.equal(r.method, 'normal');
      assert.ok(r.medianRatio! > 1.2 && r.medianRatio! < 1.4, `ratio ${r.medianRatio}`);
      assert.ok(r.effect! > 0.2, `effect ${r.effect}`);
    }
  });

  // [label, baseline, canary, options, verdict, reason fragment]
  const random = mulberry32(42);
  const base = lognormalMs(random, 5000);
  const cases: [string, number[], number[], object, string, RegExp][] = [
    [
      '5% slower: significant but below the 10% that matters',
      base,
      lognormalMs(random, 5000).map((ms) => ms * 1.05),
      {},
      'pass',
      /significant \(p = .*\) but below x1\.10/,
    ],
    ['a faster canary', base, lognormalMs(random, 5000, 70), {}, 'pass', /no significant slowdown/],
    [
      'fewer than 10 canary values',
      base,
      lognormalMs(random, 9, 500),
      {},
      'inconclusive',
      /too few latencies \(9 canary/,
    ],
    [
      '10 vs 10 with alpha so small no result could reach it',
      base.slice(0, 10),
      base.slice(0, 10).map((ms) => ms + 1000),
      { alpha: 1e-6 },
      'inconclusive',
      /too few latencies/,
    ],
    [
      '10 vs 10, fully separated, exact p = 1/184756',
      base.slice(0, 10),
      base.slice(0, 10).map((ms) => ms + 1000),
      {},
      'fail',
      /p = 5\.4e-6 < 0\.01/,
    ],
    ['no canary values yet', base, [], {}, 'inconclusive', /no latencies yet/],
  ];
  for (const [label, baseline, canary, options, verdict, reason] of cases) {
    test(label, () => {
      const r = compareLatencies(baseline, canary, options);
      assert.equal(r.verdict, verdict, r.reason);
      assert.match(r.reason, reason);
    });
  }

  test('rejects values that are not finite', () => {
    assert.throws(() => compareLatencies([1, Number.NaN], [1, 2]), RangeError);
    assert.throws(() => compareLatencies([1, 2], [Infinity]), RangeError);
  });
});

describe('why errors need a count test, not a rank test', () => {
  test('Mann-Whitney on 0/1 indicators misses a 3%-error canary that Fisher flags', () => {
    const baseline = { failures: 0, total: 2000 };
    const canary = { failures: 60, total: 2000 };
    assert.equal(compareErrorRates(baseline, canary).verdict, 'fail');

    const asRanks = compareLatencies(indicators(0, 2000), indicators(60, 2000));
    assert.notEqual(asRanks.verdict, 'fail');
    // The errors are ties at the top; the location effect a rank test reports is nil.
    assert.equal(asRanks.canaryMedianMs, 0);
    assert.equal(asRanks.medianRatio, 1);
    assert.ok(asRanks.effect! < 0.05, `rank-biserial ${asRanks.effect}`);
    // Kayenta thresholds the Hodges-Lehmann shift: 0 here too.
    assert.equal(hodgesLehmann(indicators(6, 200), indicators(0, 200)), 0);
  });
});

describe('LatencySample', () => {
  test('keeps everything, in order, until full', () => {
    const s = new LatencySample(5, mulberry32(1));
    [3, 1, 4, 1].forEach((ms) => s.add(ms));
    assert.deepEqual(s.values(), [3, 1, 4, 1]);
    assert.equal(s.size, 4);
    assert.equal(s.seen, 4);
  });

  test('never holds more than its capacity and counts every value', () => {
    const s = new LatencySample(100, mulberry32(2));
    for (let i = 0; i < 10_000; i++) s.add(i);
    assert.equal(s.size, 100);
    assert.equal(s.seen, 10_000);
    assert.equal(new Set(s.values()).size, 100);
  });

  test('every value is kept with the same probability (Algorithm R)', () => {
    const stream = 100;
    const capacity = 10;
    const trials = 5000;
    const kept = new Array<number>(stream).fill(0);
    const random = mulberry32(9);
    for (let t = 0; t < trials; t++) {
      const s = new LatencySample(capacity, random);
      for (let i = 0; i < stream; i++) s.add(i);
      for (const v of s.values()) kept[v]!++;
    }
    const expected = (trials * capacity) / stream; // 500
    const sigma = Math.sqrt(expected * (1 - capacity / stream)); // ≈ 21
    for (const [i, k] of kept.entries()) {
      assert.ok(Math.abs(k - expected) < 5 * sigma, `value ${i} kept ${k} times`);
    }
    const early = kept.slice(0, 50).reduce((a, b) => a + b, 0);
    const late = kept.slice(50).reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(early - late) < 0.05 * (early + late), `early ${early}, late ${late}`);
  });

  test('is reproducible with the same random source, and survives a source returning 1', () => {
    const run = (random: () => number): number[] => {
      const s = new LatencySample(3, random);
      for (let i = 0; i < 50; i++) s.add(i);
      return s.values();
    };
    assert.deepEqual(run(mulberry32(5)), run(mulberry32(5)));
    assert.equal(run(() => 1).length, 3);
  });

  test('feeds compareLatencies: 100 000 probes a side in 2000-value samples', () => {
    const random = mulberry32(11);
    const baseline = new LatencySample(2000, random);
    const canary = new LatencySample(2000, random);
    for (const ms of lognormalMs(random, 100_000)) baseline.add(ms);
    for (const ms of lognormalMs(random, 100_000, 130)) canary.add(ms);
    const r = compareLatencies(baseline.values(), canary.values());
    assert.equal(r.verdict, 'fail', r.reason);
  });

  test('rejects a bad capacity or latency', () => {
    assert.throws(() => new LatencySample(0), RangeError);
    assert.throws(() => new LatencySample(2.5), RangeError);
    assert.throws(() => new LatencySample(5).add(Number.NaN), RangeError);
  });
});
