/**
 * The examples/ folder, exercised for real: the commands each example runs (not GitHub, GitLab or
 * Kubernetes themselves) against a real local target with a real outage. The GitHub Action itself:
 * test/e2e/action.test.ts.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { parse } from 'yaml';
import type { ResultDocument } from '../../src/result.ts';
import { FaultServer, sleep } from '../helpers/fault-server.ts';
import { freePort, startServe } from '../helpers/serve.ts';
import { bash, exampleWorkdir, runGithubWorkflow, zerodownShimDir } from '../helpers/workflow.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const EXAMPLES = join(ROOT, 'examples');

/** Ends a server an example started with --detach (the CI machine would end with the job). */
function stopDetached(pidFile: string): void {
  try {
    process.kill(Number(readFileSync(pidFile, 'utf8')), 'SIGTERM');
  } catch {
    // already gone
  }
}

let target: FaultServer;
before(async () => (target = await FaultServer.start()));
after(() => target.close());

describe('GitHub workflows', () => {
  for (const outage of [false, true]) {
    test(`split-job: ${outage ? 'an outage during the deploy job fails the workflow' : 'a clean deploy passes'}`, async () => {
      const cwd = exampleWorkdir(EXAMPLES);
      const port = await freePort();
      const server = `http://127.0.0.1:${port}`;
      // The example's server listens on 8080; the test moves it to a free-looking port.
      const wf = readFileSync(join(EXAMPLES, 'github/split-job.yml'), 'utf8')
        .replace('http://127.0.0.1:8080', server)
        .replace('zerodown serve --detach', `zerodown serve --detach --port ${port}`);
      writeFileSync(join(cwd, 'split-job.yml'), wf);
      const runs = await runGithubWorkflow(join(cwd, 'split-job.yml'), {
        cwd,
        exprs: { 'vars.API_URL': target.url(''), 'secrets.ZERODOWN_TOKEN': 't0ken' },
        other: async (job) => {
          assert.equal(job, 'deploy');
          await sleep(500);
          if (outage) await target.outage({ kind: 'status', status: 502 }, 400);
          await sleep(300);
        },
      });
      const byName = Object.fromEntries(runs.map((r) => [r.name, r]));
      const start = byName['zerodown: start the control server and the probes']!;
      assert.equal(start.code, 0, start.stderr);
      stopDetached(join(cwd, 'zerodown/serve.pid'));
      const stats = byName['zerodown: stop the probes and get the verdict']!;
      assert.equal(stats.code, 0, stats.stdout + stats.stderr);
      const doc = JSON.parse(
        readFileSync(join(cwd, 'zerodown-result.json'), 'utf8'),
      ) as ResultDocument;
      assert.equal(doc.verdict, outage ? 'fail' : 'pass');
      const final = byName['zerodown: fail the workflow on downtime']!;
      assert.equal(final.code, outage ? 1 : 0, final.stdout);
      assert.match(final.stdout, new RegExp(`zerodown verdict: ${outage ? 'fail' : 'pass'}`));
    });
  }

  test('pr-environment: wait for green, then the watched traffic shift', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'zd-pr-'));
    const runs = await runGithubWorkflow(join(EXAMPLES, 'github/pr-environment.yml'), {
      cwd,
      exprs: {
        'github.event.number': '42',
        'vars.PREVIEW_GREEN_URL': target.url(''),
        'vars.PREVIEW_URL': target.url(''),
        // The traffic shift: the new version answers from now on, with a short 503 blip.
        'vars.SHIFT_COMMAND': `curl -s '${target.controlUrl(503, 300)}' >/dev/null; sleep 1`,
      },
      other: () => Promise.resolve(),
    });
    const [wait, shift] = runs;
    assert.equal(wait!.code, 0, wait!.stderr);
    assert.equal(shift!.code, 1, `the blip fails the pull request: ${shift!.stderr}`);
    const doc = JSON.parse(
      readFileSync(join(cwd, 'zerodown-result.json'), 'utf8'),
    ) as ResultDocument;
    assert.ok(doc.endpoints.every((e) => e.downtime.windows.length === 1));
    assert.ok(doc.endpoints.every((e) => e.versions !== undefined));
  });

  test('single-job: the CLI step (shown for reference) is well-formed and skipped', () => {
    const wf = parse(readFileSync(join(EXAMPLES, 'github/single-job.yml'), 'utf8')) as {
      jobs: { deploy: { steps: { uses?: string; with?: Record<string, string> }[] } };
    };
    const action = wf.jobs.deploy.steps.find((s) => s.uses?.includes('zerodown'));
    const inputs = (
      parse(readFileSync(join(ROOT, 'action.yml'), 'utf8')) as { inputs: Record<string, unknown> }
    ).inputs;
    for (const key of Object.keys(action!.with!)) assert.ok(key in inputs, `action input ${key}`);
  });
});

describe('GitLab CI', () => {
  test('start, deploy with an outage, verdict fails the pipeline', async () => {
    const cwd = exampleWorkdir(EXAMPLES);
    const ci = parse(readFileSync(join(EXAMPLES, 'gitlab/.gitlab-ci.yml'), 'utf8')) as Record<
      string,
      { script?: string[] }
    > & { variables: Record<string, string> };
    const port = await freePort();
    const env = {
      ...process.env,
      PATH: `${zerodownShimDir()}:${process.env.PATH}`,
      ZERODOWN_SERVER: ci.variables.ZERODOWN_SERVER!.replace('8080', String(port)),
      CI_PIPELINE_ID: String(port),
      API_URL: target.url(''),
    };
    const script = (job: string) =>
      ci[job]!.script!.join('\n').replace('serve --detach', `serve --detach --port ${port}`);
    const start = await bash(script('zerodown:start'), { cwd, env });
    assert.equal(start.code, 0, start.stderr);
    await sleep(500);
    await target.outage({ kind: 'reset' }, 300);
    await sleep(300);
    const verdict = await bash(script('zerodown:verdict'), { cwd, env });
    stopDetached(`/tmp/zerodown-${port}/serve.pid`);
    assert.equal(verdict.code, 1, verdict.stderr);
    assert.match(verdict.stdout, /ECONNRESET/);
  });
});

describe('progressive-delivery controllers (the HTTP exchange)', () => {
  test('Argo Rollouts web metric: jsonPath {$.verdict} meets result == "pass" until downtime', async () => {
    const tpl = parse(
      readFileSync(join(EXAMPLES, 'argo-rollouts/analysis-template.yaml'), 'utf8'),
    ) as {
      spec: {
        metrics: {
          successCondition: string;
          provider: { web: { url: string; jsonPath: string } };
        }[];
      };
    };
    const metric = tpl.spec.metrics[0]!;
    const path = new URL(metric.provider.web.url).pathname;
    const field = /^\{\$\.(\w+)\}$/.exec(metric.provider.web.jsonPath)![1]!;
    const wanted = /^result == "(\w+)"$/.exec(metric.successCondition)![1]!;
    const serve = await startServe(['-u', target.url('/argo'), '--rate', '50', '--token', 'tok']);
    try {
      const headers = { authorization: 'Bearer tok' };
      await fetch(`${serve.url}/start`, { headers });
      await sleep(300);
      const measure = async () =>
        (
          (await (await fetch(`${serve.url}${path}`, { headers })).json()) as Record<string, string>
        )[field];
      assert.equal(await measure(), wanted);
      await target.outage({ kind: 'status', status: 500 }, 200);
      await sleep(200);
      assert.notEqual(await measure(), wanted);
    } finally {
      await serve.stop();
    }
  });

  test('Flagger webhooks: pre-rollout POST /start, rollout gate POST /verdict 200 then 412', async () => {
    const canary = parse(readFileSync(join(EXAMPLES, 'flagger/canary.yaml'), 'utf8')) as {
      spec: { analysis: { webhooks: { type: string; url: string }[] } };
    };
    const hook = (type: string) =>
      new URL(canary.spec.analysis.webhooks.find((w) => w.type === type)!.url).pathname;
    const serve = await startServe(['-u', target.url('/flagger'), '--rate', '50']);
    try {
      // Flagger POSTs a JSON payload to every webhook.
      const payload = { name: 'api', namespace: 'default', phase: 'Progressing', metadata: {} };
      const post = (p: string) =>
        fetch(`${serve.url}${p}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(payload),
        });
      assert.equal((await post(hook('pre-rollout'))).status, 200);
      await sleep(300);
      assert.equal((await post(hook('rollout'))).status, 200);
      await target.outage({ kind: 'status', status: 503 }, 200);
      await sleep(200);
      const gate = await post(hook('rollout'));
      assert.equal(gate.status, 412);
      assert.match(await gate.text(), /^fail: \/flagger: 1 window/);
    } finally {
      await serve.stop();
    }
  });

  test('CodeDeploy AfterAllowTraffic hook reports Succeeded, then Failed after downtime', async () => {
    const serve = await startServe(['-u', target.url('/cd'), '--rate', '50']);
    const bin = zerodownShimDir();
    const calls = join(bin, 'aws-calls');
    writeFileSync(join(bin, 'aws'), `#!/bin/sh\necho "$@" >> "${calls}"\n`, { mode: 0o755 });
    const env = {
      ...process.env,
      PATH: `${bin}:${process.env.PATH}`,
      ZERODOWN_SERVER: serve.url,
      DEPLOYMENT_ID: 'd-123',
      LIFECYCLE_EVENT_HOOK_EXECUTION_ID: 'h-456',
    };
    const hook = join(EXAMPLES, 'codedeploy/after-allow-traffic.sh');
    const cwd = exampleWorkdir(EXAMPLES);
    try {
      await fetch(`${serve.url}/start`);
      await sleep(300);
      assert.equal((await bash(hook, { cwd, env })).code, 0);
      await target.outage({ kind: 'status', status: 503 }, 200);
      await sleep(200);
      assert.equal((await bash(hook, { cwd, env })).code, 0);
      const lines = readFileSync(calls, 'utf8').trim().split('\n');
      assert.equal(lines.length, 2);
      assert.match(
        lines[0]!,
        /--deployment-id d-123 --lifecycle-event-hook-execution-id h-456 --status Succeeded$/,
      );
      assert.match(lines[1]!, /--status Failed$/);
    } finally {
      await serve.stop();
    }
  });
});
