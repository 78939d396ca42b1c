/** The GitHub Action's pure parts: inputs → zerodown command lines, and the outputs file. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { inputVariable, planFromInputs, readInput } from '../../action/src/inputs.ts';
import { formatOutputs, parseOutputs } from '../../action/src/outputs.ts';

describe('action inputs', () => {
  test('the variable GitHub Actions passes an input in: upper case, spaces as _, hyphens kept', () => {
    assert.equal(inputVariable('fail-on-downtime'), 'INPUT_FAIL-ON-DOWNTIME');
    assert.equal(inputVariable('version-header'), 'INPUT_VERSION-HEADER');
    assert.equal(inputVariable('a b'), 'INPUT_A_B');
  });

  test('a value is trimmed; empty or missing is the default', () => {
    assert.equal(readInput({ INPUT_MODE: '  stop \n' }, 'mode'), 'stop');
    assert.equal(readInput({ INPUT_MODE: '' }, 'mode'), 'run');
    assert.equal(readInput({}, 'result'), 'zerodown-result.json');
  });

  const cases: {
    name: string;
    env: Record<string, string>;
    argv: string[][];
    env0?: Record<string, string>;
  }[] = [
    {
      name: 'run: every probing, guard and report input becomes its flag; the command goes to sh -c',
      env: {
        INPUT_COMMAND: './deploy.sh "a b"',
        INPUT_CONFIG: 'zd.yml',
        INPUT_URLS: ' https://x/a \n\n  https://x/b\n',
        INPUT_RATE: '20',
        INPUT_TIMEOUT: '1s',
        INPUT_WARMUP: '2s',
        INPUT_SETTLE: '3s',
        INPUT_CONNECTION: 'fresh',
        'INPUT_VERSION-HEADER': 'x-version',
        INPUT_ROLLBACK: './undo.sh',
        'INPUT_ABORT-ON-DOWNTIME': '500ms',
        INPUT_OVERRIDE: 'hotfix',
        INPUT_HTML: 'r.html',
        INPUT_JUNIT: 'r.xml',
        INPUT_MARKDOWN: 'r.md',
      },
      argv: [
        [
          'run',
          ...['--config', 'zd.yml', '--url', 'https://x/a', '--url', 'https://x/b'],
          ...['--rate', '20', '--timeout', '1s', '--connection', 'fresh'],
          ...['--version-header', 'x-version', '--warmup', '2s', '--settle', '3s'],
          ...['--rollback', './undo.sh', '--abort-on-downtime', '500ms', '--override', 'hotfix'],
          ...['--json', 'zerodown-result.json'],
          ...['--html', 'r.html', '--junit', 'r.xml', '--markdown', 'r.md'],
          ...['--', 'sh', '-c', './deploy.sh "a b"'],
        ],
      ],
    },
    {
      name: 'start with serve: a detached server on the port, then start; the token by environment',
      env: {
        INPUT_MODE: 'start',
        INPUT_SERVE: 'true',
        INPUT_PORT: '9090',
        INPUT_URLS: 'https://x/a',
        INPUT_SERVER: 'http://127.0.0.1:9090',
        INPUT_TOKEN: 't',
      },
      argv: [
        ['serve', '--detach', '--port', '9090', '--url', 'https://x/a'],
        ['start', '--server', 'http://127.0.0.1:9090'],
      ],
      env0: { ZERODOWN_TOKEN: 't', RUNNER_TRACKING_ID: '' },
    },
    {
      name: 'stop: --fail, the result and the reports',
      env: { INPUT_MODE: 'stop', INPUT_MARKDOWN: 'r.md' },
      argv: [
        [
          ...['stop', '--server', 'http://127.0.0.1:8080', '--fail'],
          ...['--json', 'zerodown-result.json', '--markdown', 'r.md'],
        ],
      ],
      env0: {},
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const plan = planFromInputs(c.env);
      assert.deepEqual(
        plan.invocations.map((i) => i.argv),
        c.argv,
      );
      if (c.env0) assert.deepEqual(plan.invocations[0]!.env, c.env0);
      assert.deepEqual(plan.ignored, []);
    });
  }

  test('an input given in a mode it means nothing in is listed (a warning); defaults are not', () => {
    const plan = planFromInputs({
      INPUT_MODE: 'stats',
      INPUT_WARMUP: '5s',
      INPUT_SERVE: 'false',
      INPUT_PORT: '8080',
      INPUT_COMMAND: './deploy.sh',
    });
    assert.deepEqual(plan.ignored, ['command', 'warmup']);
  });

  test('fail-on-downtime and serve read booleans as YAML does', () => {
    assert.equal(planFromInputs({ INPUT_MODE: 'stop' }).failOnDowntime, true);
    assert.equal(
      planFromInputs({ INPUT_MODE: 'stop', 'INPUT_FAIL-ON-DOWNTIME': 'False' }).failOnDowntime,
      false,
    );
    assert.throws(
      () => planFromInputs({ INPUT_MODE: 'start', INPUT_SERVE: 'yes' }),
      /input serve: expected true or false, got "yes"/,
    );
  });
});

describe('action outputs', () => {
  test('the multiline form keeps newlines and = in a value', () => {
    const values = {
      verdict: 'fail',
      'exit-code': '1',
      result: 'a=b.json',
      html: 'two\nlines.html',
      junit: '',
      markdown: '',
    };
    const text = formatOutputs(values, 'EOF_x');
    assert.ok(text.startsWith('verdict<<EOF_x\nfail\nEOF_x\n'));
    assert.deepEqual(parseOutputs(text), values);
    // Each call has a delimiter of its own, which a value cannot hold.
    assert.notEqual(formatOutputs(values).split('\n')[0], formatOutputs(values).split('\n')[0]);
    assert.throws(() => formatOutputs({ ...values, result: 'EOF_x' }, 'EOF_x'), /delimiter/);
  });
});
