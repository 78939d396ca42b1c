/**
 * Every outcome of the table in src/outcome.ts, from the built binary: the result document's
 * `verdict`, the text report's headline and verdict line, the Markdown and JUnit reports and the
 * exit code all say the same thing.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ResultDocument } from '../../src/result.ts';
import { runCli, type CliRun } from '../helpers/cli.ts';
import { FaultServer } from '../helpers/fault-server.ts';

const dir = mkdtempSync(join(tmpdir(), 'zerodown-outcomes-'));
const FAST = ['--rate', '50', '--warmup', '500ms', '--settle', '500ms', '--no-progress'];

/** What one outcome must look like everywhere. */
interface Expected {
  verdict: string;
  code: number;
  label: string;
  headline: string;
}

let n = 0;
/** Runs the CLI with report files and checks that every output agrees with `want`. */
async function check(
  args: string[],
  want: Expected,
  options: Parameters<typeof runCli>[1] = {},
): Promise<{ run: CliRun; doc: ResultDocument }> {
  const base = join(dir, `run-${++n}`);
  const [command, ...rest] = args;
  const files = ['--json', `${base}.json`, '--markdown', `${base}.md`, '--junit', `${base}.xml`];
  const run = await runCli([command!, ...files, ...rest], options);
  const context = `${run.stdout}\n${run.stderr}`;
  assert.equal(run.code, want.code, context);
  const doc = JSON.parse(readFileSync(`${base}.json`, 'utf8')) as ResultDocument;
  assert.equal(doc.verdict, want.verdict, context);
  const lines = run.stdout.trimEnd().split('\n');
  const head = lines.find((l) => l.startsWith('zerodown '));
  assert.equal(head, `zerodown ${doc.tool.version}: ${want.headline}`, context);
  assert.match(lines.at(-1)!, new RegExp(`^Verdict: ${want.label} — \\S`), context);
  assert.match(readFileSync(`${base}.md`, 'utf8'), new RegExp(`\\*\\*${want.label}\\*\\* — `));
  const junit = readFileSync(`${base}.xml`, 'utf8');
  assert.ok(junit.includes(`<property name="verdict" value="${want.verdict}"/>`), junit);
  return { run, doc };
}

describe('every outcome agrees across the document, the reports and the exit code', () => {
  let server: FaultServer;
  let url: string;
  before(async () => {
    server = await FaultServer.start();
    url = server.url('/health');
  });
  after(() => server.close());

  test('pass', async () => {
    await check(['run', '-u', url, ...FAST, '--', 'sh', '-c', 'sleep 0.2'], {
      verdict: 'pass',
      code: 0,
      label: 'PASS',
      headline: 'No downtime happened',
    });
  });

  test('fail', async () => {
    await check(
      [
        'run',
        '-u',
        url,
        ...FAST,
        '--',
        'sh',
        '-c',
        `curl -s -o /dev/null '${server.controlUrl(503, 300)}'`,
      ],
      { verdict: 'fail', code: 1, label: 'FAIL', headline: 'Downtime happened' },
    );
  });

  test('deploy failed (no downtime): exit 3, and the JSON says so, not pass', async () => {
    const { doc } = await check(['run', '-u', url, ...FAST, '--', 'sh', '-c', 'exit 7'], {
      verdict: 'deploy-failed',
      code: 3,
      label: 'DEPLOY FAILED',
      headline: 'The deploy command failed',
    });
    assert.equal(doc.deploy!.exitCode, 7);
  });

  test('degraded: exit 0, or 1 where degraded fails the pipeline', async () => {
    for (const [fail, code] of [
      [false, 0],
      [true, 1],
    ] as const) {
      const config = join(dir, `degraded-${fail}.yml`);
      // Any answer takes more than 0 ms: p50 is always over this objective.
      writeFileSync(
        config,
        `endpoints: [{ url: "${url}" }]\nguard:\n  degraded: { latency: { percentile: 50, max: 0ms }, fail: ${fail} }\n`,
      );
      await check(['run', '-c', config, ...FAST, '--', 'true'], {
        verdict: 'degraded',
        code,
        label: 'DEGRADED',
        headline: 'No downtime, but degraded',
      });
    }
  });

  test('blocked: the target fails during warm-up, the deploy never starts', async () => {
    const marker = join(dir, 'deployed');
    server.mode = { kind: 'status', status: 503 };
    try {
      const { doc } = await check(['run', '-u', url, ...FAST, '--', 'touch', marker], {
        verdict: 'blocked',
        code: 4,
        label: 'BLOCKED',
        headline: 'Blocked: the deploy was not started',
      });
      assert.equal(doc.deploy, undefined);
    } finally {
      server.mode = { kind: 'ok' };
    }
  });

  test('rolled back by the guard', async () => {
    await check(
      [
        'run',
        '-u',
        url,
        ...FAST,
        '--abort-on-downtime',
        '100ms',
        '--rollback',
        `curl -s -o /dev/null '${server.modeUrl('ok')}'`,
        '--',
        'sh',
        '-c',
        `curl -s -o /dev/null '${server.modeUrl(503)}'; sleep 30`,
      ],
      {
        verdict: 'rolled-back',
        code: 5,
        label: 'ROLLED BACK',
        headline: 'Deploy aborted and rolled back',
      },
    );
    server.mode = { kind: 'ok' };
  });

  test('inconclusive: an endpoint the run was too short to probe', async () => {
    // At 1/s the second endpoint's first probe is due after the first one's: a 0 s run misses it.
    await check(
      [
        'probe',
        '-u',
        url,
        '-u',
        server.url('/other'),
        '-r',
        '1',
        '--duration',
        '0s',
        '--no-progress',
      ],
      {
        verdict: 'inconclusive',
        code: 6,
        label: 'INCONCLUSIVE',
        headline: 'Inconclusive: part of the measurement is missing',
      },
    );
  });

  test('interrupted: SIGINT during the deploy', async () => {
    await check(
      ['run', '-u', url, ...FAST, '--', 'sleep', '30'],
      {
        verdict: 'interrupted',
        code: 130,
        label: 'INTERRUPTED',
        headline: 'Interrupted: partial result',
      },
      { onStart: (pid) => setTimeout(() => process.kill(pid, 'SIGINT'), 1200) },
    );
  });
});
