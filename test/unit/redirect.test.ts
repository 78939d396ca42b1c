/** Following redirects (probe/redirect.ts): one decision per response, table-driven; the config key. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isZerodownError } from '../../src/errors.ts';
import { firstHop, nextHop, type Hop } from '../../src/probe/redirect.ts';
import { configOf } from '../helpers/config.ts';

const HEADERS = {
  'user-agent': 'zerodown',
  authorization: 'Bearer s3cret',
  cookie: 'a=b',
  'content-type': 'application/json',
  'x-team': 't1',
};

function hop(url: string, method = 'GET', body: string | null = null): Hop {
  return firstHop(new URL(url), method, HEADERS, body);
}

describe('nextHop', () => {
  const cases: {
    name: string;
    from: Hop;
    status: number;
    location: string | undefined;
    max: number;
    want: string;
  }[] = [
    { name: 'off', from: hop('http://a/x'), status: 301, location: '/y', max: 0, want: 'answer' },
    { name: '200', from: hop('http://a/x'), status: 200, location: '/y', max: 5, want: 'answer' },
    { name: '304', from: hop('http://a/x'), status: 304, location: '/y', max: 5, want: 'answer' },
    { name: '300', from: hop('http://a/x'), status: 300, location: '/y', max: 5, want: 'answer' },
    {
      name: 'no Location',
      from: hop('http://a/x'),
      status: 302,
      location: undefined,
      max: 5,
      want: 'answer',
    },
    {
      name: 'not http',
      from: hop('http://a/x'),
      status: 302,
      location: 'ftp://a/y',
      max: 5,
      want: 'answer',
    },
    {
      name: 'not a URL',
      from: hop('http://a/x'),
      status: 302,
      location: 'http://[::1',
      max: 5,
      want: 'answer',
    },
    {
      name: 'relative',
      from: hop('http://a/x/y'),
      status: 301,
      location: 'z?q=1',
      max: 5,
      want: 'GET http://a/x/z?q=1',
    },
    {
      name: 'fragment dropped',
      from: hop('http://a/x'),
      status: 307,
      location: '/y#top',
      max: 5,
      want: 'GET http://a/y',
    },
    {
      name: 'to itself',
      from: hop('http://a/x'),
      status: 301,
      location: '/x',
      max: 5,
      want: 'redirect-loop',
    },
    {
      name: 'to itself, fragment aside',
      from: hop('http://a/x'),
      status: 301,
      location: 'http://a/x#again',
      max: 1,
      want: 'redirect-loop',
    },
    {
      name: 'http to https',
      from: hop('http://a/x'),
      status: 308,
      location: 'https://a/x',
      max: 1,
      want: 'GET https://a/x',
    },
    {
      name: '303 after POST',
      from: hop('http://a/x', 'POST', '{}'),
      status: 303,
      location: '/done',
      max: 5,
      want: 'GET http://a/done',
    },
    {
      name: '302 after POST',
      from: hop('http://a/x', 'POST', '{}'),
      status: 302,
      location: '/y',
      max: 5,
      want: 'GET http://a/y',
    },
    {
      name: '307 keeps POST',
      from: hop('http://a/x', 'POST', '{}'),
      status: 307,
      location: '/y',
      max: 5,
      want: 'POST http://a/y',
    },
    {
      name: '303 after HEAD',
      from: hop('http://a/x', 'HEAD'),
      status: 303,
      location: '/y',
      max: 5,
      want: 'HEAD http://a/y',
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const next = nextHop(c.from, c.status, c.location, c.max);
      const got =
        next.kind === 'follow'
          ? `${next.hop.method} ${next.hop.url.href}`
          : next.kind === 'fail'
            ? next.code
            : 'answer';
      assert.equal(got, c.want);
    });
  }

  test('a chain longer than maxRedirects fails as too-many-redirects', () => {
    let h = hop('http://a/0');
    for (let i = 1; i <= 3; i++) {
      const next = nextHop(h, 302, `/${i}`, 3);
      assert.equal(next.kind, 'follow', `redirect ${i}`);
      if (next.kind === 'follow') h = next.hop;
    }
    assert.deepEqual(h.chain, ['http://a/0', 'http://a/1', 'http://a/2', 'http://a/3']);
    assert.deepEqual(nextHop(h, 302, '/4', 3), { kind: 'fail', code: 'too-many-redirects' });
    // A loop is told as a loop, whatever the count.
    assert.deepEqual(nextHop(h, 302, '/1', 3), { kind: 'fail', code: 'redirect-loop' });
  });

  test('credentials stay on their origin; the body goes with a GET', () => {
    const post = hop('http://a/x', 'POST', '{}');
    const same = nextHop(post, 307, '/y', 5);
    assert.ok(same.kind === 'follow');
    assert.deepEqual(same.hop.headers, HEADERS);
    assert.equal(same.hop.body, '{}');
    const other = nextHop(post, 307, 'https://b/y', 5);
    assert.ok(other.kind === 'follow');
    assert.deepEqual(other.hop.headers, {
      'user-agent': 'zerodown',
      'content-type': 'application/json',
      'x-team': 't1',
    });
    const get = nextHop(post, 303, 'https://b/y', 5);
    assert.ok(get.kind === 'follow');
    assert.deepEqual(get.hop.headers, { 'user-agent': 'zerodown', 'x-team': 't1' });
    assert.equal(get.hop.body, null);
    // Another port is another origin.
    const port = nextHop(hop('http://a/x'), 302, 'http://a:8080/x', 5);
    assert.ok(port.kind === 'follow');
    assert.equal(port.hop.headers.authorization, undefined);
  });
});

describe('maxRedirects in the config', () => {
  test('per endpoint, or in defaults; 0 when absent', () => {
    const config = configOf({
      defaults: { maxRedirects: 5 },
      endpoints: [{ url: 'http://a/x' }, { url: 'http://a/y', maxRedirects: 0 }],
    });
    assert.deepEqual(
      config.endpoints.map((e) => e.maxRedirects),
      [5, 0],
    );
    assert.equal(configOf({ endpoints: [{ url: 'http://a/' }] }).endpoints[0]!.maxRedirects, 0);
  });

  // The message of a value of the wrong type comes from config/load.ts, whose zod issues carry
  // no input yet ("is required"); only the field is checked for those.
  for (const [value, message] of [
    [-1, 'must be 0 or more'],
    [21, 'at most 20'],
    [1.5, undefined],
    ['3', undefined],
  ] as const) {
    test(`${JSON.stringify(value)} is refused, naming the field`, () => {
      assert.throws(
        () => configOf({ endpoints: [{ url: 'http://a/', maxRedirects: value }] }),
        (err) =>
          isZerodownError(err, 'ZD_CONFIG_INVALID') &&
          err.message.startsWith('endpoints[0].maxRedirects: ') &&
          (message === undefined || err.message.endsWith(message)),
      );
    });
  }
});
