/**
 * The control server's run lifecycle as rules (src/server/run-lifecycle.ts): what `/start` does
 * given the run going on and the name asked for, and which names a request may carry.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isZerodownError } from '../../src/errors.ts';
import {
  decideStart,
  runNameOf,
  type RunState,
  type StartDecision,
} from '../../src/server/run-lifecycle.ts';

describe('decideStart', () => {
  const idle: RunState = { kind: 'idle' };
  const running = (name?: string): RunState => ({ kind: 'running', name });
  const starting = (name?: string): RunState => ({ kind: 'starting', name });
  const stopping = (name?: string): RunState => ({ kind: 'stopping', name });
  const table: [string, RunState, string | undefined, StartDecision][] = [
    // A plain /start: exactly the contract (409 whenever a run is going, starting or stopping).
    ['plain, idle', idle, undefined, 'start'],
    ['plain, unnamed running', running(), undefined, 'conflict'],
    ['plain, named running', running('v1'), undefined, 'conflict'],
    ['plain, unnamed starting', starting(), undefined, 'conflict'],
    ['plain, named starting', starting('v1'), undefined, 'conflict'],
    ['plain, stopping', stopping(), undefined, 'conflict'],
    ['plain, named stopping', stopping('v1'), undefined, 'conflict'],
    // Named.
    ['named, idle', idle, 'v1', 'start'],
    ['same name running (a retried webhook)', running('v1'), 'v1', 'join'],
    ['same name starting (two calls at once)', starting('v1'), 'v1', 'join'],
    ['other name running (the next rollout)', running('v1'), 'v2', 'supersede'],
    ['other name starting', starting('v1'), 'v2', 'wait'],
    ['same name stopping (post-rollout, then the next pre-rollout)', stopping('v1'), 'v1', 'wait'],
    ['other name stopping', stopping('v1'), 'v2', 'wait'],
    // An unnamed run belongs to whoever started it: a named /start never ends it.
    ['named, unnamed running', running(), 'v1', 'conflict'],
    ['named, unnamed starting', starting(), 'v1', 'conflict'],
    ['named, unnamed stopping', stopping(), 'v1', 'conflict'],
  ];
  for (const [what, state, name, want] of table) {
    test(`${what}: ${want}`, () => assert.equal(decideStart(state, name), want));
  }
});

describe('runNameOf', () => {
  test('?name= wins over the body; the body is read when there is no query name', () => {
    assert.equal(runNameOf({ name: 'v2' }, { name: 'podinfo' }), 'v2');
    assert.equal(runNameOf({}, { name: 'podinfo' }), 'podinfo');
    assert.equal(runNameOf({}, { name: 'build-7', phase: 'x', checksum: 7 }), 'build-7');
    assert.equal(runNameOf({ fail: '1' }, undefined), undefined);
    assert.equal(runNameOf(undefined, 'name=podinfo'), undefined, 'a text body is not read');
    assert.equal(runNameOf(undefined, [{ name: 'x' }]), undefined);
  });

  test("Flagger's payload names the rollout: namespace/name@checksum", () => {
    const payload = { name: 'podinfo', namespace: 'test', phase: 'Progressing', metadata: {} };
    assert.equal(runNameOf({}, { ...payload, checksum: '5f7d8c9b4' }), 'test/podinfo@5f7d8c9b4');
    assert.equal(runNameOf({}, payload), 'test/podinfo', 'a Flagger without checksum');
    assert.equal(runNameOf({ name: 'r1' }, { ...payload, checksum: 'x' }), 'r1');
    const long = { ...payload, namespace: 'n'.repeat(63), name: 'c'.repeat(253), checksum: 'h' };
    assert.equal(runNameOf({}, long)!.length, 63 + 1 + 253 + 2);
    assert.throws(
      () => runNameOf({}, { ...payload, namespace: 'bad ns' }),
      (err) =>
        isZerodownError(err, 'ZD_USAGE') && /"namespace", "name" and "checksum"/.test(err.message),
    );
  });

  test('names controllers and pipelines use are accepted', () => {
    for (const name of [
      'podinfo',
      '6f8d7c9b5', // Argo Rollouts' pod-template hash
      '42', // a revision number
      'test/podinfo',
      'v1.2.3+build.4',
      'a'.repeat(320),
      'sha256:0123abcd',
      'release_2024-11-21',
      'ci@12345',
    ]) {
      assert.equal(runNameOf({ name }, undefined), name);
    }
  });

  test('anything else is ZD_USAGE (400), saying where the name came from', () => {
    const bad: [unknown, unknown, RegExp][] = [
      [{ name: '' }, undefined, /^\?name=: a run name is/],
      [{ name: ['a', 'b'] }, undefined, /^\?name=: .*got \["a","b"\]/],
      [{ name: 'a'.repeat(321) }, undefined, /^\?name=/],
      [{ name: '-v1' }, undefined, /^\?name=/],
      [{ name: 'v1 v2' }, undefined, /^\?name=/],
      [{ name: '{{args.revision}}' }, undefined, /^\?name=.*got "\{\{args\.revision\}\}"/],
      [{ name: 'a\nb' }, undefined, /^\?name=/],
      [undefined, { name: 42 }, /^the body’s "name": .*got 42$/],
      [undefined, { name: null }, /^the body’s "name"/],
      [undefined, { name: { x: 1 } }, /^the body’s "name"/],
    ];
    for (const [query, body, message] of bad) {
      assert.throws(
        () => runNameOf(query, body),
        (err) => isZerodownError(err, 'ZD_USAGE') && message.test(err.message),
        JSON.stringify({ query, body }),
      );
    }
  });
});
