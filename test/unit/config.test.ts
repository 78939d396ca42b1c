import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatDuration, parseDuration, readDuration } from '../../src/config/duration.ts';
import { interpolateTree } from '../../src/config/env.ts';
import { parseConfigText } from '../../src/config/load.ts';
import { resolveConfig } from '../../src/config/resolve.ts';
import { isZerodownError } from '../../src/errors.ts';

describe('durations', () => {
  const cases: [string | number, number | undefined][] = [
    ['500ms', 500],
    ['2s', 2000],
    ['1.5m', 90_000],
    ['1h', 3_600_000],
    ['250', undefined],
    [250, undefined],
    ['0', 0],
    [0, 0],
    ['1m30s', 90_000],
    ['1h5m', 3_900_000],
    ['2s500ms', 2500],
    ['1m 30s', 90_000],
    ['30s1m', undefined],
    ['1m1m', undefined],
    ['30d', 30 * 86_400_000],
    ['31d', undefined],
    ['.5s', 500],
    [' 3 s ', 3000],
    ['2 days', undefined],
    ['-1s', undefined],
    ['s', undefined],
    ['', undefined],
    [-5, undefined],
    [Number.NaN, undefined],
  ];
  for (const [input, want] of cases) {
    test(`parseDuration(${JSON.stringify(input)}) = ${want}`, () => {
      assert.equal(parseDuration(input), want);
    });
  }
  test('a bare number says which unit it lacks', () => {
    assert.deepEqual(readDuration('5'), {
      error:
        '"5" has no unit: did you mean 5s? (durations take a unit: 500ms, 2s, 1m30s; only 0 may go without)',
    });
    assert.deepEqual(readDuration(2), readDuration('2'));
  });
  test('formatDuration', () => {
    assert.equal(formatDuration(850), '850 ms');
    assert.equal(formatDuration(1010), '1.01 s');
    assert.equal(formatDuration(12_500), '12.5 s');
    assert.equal(formatDuration(125_000), '2 m 5 s');
  });
});

describe('environment interpolation', () => {
  const env = { API_URL: 'https://api.example.com', TOKEN: 's3cret', EMPTY: '' };
  test('replaces ${VAR} and ${VAR:-default} in every string of the tree', () => {
    const out = interpolateTree(
      {
        baseUrl: '${API_URL}',
        headers: { a: 'Bearer ${TOKEN}' },
        list: ['${NOPE:-x}', 3],
        lit: '$${KEEP}',
      },
      env,
    );
    assert.deepEqual(out, {
      baseUrl: 'https://api.example.com',
      headers: { a: 'Bearer s3cret' },
      list: ['x', 3],
      lit: '${KEEP}',
    });
  });
  test('an empty variable takes the default', () => {
    assert.deepEqual(interpolateTree({ a: '${EMPTY:-d}' }, env), { a: 'd' });
  });
  test('a missing variable without default is an error naming the field', () => {
    assert.throws(
      () => interpolateTree({ endpoints: [{ url: '${MISSING}' }] }, env),
      (err: unknown) =>
        isZerodownError(err, 'ZD_CONFIG_INVALID') &&
        err.message.startsWith('endpoints[0].url: environment variable MISSING is not set'),
    );
  });
});

describe('config validation names the field', () => {
  const cases: [string, string][] = [
    [
      'endpoints:\n  - url: /a\n  - url: /b\n    expect: { stauts: 200 }\nbaseUrl: http://x',
      'endpoints[1].expect.stauts: unknown key',
    ],
    ['endpoints:\n  - url: http://x/\n    rate: -1', 'endpoints[0].rate: at least 1 probe an hour'],
    [
      'endpoints:\n  - url: http://x/\n    timeout: soon',
      'endpoints[0].timeout: not a duration: "soon"',
    ],
    [
      'endpoints:\n  - url: http://x/\n    expect: { status: [200-299, 700] }',
      'endpoints[0].expect.status: not a status or range: 700',
    ],
    ['endpoints:\n  - url: http://x/\n    method: FETCH', 'endpoints[0].method: expected one of'],
    ['endpoints:\n  - rate: 2', 'endpoints[0].url: is required'],
    [
      'endpoints:\n  - url: http://x/\n    connection: pooled',
      'endpoints[0].connection: expected keepalive or fresh',
    ],
    [
      'budget: { maxDowntime: 1s, extra: 1 }\nendpoints: [{url: "http://x/"}]',
      'budget.extra: unknown key',
    ],
    ['phases: { warmup: forever }', 'phases.warmup: not a duration'],
    [
      'endpoints: [{ url: "http://x/", expect: { stauts: 200 } }]',
      'endpoints[0].expect.stauts: unknown key (did you mean status?)',
    ],
    ['budjet: {}', 'budjet: unknown key (did you mean budget?)'],
    // A value of the wrong type says what was expected, not "is required".
    ['endpoints: [{ url: "http://x/", rate: ten }]', 'endpoints[0].rate: expected a number'],
    ['endpoints: [{ url: 5 }]', 'endpoints[0].url: expected a URL'],
    [
      'endpoints: [{ url: "http://x/", rate: 5e-324 }]',
      'endpoints[0].rate: at least 1 probe an hour',
    ],
    ['endpoints: [*nope]', 'Unresolved alias'],
    ['a: &a [*a]\nendpoints: []', 'a recursive alias'],
    [
      'a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]',
      'Excessive alias count',
    ],
    [`a: ${'['.repeat(40)}${']'.repeat(40)}`, 'nested deeper than 32 levels'],
    ['endpoints: [{ url: "http://x/", timeout: 11m }]', 'endpoints[0].timeout: at most 10m'],
    ['endpoints: [url: http://x/', 'not valid YAML/JSON at line'],
    ['- 1\n- 2', 'expected a mapping of settings at the top level'],
  ];
  for (const [text, want] of cases) {
    test(want, () => {
      assert.throws(
        () => resolveConfig(parseConfigText(text, {}, 'zerodown.yml')),
        (err: unknown) => {
          assert.ok(isZerodownError(err, 'ZD_CONFIG_INVALID'), String(err));
          assert.ok(err.message.includes(want), `${err.message} should include ${want}`);
          assert.ok(!err.message.includes('\n'), 'one line');
          return true;
        },
      );
    });
  }
  test('relative URLs need baseUrl', () => {
    assert.throws(
      () => resolveConfig(parseConfigText('endpoints: [{url: /health}]', {})),
      /endpoints\[0\]\.url: relative URL "\/health" needs baseUrl/,
    );
  });
  test('non-http URLs are refused', () => {
    assert.throws(
      () => resolveConfig(parseConfigText('endpoints: [{url: "ftp://x/"}]', {})),
      /only http, https and tcp URLs/,
    );
  });
  test('no endpoint at all is an error', () => {
    assert.throws(() => resolveConfig({}), /endpoints: no endpoint to probe/);
  });
});

describe('config resolution', () => {
  const yaml = `
baseUrl: \${API_URL}
defaults:
  rate: 2
  timeout: 2s
  headers:
    Authorization: Bearer \${API_TOKEN}
endpoints:
  - name: method1
    url: /method1
  - name: method2
    url: /method2
    method: post
    body: '{"ping":true}'
    headers: { content-type: application/json }
    timeout: 5s
    expect:
      status: [200-299, 304]
      bodyContains: ok
      maxLatency: 1s
budget:
  maxDowntime: 0ms
phases:
  warmup: 5s
  settle: 10s
`;
  const env = { API_URL: 'https://api.example.com/v1', API_TOKEN: 't' };

  test('the contract example resolves with defaults applied', () => {
    const c = resolveConfig(parseConfigText(yaml, env));
    assert.equal(c.endpoints.length, 2);
    const [a, b] = c.endpoints;
    assert.equal(a!.url, 'https://api.example.com/v1/method1');
    assert.equal(a!.rate, 2);
    assert.equal(a!.timeoutMs, 2000);
    assert.equal(a!.method, 'GET');
    assert.deepEqual(a!.expect.status, [[200, 399]]);
    assert.equal(a!.headers.authorization, 'Bearer t');
    assert.equal(b!.method, 'POST');
    assert.equal(b!.timeoutMs, 5000);
    assert.deepEqual(b!.expect.status, [
      [200, 299],
      [304, 304],
    ]);
    assert.equal(b!.expect.maxLatencyMs, 1000);
    assert.equal(b!.headers['content-type'], 'application/json');
    assert.equal(c.maxDowntimeMs, 0);
    assert.equal(c.warmupMs, 5000);
    assert.equal(c.settleMs, 10_000);
    assert.ok(Object.isFrozen(c) && Object.isFrozen(c.endpoints[0]));
  });

  test('flags win over the file', () => {
    const c = resolveConfig(parseConfigText(yaml, env), {
      rate: 50,
      timeoutMs: 300,
      warmupMs: 1000,
      connection: 'fresh',
      versionHeader: 'X-Version',
    });
    assert.ok(
      c.endpoints.every((e) => e.rate === 50 && e.timeoutMs === 300 && e.connection === 'fresh'),
    );
    assert.equal(c.endpoints[0]!.versionHeader, 'x-version');
    assert.equal(c.warmupMs, 1000);
  });

  test('--url replaces the file endpoints and names them by path', () => {
    const c = resolveConfig(parseConfigText(yaml, env), { url: ['http://a/x', 'http://a/y?q=1'] });
    assert.deepEqual(
      c.endpoints.map((e) => e.name),
      ['/x', '/y'],
    );
  });

  test('same path on two hosts gets host-qualified names', () => {
    const c = resolveConfig({}, { url: ['http://a:1/health', 'http://b:2/health'] });
    assert.deepEqual(
      c.endpoints.map((e) => e.name),
      ['a:1/health', 'b:2/health'],
    );
  });

  test('duplicate explicit names are an error', () => {
    assert.throws(
      () =>
        resolveConfig(
          parseConfigText(
            'endpoints: [{name: a, url: "http://x/1"}, {name: a, url: "http://x/2"}]',
            {},
          ),
        ),
      /endpoints\[1\]\.name: duplicate endpoint name "a"/,
    );
  });

  test('a JSON body is serialised and typed', () => {
    const c = resolveConfig(
      parseConfigText('{"endpoints": [{"url": "http://x/", "body": {"a": 1}}]}', {}),
    );
    assert.equal(c.endpoints[0]!.body, '{"a":1}');
    assert.equal(c.endpoints[0]!.method, 'POST');
    assert.equal(c.endpoints[0]!.headers['content-type'], 'application/json');
  });

  test('status shorthands: 2xx, single numbers, strings', () => {
    const c = resolveConfig(
      parseConfigText('endpoints: [{url: "http://x/", expect: {status: [2xx, 404, "418"]}}]', {}),
    );
    assert.deepEqual(c.endpoints[0]!.expect.status, [
      [200, 299],
      [404, 404],
      [418, 418],
    ]);
  });
});
