/**
 * JSON paths (`version.json`, `expect.json`), the JSON assertion, version flip-flops and the
 * cutover lines of the text report. Pure code, tables.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { describeCutovers, VersionTracker } from '../../src/analysis/versions.ts';
import { parseConfigText } from '../../src/config/load.ts';
import { resolveConfig, type ExpectConfig } from '../../src/config/resolve.ts';
import { isZerodownError } from '../../src/errors.ts';
import { classifyResponse } from '../../src/probe/classify.ts';
import type { EndpointResult } from '../../src/result.ts';
import { versionLines } from '../../src/report/text.ts';
import {
  evaluateJsonPath,
  jsonValueText,
  parseJsonBody,
  parseJsonPath,
} from '../../src/util/json-path.ts';

describe('JSON paths', () => {
  const body = {
    status: 'ok',
    build: { version: 'v2', number: 42, 'git-sha': 'abc' },
    items: [{ id: 1 }, { id: 2 }, { id: 3 }],
    'odd key': { "it's": true },
    nothing: null,
  };
  const cases: [string, unknown][] = [
    ['$', body],
    ['$.status', 'ok'],
    ['$.build.version', 'v2'],
    ['$.build.number', 42],
    ["$.build['git-sha']", 'abc'],
    ['$.build.git-sha', 'abc'],
    ['$["odd key"]["it\'s"]', true],
    ["$['odd key']['it\\'s']", true],
    ['$.items[0].id', 1],
    ['$.items[ 2 ].id', 3],
    ['$.items[-1].id', 3],
    ['$.nothing', null],
    ['$.missing', undefined],
    ['$.status.length', undefined],
    ['$.items.length', undefined],
    ['$.items[3]', undefined],
    ['$.build[0]', undefined],
    ['$.items.id', undefined],
    ['$.toString', undefined],
  ];
  for (const [path, want] of cases) {
    test(`${path} → ${JSON.stringify(want)}`, () => {
      assert.deepEqual(evaluateJsonPath(parseJsonPath(path), body), want);
    });
  }

  const bad: [string, RegExp][] = [
    ['status', /starts with \$/],
    ['', /starts with \$/],
    ['$.', /member name after "\." at position 2/],
    ['$..a', /member name after "\."/],
    ['$[*]', /unexpected "\[" at position 1/],
    ['$.a[', /unexpected "\["/],
    ['$.a b', /unexpected " "/],
    ["$['a]", /unexpected "\["/],
  ];
  for (const [path, want] of bad) {
    test(`${JSON.stringify(path)} is refused`, () => {
      assert.throws(() => parseJsonPath(path), want);
    });
  }

  test('values as text: strings as they are, the rest as JSON', () => {
    assert.equal(jsonValueText('v2'), 'v2');
    assert.equal(jsonValueText(42), '42');
    assert.equal(jsonValueText(null), 'null');
    assert.equal(jsonValueText({ a: 1 }), '{"a":1}');
    assert.equal(jsonValueText(undefined), undefined);
  });

  test('a body that is not JSON (or cut at the prefix limit) is not ok', () => {
    assert.deepEqual(parseJsonBody('{"a":1}'), { ok: true, value: { a: 1 } });
    assert.deepEqual(parseJsonBody('{"a":'), { ok: false });
    assert.deepEqual(parseJsonBody('ok'), { ok: false });
  });
});

describe('config: version.json and expect.json', () => {
  const resolve = (yaml: string) => resolveConfig(parseConfigText(yaml, {}, 'zerodown.yml'));

  test('version.json and a single JSON check resolve; the check becomes a list', () => {
    const c = resolve(
      'endpoints:\n  - url: http://x/\n    version: { json: $.build.version }\n    expect: { json: { path: $.status, equals: ok } }',
    );
    const e = c.endpoints[0]!;
    assert.equal(e.versionJson, '$.build.version');
    assert.equal(e.versionHeader, undefined);
    assert.deepEqual(e.expect.json, [{ path: '$.status', equals: 'ok' }]);
  });

  test('a list of checks, equals with JSON types, matches', () => {
    const c = resolve(
      'endpoints:\n  - url: http://x/\n    expect:\n      json:\n        - { path: $.ready, equals: true }\n        - { path: $.version, matches: "^v[0-9]+$" }',
    );
    assert.deepEqual(c.endpoints[0]!.expect.json, [
      { path: '$.ready', equals: true },
      { path: '$.version', matches: '^v[0-9]+$' },
    ]);
  });

  test('an endpoint version replaces the defaults one; --version-header wins over both', () => {
    const yaml =
      'defaults: { version: { header: x-app-version } }\nendpoints:\n  - url: http://x/a\n  - url: http://x/b\n    version: { json: $.v }';
    const c = resolve(yaml);
    assert.equal(c.endpoints[0]!.versionHeader, 'x-app-version');
    assert.equal(c.endpoints[1]!.versionJson, '$.v');
    assert.equal(c.endpoints[1]!.versionHeader, undefined);
    const o = resolveConfig(parseConfigText(yaml, {}), { versionHeader: 'X-Build' });
    assert.equal(o.endpoints[1]!.versionHeader, 'x-build');
    assert.equal(o.endpoints[1]!.versionJson, undefined);
  });

  const errors: [string, string][] = [
    ['version: { json: status }', 'endpoints[0].version.json: a JSON path starts with $'],
    ['version: { json: "$[*]" }', 'endpoints[0].version.json: unexpected "["'],
    ['version: {}', 'endpoints[0].version: give either header or json'],
    ['version: { header: x-v, json: $.v }', 'endpoints[0].version: give either header or json'],
    ['expect: { json: { path: $.a, equls: 1 } }', 'endpoints[0].expect.json.equls: unknown key'],
    ['expect: { json: { equals: 1 } }', 'endpoints[0].expect.json.path: is required'],
    [
      'expect: { json: [{ path: $.a }, { path: $.b, matches: "(" }] }',
      'endpoints[0].expect.json[1].matches: not a regular expression',
    ],
    [
      'expect: { json: { path: $.a, equals: [1] } }',
      'endpoints[0].expect.json.equals: expected a string, number, boolean or null',
    ],
  ];
  for (const [yaml, want] of errors) {
    test(want, () => {
      assert.throws(
        () => resolve(`endpoints:\n  - url: http://x/\n    ${yaml}`),
        (err: unknown) => {
          assert.ok(isZerodownError(err, 'ZD_CONFIG_INVALID'), String(err));
          assert.ok(err.message.includes(want), `${err.message} should include ${want}`);
          return true;
        },
      );
    });
  }
});

describe('the JSON assertion', () => {
  const base: ExpectConfig = {
    status: [[200, 399]],
    bodyContains: undefined,
    maxLatencyMs: undefined,
    headers: undefined,
  };
  const facts = (bodyPrefix: string) => ({ status: 200, headers: {}, bodyPrefix, latencyMs: 5 });
  const body = JSON.stringify({ status: 'ok', ready: true, count: 3, version: 'v12' });
  const cases: [string, ExpectConfig['json'], string, string | undefined][] = [
    ['equals a string', [{ path: '$.status', equals: 'ok' }], body, undefined],
    [
      'another string',
      [{ path: '$.status', equals: 'degraded' }],
      body,
      'json:$.status = "ok", expected "degraded"',
    ],
    ['equals a boolean', [{ path: '$.ready', equals: true }], body, undefined],
    [
      'equals is strict: "3" is not 3',
      [{ path: '$.count', equals: '3' }],
      body,
      'json:$.count = 3, expected "3"',
    ],
    ['equals a number', [{ path: '$.count', equals: 3 }], body, undefined],
    ['matches', [{ path: '$.version', matches: '^v\\d+$' }], body, undefined],
    ['matches a number as text', [{ path: '$.count', matches: '^3$' }], body, undefined],
    [
      'does not match',
      [{ path: '$.version', matches: '^v1$' }],
      body,
      'json:$.version = "v12", expected to match ^v1$',
    ],
    ['the path must exist', [{ path: '$.missing' }], body, 'json:$.missing missing'],
    [
      'a body that is not JSON',
      [{ path: '$.status' }],
      'ok',
      'json:$.status: the body is not JSON',
    ],
    [
      'the first failed check is named',
      [{ path: '$.status', equals: 'ok' }, { path: '$.ready', equals: false }, { path: '$.x' }],
      body,
      'json:$.ready = true, expected false',
    ],
  ];
  for (const [name, json, text, check] of cases) {
    test(name, () => {
      const c = classifyResponse({ ...base, json }, facts(text));
      if (check === undefined) assert.deepEqual(c, { ok: true, code: '200', check: undefined });
      else assert.deepEqual(c, { ok: false, code: 'assertion', check });
    });
  }
  test('a long received value is cut, so a check key stays short', () => {
    const long = JSON.stringify({ status: 'x'.repeat(500) });
    const c = classifyResponse(
      { ...base, json: [{ path: '$.status', equals: 'ok' }] },
      facts(long),
    );
    assert.equal(c.check, `json:$.status = "${'x'.repeat(58)}…, expected "ok"`);
  });
  test('a body the prober already parsed is used as is', () => {
    const c = classifyResponse(
      { ...base, json: [{ path: '$.a', equals: 1 }] },
      { ...facts('not json'), json: { ok: true, value: { a: 1 } } },
    );
    assert.equal(c.ok, true);
  });
  test('status is judged first: a 503 is a 503, not an assertion', () => {
    const c = classifyResponse(
      { ...base, json: [{ path: '$.a' }] },
      { ...facts('{}'), status: 503 },
    );
    assert.equal(c.code, '503');
  });
});

describe('version flip-flops', () => {
  const track = (seq: string[], stepMs = 100) => {
    const v = new VersionTracker();
    seq.forEach((s, i) => v.add(s, i * stepMs));
    return v;
  };

  test('a clean cutover has none', () => {
    assert.deepEqual(track(['v1', 'v1', 'v2', 'v2']).flipFlops(), {
      count: 0,
      probes: 0,
      atMs: [],
      lastMs: null,
    });
  });

  test('a rolling mixed period: each switch back and each stale answer is counted', () => {
    //            0     100   200   300   400   500   600   700   800
    const v = track(['v1', 'v1', 'v2', 'v1', 'v2', 'v2', 'v1', 'v1', 'v2']);
    assert.deepEqual(v.flipFlops(), { count: 2, probes: 3, atMs: [300, 600], lastMs: 600 });
    assert.deepEqual(describeCutovers(v.versions()), [
      { from: 'v1', to: 'v2', atMs: 200, mixedMs: 500 },
    ]);
  });

  test('a rollback to v1 after v2 is a flip-flop; three versions rank by first appearance', () => {
    const v = track(['v1', 'v2', 'v3', 'v2', 'v3', 'v1']);
    // v2 after v3 (300 ms) and v1 after v3 (500 ms) are switches back; v3 after v2 is not.
    assert.deepEqual(v.flipFlops(), { count: 2, probes: 2, atMs: [300, 500], lastMs: 500 });
    assert.deepEqual(
      describeCutovers(v.versions()).map((c) => `${c.from}→${c.to}@${c.atMs}+${c.mixedMs}`),
      ['v1→v2@100+400', 'v2→v3@200+100'],
    );
  });

  test('only the first 20 switch-back times are kept; the count goes on', () => {
    const seq = ['v1'];
    for (let i = 0; i < 30; i++) seq.push('v2', 'v1');
    const f = track(seq, 10).flipFlops();
    assert.equal(f.count, 30);
    assert.equal(f.probes, 30);
    assert.equal(f.atMs.length, 20);
    assert.equal(f.lastMs, 600);
  });

  test('the result is a copy', () => {
    const v = track(['v1', 'v2', 'v1']);
    v.flipFlops().atMs.push(1);
    assert.deepEqual(v.flipFlops().atMs, [200]);
  });
});

describe('text report: versions, cutover, flip-flops', () => {
  const endpoint = (extra: Partial<EndpointResult>) => extra as EndpointResult;

  test('one version: just the versions line', () => {
    const lines = versionLines(
      endpoint({ versions: [{ version: 'v1', firstMs: 0, lastMs: 5000, probes: 100 }] }),
    );
    assert.deepEqual(lines, ['    versions: v1 +0.00 s…+5.00 s (100)']);
  });

  test('a cutover with a mixed period and flip-flops', () => {
    const lines = versionLines(
      endpoint({
        versions: [
          { version: 'v1', firstMs: 0, lastMs: 8500, probes: 412 },
          { version: 'v2', firstMs: 7200, lastMs: 12000, probes: 240 },
        ],
        mixedMs: 1300,
        flipFlops: { count: 30, probes: 31, atMs: [7240], lastMs: 8480 },
      }),
    );
    assert.deepEqual(lines, [
      '    versions: v1 +0.00 s…+8.50 s (412) → v2 +7.20 s…+12.00 s (240)',
      '    cutover v1 → v2 at +7.20 s, mixed for 1.3 s',
      '    flip-flops: 31 answers from an older version after a newer one (30 switches back, last at +8.48 s)',
    ]);
  });

  test('a clean cutover says so, and no flip-flop line', () => {
    const lines = versionLines(
      endpoint({
        versions: [
          { version: 'v1', firstMs: 0, lastMs: 3000, probes: 60 },
          { version: 'v2', firstMs: 3050, lastMs: 6000, probes: 60 },
        ],
        flipFlops: { count: 0, probes: 0, atMs: [], lastMs: null },
      }),
    );
    assert.equal(lines[1], '    cutover v1 → v2 at +3.05 s, no overlap');
    assert.equal(lines.length, 2);
  });
});
