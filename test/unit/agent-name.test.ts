import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { agentName } from '../../src/agent.ts';
import { isZerodownError } from '../../src/errors.ts';

const host = () => 'runner-7';

describe('agentName (--agent, contract §7)', () => {
  test('the flag, else ZERODOWN_AGENT, else index-N of an Indexed Job, else the host name', () => {
    const env = { ZERODOWN_AGENT: 'eu-west', JOB_COMPLETION_INDEX: '2' };
    assert.equal(agentName('us-east', env, host), 'us-east');
    assert.equal(agentName(undefined, env, host), 'eu-west');
    assert.equal(agentName(undefined, { JOB_COMPLETION_INDEX: '2' }, host), 'index-2');
    assert.equal(agentName(undefined, { ZERODOWN_AGENT: '' }, host), 'runner-7');
    assert.equal(agentName(undefined, { JOB_COMPLETION_INDEX: 'x' }, host), 'runner-7');
  });

  test('a bad name is a usage error naming where it came from', () => {
    for (const [flag, env, from] of [
      ['', {}, '--agent'],
      ['eu west', {}, '--agent'],
      ['-eu', {}, '--agent'],
      ['x'.repeat(64), {}, '--agent'],
      [undefined, { ZERODOWN_AGENT: 'a/b' }, 'ZERODOWN_AGENT'],
    ] as const) {
      assert.throws(
        () => agentName(flag, env, host),
        (e) => isZerodownError(e, 'ZD_USAGE') && e.message.startsWith(`${from}: `),
        String(flag),
      );
    }
    assert.equal(agentName('eu-west-1.a:b_c', {}, host), 'eu-west-1.a:b_c');
  });
});
