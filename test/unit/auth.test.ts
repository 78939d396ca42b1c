/** The control server's token check (src/server/auth.ts): Bearer, or Basic with the token as password. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bearerChecker } from '../../src/server/auth.ts';

const basic = (pair: string) => `Basic ${Buffer.from(pair).toString('base64')}`;

test('Bearer <token>, or Basic <user:token> as a client sends for http://user:token@host/', () => {
  const check = bearerChecker('s3cret:with-colon');
  const table: [string | undefined, boolean][] = [
    ['Bearer s3cret:with-colon', true],
    ['bearer   s3cret:with-colon ', true],
    [basic('zerodown:s3cret:with-colon'), true],
    [basic(':s3cret:with-colon'), true],
    [`basic ${Buffer.from('flagger:s3cret:with-colon').toString('base64')}`, true],
    [undefined, false],
    ['', false],
    ['Bearer ', false],
    ['Bearer wrong', false],
    ['s3cret:with-colon', false],
    [basic('s3cret:with-colon'), false], // the token as the user name, wrong password
    [basic('zerodown:wrong'), false],
    [basic('no-colon-at-all'), false],
    ['Basic not base64!', false],
    ['Digest s3cret:with-colon', false],
  ];
  for (const [header, want] of table) assert.equal(check(header), want, String(header));
});
