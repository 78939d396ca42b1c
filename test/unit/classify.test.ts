import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ExpectConfig } from '../../src/config/resolve.ts';
import {
  classifyError,
  classifyResponse,
  isStaleConnectionError,
} from '../../src/probe/classify.ts';

const expect: ExpectConfig = {
  status: [[200, 399]],
  bodyContains: undefined,
  maxLatencyMs: undefined,
  headers: undefined,
};
const facts = { status: 200, headers: {}, bodyPrefix: 'ok', latencyMs: 5 };

describe('classifying responses', () => {
  test('an accepted status is ok with its code', () => {
    assert.deepEqual(classifyResponse(expect, facts), { ok: true, code: '200', check: undefined });
  });
  test('another status fails with that status', () => {
    assert.deepEqual(classifyResponse(expect, { ...facts, status: 503 }), {
      ok: false,
      code: '503',
      check: undefined,
    });
    assert.equal(classifyResponse(expect, { ...facts, status: 429 }).code, '429');
  });
  test('a missing body text is an assertion failure naming the check', () => {
    const c = classifyResponse({ ...expect, bodyContains: 'healthy' }, facts);
    assert.deepEqual(c, { ok: false, code: 'assertion', check: 'bodyContains' });
  });
  test('a header mismatch is an assertion failure naming the header', () => {
    const c = classifyResponse(
      { ...expect, headers: { 'x-ready': 'yes' } },
      { ...facts, headers: { 'x-ready': 'no' } },
    );
    assert.deepEqual(c, {
      ok: false,
      code: 'assertion',
      check: 'header:x-ready = "no", expected "yes"',
    });
    const missing = classifyResponse({ ...expect, headers: { 'x-ready': 'yes' } }, facts);
    assert.equal(missing.check, 'header:x-ready missing, expected "yes"');
    const secret = classifyResponse(
      { ...expect, headers: { 'x-api-token': 'abc' } },
      { ...facts, headers: { 'x-api-token': 'other' } },
    );
    assert.equal(secret.check, 'header:x-api-token = ***, expected ***');
  });
  test('too slow is slow', () => {
    assert.equal(classifyResponse({ ...expect, maxLatencyMs: 1 }, facts).code, 'slow');
  });
  test('status is checked before body and latency', () => {
    const c = classifyResponse(
      { ...expect, bodyContains: 'x', maxLatencyMs: 1 },
      { ...facts, status: 500 },
    );
    assert.equal(c.code, '500');
  });
});

describe('classifying errors', () => {
  const cases: [unknown, string][] = [
    [{ code: 'ECONNREFUSED' }, 'ECONNREFUSED'],
    [{ code: 'ENOTFOUND' }, 'ENOTFOUND'],
    [{ code: 'CERT_HAS_EXPIRED' }, 'CERT_HAS_EXPIRED'],
    [{ code: 'ECONNRESET' }, 'ECONNRESET'],
    [{ code: 'EPIPE' }, 'ECONNRESET'],
    [{ code: 'UND_ERR_SOCKET' }, 'ECONNRESET'],
    [{ code: 'UND_ERR_SOCKET', cause: { code: 'ETIMEDOUT' } }, 'ETIMEDOUT'],
    [{ code: 'UND_ERR_CONNECT_TIMEOUT' }, 'timeout'],
    [{ code: 'HPE_INVALID_CONSTANT' }, 'HPE_INVALID_CONSTANT'],
    [{ cause: { code: 'EAI_AGAIN' } }, 'EAI_AGAIN'],
    [{ name: 'HTTPParserError', code: undefined }, 'EPROTO'],
    [new Error('no code'), 'EUNKNOWN'],
    [null, 'EUNKNOWN'],
  ];
  for (const [err, want] of cases) {
    test(`${JSON.stringify(err)} → ${want}`, () => assert.equal(classifyError(err), want));
  }
  test('stale-connection errors are the closed-socket ones', () => {
    assert.equal(isStaleConnectionError({ code: 'UND_ERR_SOCKET' }), true);
    assert.equal(isStaleConnectionError({ code: 'ECONNREFUSED' }), false);
  });
});
