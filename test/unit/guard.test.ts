import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { validateConfig } from '../../src/config/load.ts';
import { resolveConfig } from '../../src/config/resolve.ts';
import { meets } from '../../src/guard/prometheus.ts';
import { guardSchema } from '../../src/guard/schema.ts';
import { checkTimeWindow, localTime } from '../../src/guard/time-window.ts';
import { recovery } from '../../src/run.ts';
import type { DowntimeWindow } from '../../src/result.ts';

const window = (w: Record<string, unknown>) =>
  guardSchema.parse({ blockers: { timeWindows: [w] } }).blockers!.timeWindows![0]!;

describe('deploy time windows (injected clock)', () => {
  const office = window({
    timezone: 'Europe/Paris',
    days: ['mon', 'tue', 'wed', 'thu', 'fri'],
    hours: '09:00-17:00',
    exclude: ['2026-12-24'],
  });
  const cases: [string, string, boolean, RegExp][] = [
    ['Tuesday 10:00 Paris (09:00 UTC)', '2026-11-24T09:00:00Z', true, /inside/],
    [
      'Tuesday 08:59 Paris',
      '2026-11-24T07:59:00Z',
      false,
      /allowed 09:00-17:00; it is 2026-11-24 08:59/,
    ],
    [
      'Tuesday 17:00 Paris is outside (end excluded)',
      '2026-11-24T16:00:00Z',
      false,
      /allowed 09:00-17:00/,
    ],
    [
      'Saturday noon Paris',
      '2026-11-21T11:00:00Z',
      false,
      /allowed on mon, tue, wed, thu, fri; it is sat/,
    ],
    ['an excluded date', '2026-12-24T10:00:00Z', false, /2026-12-24 is excluded/],
    ['summer time: 16:30 Paris is 14:30 UTC in July', '2026-07-14T14:30:00Z', true, /inside/],
    ['Sunday 23:30 Paris (Monday is not yet)', '2026-11-22T22:30:00Z', false, /it is sun/],
  ];
  for (const [name, iso, allowed, reason] of cases) {
    test(name, () => {
      const r = checkTimeWindow(new Date(iso), office);
      assert.equal(r.allowed, allowed, r.reason);
      assert.match(r.reason, reason);
    });
  }
  test('a window across midnight', () => {
    const night = window({ hours: '22:00-06:00' });
    assert.equal(checkTimeWindow(new Date('2026-11-24T23:30:00Z'), night).allowed, true);
    assert.equal(checkTimeWindow(new Date('2026-11-24T05:59:00Z'), night).allowed, true);
    assert.equal(checkTimeWindow(new Date('2026-11-24T12:00:00Z'), night).allowed, false);
  });
  test('local time in a zone', () => {
    assert.deepEqual(localTime(new Date('2026-11-24T23:30:00Z'), 'Asia/Tokyo'), {
      date: '2026-11-25',
      day: 'wed',
      minute: 8 * 60 + 30,
    });
  });
});

describe('guard config', () => {
  test('errors name the field', () => {
    const cases: [unknown, RegExp][] = [
      [
        {
          endpoints: [{ url: 'http://x/' }],
          guard: { blockers: { timeWindows: [{ timezone: 'Mars/Olympus' }] } },
        },
        /guard\.blockers\.timeWindows\[0\]\.timezone: not a known IANA time zone/,
      ],
      [
        {
          endpoints: [{ url: 'http://x/' }],
          guard: { blockers: { timeWindows: [{ hours: '9-5' }] } },
        },
        /guard\.blockers\.timeWindows\[0\]\.hours: expected HH:MM-HH:MM/,
      ],
      [
        { endpoints: [{ url: 'http://x/' }], guard: { rollbak: 'x' } },
        /guard\.rollbak: unknown key/,
      ],
      [
        { endpoints: [{ url: 'http://x/' }], guard: { stages: [{ name: 'a b', command: 'x' }] } },
        /guard\.stages\[0\]\.name/,
      ],
    ];
    for (const [raw, want] of cases) assert.throws(() => resolveConfig(validateConfig(raw)), want);
  });
  test('a threshold naming an unknown endpoint is an error', () => {
    const raw = {
      endpoints: [{ url: 'http://x/a' }],
      guard: { thresholds: [{ downtime: { max: '1s', endpoint: '/b' } }] },
    };
    assert.throws(
      () => resolveConfig(validateConfig(raw)),
      /guard\.thresholds\[0\]\.endpoint: no endpoint named "\/b"/,
    );
  });
  test('--abort-on-downtime adds a downtime threshold; flags win', () => {
    const c = resolveConfig(
      validateConfig({
        endpoints: [{ url: 'http://x/' }],
        guard: { rollback: 'a', killGrace: '2s' },
      }),
      {
        abortOnDowntimeMs: 500,
        rollback: 'b',
      },
    );
    assert.deepEqual(c.guard.thresholds, [{ downtime: { max: 500 } }]);
    assert.equal(c.guard.rollback, 'b');
    assert.equal(c.guard.killGraceMs, 2000);
  });
});

describe('conditions and recovery', () => {
  test('conditions', () => {
    assert.equal(meets(0.06, '> 0.05'), true);
    assert.equal(meets(0.05, '> 0.05'), false);
    assert.equal(meets(0, '== 0'), true);
    assert.equal(meets(3, '<= 3'), true);
    assert.equal(meets(1, '!= 1'), false);
  });
  test('recovery: the last window closed after the abort', () => {
    const doc = (windows: { endMs: number; open: boolean }[][]) =>
      windows as unknown as DowntimeWindow[][];
    assert.deepEqual(recovery(doc([[{ endMs: 900, open: false }], []]), 500), {
      recovered: true,
      recoveredAtMs: 900,
    });
    assert.deepEqual(recovery(doc([[{ endMs: 900, open: true }]]), 500), {
      recovered: false,
      recoveredAtMs: null,
    });
    assert.deepEqual(recovery(doc([[]]), 500), { recovered: true, recoveredAtMs: 500 });
  });
});
