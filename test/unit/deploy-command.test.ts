/**
 * A deploy command run through `sh -c` that could not start: the shell's exit 127 or 126 about
 * the line's first command, as dash, bash and busybox word it.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { shellStartError } from '../../src/deploy/command.ts';

describe('shellStartError', () => {
  const cases: [string, string, number, string, string | undefined, string?][] = [
    [
      'dash: not found',
      'no-such-cmd --now',
      127,
      '/bin/sh: 1: no-such-cmd: not found\n',
      'ENOENT: no-such-cmd: not found (the shell exited 127)',
    ],
    [
      'bash as sh',
      'no-such-cmd --now',
      127,
      '/bin/sh: line 1: no-such-cmd: command not found\n',
      'ENOENT: no-such-cmd: command not found (the shell exited 127)',
    ],
    [
      'busybox',
      '/opt/deploy.sh prod',
      127,
      '/bin/sh: /opt/deploy.sh: not found\n',
      'ENOENT: /opt/deploy.sh: not found (the shell exited 127)',
    ],
    [
      'not executable',
      './deploy.sh prod',
      126,
      '/bin/sh: 1: ./deploy.sh: Permission denied\n',
      'EACCES: ./deploy.sh: Permission denied (the shell exited 126)',
    ],
    [
      'past environment assignments',
      'ENV=prod DRY_RUN= deployit --all',
      127,
      '/bin/sh: 1: deployit: not found\n',
      'ENOENT: deployit: not found (the shell exited 127)',
    ],
    [
      'given as `bash -c <line>`: bash names itself',
      'no-such-cmd --now',
      127,
      'bash: line 1: no-such-cmd: command not found\n',
      'ENOENT: no-such-cmd: command not found (the shell exited 127)',
      'bash',
    ],
    [
      'another program saying "not found" is not the shell',
      'no-such-cmd --now',
      127,
      'helper: 1: no-such-cmd: not found\n',
      undefined,
    ],
    [
      'a later command of the line is missing: the deploy did start',
      './build.sh && kubectl apply -f k8s/',
      127,
      'built\n/bin/sh: 1: kubectl: not found\n',
      undefined,
    ],
    [
      'the script itself exits 127 (its own missing command)',
      './deploy.sh prod',
      127,
      './deploy.sh: 3: kubectl: not found\n',
      undefined,
    ],
    ['exit 127 with nothing said', 'no-such-cmd 2>/dev/null', 127, '', undefined],
    [
      'another exit code',
      'no-such-cmd --now',
      1,
      '/bin/sh: 1: no-such-cmd: not found\n',
      undefined,
    ],
  ];
  for (const [name, line, exitCode, stderr, expected, shell] of cases) {
    test(name, () => assert.equal(shellStartError(line, exitCode, stderr, shell), expected));
  }
});
