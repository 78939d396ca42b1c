/**
 * The examples/ folder, exercised for real: the commands each example runs (not GitHub, GitLab or
 * Kubernetes themselves) against a real local target with a real outage. The GitHub Action itself:
 * test/e2e/action.test.ts.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { parse } from 'yaml';
import { parseConfigText } from '../../src/config/load.ts';
import { resolveConfig } from '../../src/config/resolve.ts';
import type { ResultDocument } from '../../src/result.ts';
import { runCli } from '../helpers/cli.ts';
import {
  callWebhook,
  fillArgs,
  measure,
  SERVICE,
  type Measurement,
  type WebMetric,
  type Webhook,
} from '../helpers/controllers.ts';
import { FaultServer, sleep } from '../helpers/fault-server.ts';
import {
  only,
  podSpecOf,
  readDocuments,
  readManifests,
  runDeploymentContainer,
  type K8sObject,
  type PodSpec,
} from '../helpers/kubernetes.ts';
import { freePort, type ServeProcess } from '../helpers/serve.ts';
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

describe('Kubernetes manifests (examples/kubernetes)', () => {
  const dir = join(EXAMPLES, 'kubernetes');
  const manifests = readManifests(dir);
  const objects = manifests.map((m) => m.object);

  test('every YAML document of the Kubernetes, Argo Rollouts and Flagger examples parses and is an object with apiVersion, kind and metadata.name', () => {
    const files = ['kubernetes', 'argo-rollouts', 'flagger'].flatMap((d) =>
      readdirSync(join(EXAMPLES, d))
        .filter((f) => f.endsWith('.yaml'))
        .map((f) => join(EXAMPLES, d, f)),
    );
    assert.ok(files.length >= 10, files.join(' '));
    for (const file of files) {
      const docs = readDocuments(file) as Partial<K8sObject>[];
      assert.ok(docs.length > 0, file);
      for (const doc of docs) {
        assert.match(doc.apiVersion ?? '', /^([a-z0-9.-]+\/)?v\d+((alpha|beta)\d+)?$/, file);
        assert.match(doc.kind ?? '', /^[A-Z][A-Za-z]+$/, file);
        if (doc.kind === 'Kustomization') continue;
        assert.match(doc.metadata?.name ?? '', /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, file);
      }
    }
  });

  test('one of each object, all in the zerodown namespace; the kustomization lists all but the Secret', () => {
    assert.deepEqual(objects.map((o) => o.kind).sort(), [
      'ConfigMap',
      'Deployment',
      'Namespace',
      'Secret',
      'Service',
    ]);
    const ns = only(objects, 'Namespace').metadata.name;
    assert.equal(ns, 'zerodown');
    for (const o of objects)
      if (o.kind !== 'Namespace') assert.equal(o.metadata.namespace, ns, o.kind);
    const kustomization = readDocuments(join(dir, 'kustomization.yaml'))[0] as {
      resources: string[];
    };
    assert.deepEqual(
      kustomization.resources.sort(),
      [...new Set(manifests.map((m) => m.file))].filter((f) => f !== 'secret.yaml').sort(),
    );
  });

  test('the Deployment, Service, Secret and ConfigMap fit together, and the Service is the address the controllers call', () => {
    const deployment = only(objects, 'Deployment');
    const pod = podSpecOf(deployment);
    const service = only(objects, 'Service');
    const spec = deployment.spec as { replicas: number; strategy: { type: string } };
    assert.equal(spec.replicas, 1, 'one process holds the run');
    assert.equal(spec.strategy.type, 'Recreate');
    const labels = (
      deployment.spec as { template: { metadata: { labels: Record<string, string> } } }
    ).template.metadata.labels;
    for (const [k, v] of Object.entries(
      (service.spec as { selector: Record<string, string> }).selector,
    ))
      assert.equal(labels[k], v, `the Service selects the pods by ${k}`);
    const container = pod.containers.find((c) => c.name === 'zerodown')!;
    assert.deepEqual(container.args!.slice(0, 2), ['serve', '--host=0.0.0.0']);
    const port = Number(
      /^--port=(\d+)$/.exec(container.args!.find((a) => a.startsWith('--port='))!)![1],
    );
    const http = container.ports!.find((p) => p.name === 'http')!;
    assert.equal(http.containerPort, port);
    assert.deepEqual(container.readinessProbe!.httpGet, { path: '/healthz', port: 'http' });
    const svcPort = (service.spec as { ports: { port: number; targetPort: string }[] }).ports[0]!;
    assert.equal(svcPort.targetPort, 'http');
    const address = `http://${service.metadata.name}.${service.metadata.namespace}.svc:${svcPort.port}`;
    assert.equal(address, SERVICE);
    // The token comes from the Secret through ZERODOWN_TOKEN, never on the command line.
    const token = container.env!.find((e) => e.name === 'ZERODOWN_TOKEN')!.valueFrom!.secretKeyRef!;
    const secret = only(objects, 'Secret');
    assert.equal(token.name, secret.metadata.name);
    assert.ok(secret.stringData![token.key]);
    assert.ok(!container.args!.some((a) => a.startsWith('--token')));
    // The config file is the ConfigMap's, and it is a valid zerodown config.
    const mount = container.volumeMounts!.find((m) => m.name === 'config')!;
    const cm = pod.volumes.find((v) => v.name === 'config')!.configMap!.name;
    const configMap = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === cm)!;
    const configArg = container.args!.find((a) => a.startsWith('--config='))!;
    const file = configArg.slice('--config='.length);
    assert.equal(dirname(file), mount.mountPath);
    const config = resolveConfig(
      parseConfigText(configMap.data![basename(file)]!, {
        API_URL: 'http://podinfo.test.svc:9898',
      }),
    );
    assert.equal(config.maxRunMs, 3_600_000);
    assert.ok(config.endpoints.every((e) => e.url.startsWith('http://podinfo.test.svc:9898/')));
    // The init container installs the package the container runs.
    const install = pod.initContainers!.find((c) => c.name === 'install')!;
    assert.equal(install.command!.at(-1), '$(ZERODOWN_PACKAGE)');
    assert.match(
      install.env!.find((e) => e.name === 'ZERODOWN_PACKAGE')!.value!,
      /^zerodown@\d+\.\d+\.\d+$/,
    );
    assert.deepEqual(container.command, ['/opt/zerodown/node_modules/.bin/zerodown']);
  });

  test('the container as its pod runs it: ready on /healthz, token from the Secret, config from the ConfigMap', async () => {
    const port = await freePort();
    const pod = await runDeploymentContainer(dir, port, {
      API_URL: target.url('').replace(/\/$/, ''),
    });
    try {
      assert.match(pod.output(), /listening on http:\/\/0\.0\.0\.0:\d+ \(2 endpoints/);
      assert.equal((await fetch(`${pod.url}/start`, { method: 'POST' })).status, 401);
      const token = only(objects, 'Secret').stringData!.token!;
      const start = await fetch(`${pod.url}/start?name=check`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
      });
      assert.equal(start.status, 200);
      assert.match(await start.text(), new RegExp(`towards ${target.url('').replace(/\/$/, '')}`));
    } finally {
      assert.equal(await pod.stop('SIGTERM'), 0, 'SIGTERM ends the run and the server cleanly');
    }
  });
});

describe('progressive-delivery controllers: one run per rollout, rollout after rollout', () => {
  const objects = readManifests(join(EXAMPLES, 'kubernetes')).map((m) => m.object);
  const token = only(objects, 'Secret').stringData!.token!;
  let pod: ServeProcess;
  before(async () => {
    pod = await runDeploymentContainer(join(EXAMPLES, 'kubernetes'), await freePort(), {
      API_URL: target.url('/podinfo'),
    });
  });
  after(() => pod.stop());

  describe('Flagger (examples/flagger/canary.yaml)', () => {
    const canary = readDocuments(join(EXAMPLES, 'flagger/canary.yaml'))[0] as K8sObject & {
      spec: { service: { port: number }; analysis: { webhooks: Webhook[] } };
    };
    const hook = (type: string) => canary.spec.analysis.webhooks.find((w) => w.type === type)!;
    /**
     * Flagger's call of one webhook; its payload names the canary, and `checksum` (Flagger's hash
     * of the spec being rolled out: the same in every call of one rollout) tells rollouts apart.
     */
    const call = (type: string, phase: string, checksum: string) =>
      callWebhook(
        hook(type),
        {
          name: canary.metadata.name,
          namespace: canary.metadata.namespace!,
          phase,
          checksum,
          metadata: { source: 'test' },
        },
        pod.url,
      );
    let rollouts = 0;
    /** One rollout as Flagger runs it: pre-rollout, two rollout iterations, post-rollout. */
    async function rollout(during?: () => Promise<unknown>): Promise<{
      start: { status: number; text: string };
      gates: { status: number; text: string }[];
      final: ResultDocument;
      checksum: string;
    }> {
      const checksum = `5f7d8c9b${++rollouts}`;
      const start = await call('pre-rollout', 'Progressing', checksum);
      const gates = [];
      await sleep(300);
      gates.push(await call('rollout', 'Progressing', checksum));
      await during?.();
      await sleep(300);
      gates.push(await call('rollout', 'Progressing', checksum));
      const failed = gates.some((g) => g.status !== 200);
      const stop = await call('post-rollout', failed ? 'Failed' : 'Succeeded', checksum);
      assert.equal(stop.status, 200, stop.text);
      return { start, gates, final: JSON.parse(stop.text) as ResultDocument, checksum };
    }

    test('the Canary has a service block and the three webhooks, on the zerodown Service, with its token', () => {
      assert.equal(canary.kind, 'Canary');
      assert.equal(canary.spec.service.port, 9898);
      assert.deepEqual(
        canary.spec.analysis.webhooks.map((w) => [w.type, new URL(w.url).pathname]),
        [
          ['pre-rollout', '/start'],
          ['rollout', '/verdict'],
          ['post-rollout', '/stop'],
        ],
      );
      for (const w of canary.spec.analysis.webhooks) {
        const url = new URL(w.url);
        assert.equal(`${url.protocol}//${url.host}`, SERVICE);
        assert.equal(url.password, token, 'the token of the zerodown Secret');
      }
    });

    test('two rollouts in a row without downtime: both start afresh and both gates pass', async () => {
      for (const n of [1, 2]) {
        const r = await rollout();
        assert.equal(r.start.status, 200, `rollout ${n}: ${r.start.text}`);
        assert.match(r.start.text, /^Started load at \d{13} towards /, `rollout ${n}: a new run`);
        assert.deepEqual(
          r.gates.map((g) => g.status),
          [200, 200],
          `rollout ${n}`,
        );
        assert.match(r.gates[1]!.text, /^pass: /);
        assert.equal(r.final.name, `test/podinfo@${r.checksum}`);
        assert.equal(r.final.verdict, 'pass');
      }
    });

    test('an outage in the second rollout: its gate fails (412), the first passed', async () => {
      const first = await rollout();
      assert.deepEqual(
        first.gates.map((g) => g.status),
        [200, 200],
      );
      const second = await rollout(() => target.outage({ kind: 'status', status: 503 }, 200));
      assert.equal(second.start.status, 200);
      assert.deepEqual(
        second.gates.map((g) => g.status),
        [200, 412],
      );
      assert.match(
        second.gates[1]!.text,
        /^fail: \/podinfo\/healthz: 1 window, .* \(503 x\d+\); \/podinfo\/: 1 window, /,
      );
      assert.equal(second.final.verdict, 'fail');
      // The next rollout is not held back by the failed one.
      const third = await rollout();
      assert.deepEqual(
        third.gates.map((g) => g.status),
        [200, 200],
      );
    });

    test('a retried pre-rollout joins the run instead of failing with 409', async () => {
      const first = await call('pre-rollout', 'Progressing', 'c0ffee1');
      assert.match(first.text, /^Started load at /);
      const retry = await call('pre-rollout', 'Progressing', 'c0ffee1');
      assert.equal(retry.status, 200);
      assert.equal(retry.text, 'Run test/podinfo@c0ffee1 is already going\n');
      assert.equal((await call('post-rollout', 'Succeeded', 'c0ffee1')).status, 200);
    });

    test('a rollout whose post-rollout never came: the next rollout supersedes its run', async () => {
      assert.equal((await call('pre-rollout', 'Progressing', 'dead001')).status, 200);
      await sleep(200);
      const next = await call('pre-rollout', 'Progressing', 'beef002');
      assert.match(next.text, /^Started load at /);
      const gate = await call('rollout', 'Progressing', 'beef002');
      assert.equal(gate.status, 200);
      // The abandoned rollout's gate, were it asked again, would fail: its run was interrupted.
      const old = await call('rollout', 'Progressing', 'dead001');
      assert.equal(old.status, 412);
      assert.match(old.text, /^interrupted: .*superseded it/);
      assert.equal((await call('post-rollout', 'Succeeded', 'beef002')).status, 200);
    });
  });

  describe('Argo Rollouts (examples/argo-rollouts)', () => {
    const templates = Object.fromEntries(
      (
        readDocuments(join(EXAMPLES, 'argo-rollouts/analysis-template.yaml')) as (K8sObject & {
          spec: {
            metrics: WebMetric[];
            args: { name: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
          };
        })[]
      ).map((t) => [t.metadata.name, t]),
    );
    const rolloutSpec = readDocuments(join(EXAMPLES, 'argo-rollouts/rollout.yaml'))[0] as K8sObject;
    /** One measurement of a template's metric for `revision`, with the Secret's token. */
    const measureTemplate = (name: string, revision: string) => {
      const t = templates[name]!;
      const ref = t.spec.args.find((a) => a.name === 'zerodown-token')!.valueFrom!.secretKeyRef!;
      assert.deepEqual(ref, { name: 'zerodown', key: 'token' });
      return measure(t.spec.metrics[0]!, { revision, 'zerodown-token': token }, pod.url);
    };
    /** One rollout: the start step, background measurements, and (unless aborted) the stop step. */
    async function rollout(
      revision: string,
      during?: () => Promise<unknown>,
    ): Promise<{ start: Measurement; background: Measurement[]; stop?: Measurement }> {
      const start = await measureTemplate('zerodown-start', revision);
      const background: Measurement[] = [];
      await sleep(300);
      background.push(await measureTemplate('zerodown-no-downtime', revision));
      await during?.();
      await sleep(300);
      background.push(await measureTemplate('zerodown-no-downtime', revision));
      // failureLimit 0: one failed measurement aborts the rollout; the stop step never runs.
      if (background.some((m) => m.phase !== 'Successful')) return { start, background };
      return { start, background, stop: await measureTemplate('zerodown-stop', revision) };
    }

    test('the Rollout names each run after its revision, in the start and stop steps and the background analysis', () => {
      const canary = (
        rolloutSpec.spec as {
          strategy: {
            canary: {
              analysis: {
                startingStep: number;
                templates: { templateName: string }[];
                args: unknown[];
              };
              steps: { analysis?: { templates: { templateName: string }[]; args: unknown[] } }[];
            };
          };
        }
      ).strategy.canary;
      const revision = [{ name: 'revision', valueFrom: { podTemplateHashValue: 'Latest' } }];
      const steps = canary.steps.filter((s) => s.analysis);
      assert.deepEqual(
        steps.map((s) => s.analysis!.templates[0]!.templateName),
        ['zerodown-start', 'zerodown-stop'],
      );
      assert.equal(canary.steps[0]!.analysis?.templates[0]!.templateName, 'zerodown-start');
      assert.equal(canary.steps.at(-1)!.analysis?.templates[0]!.templateName, 'zerodown-stop');
      for (const s of steps) assert.deepEqual(s.analysis!.args, revision);
      assert.equal(canary.analysis.templates[0]!.templateName, 'zerodown-no-downtime');
      assert.equal(canary.analysis.startingStep, 1, 'after the start step');
      assert.deepEqual(canary.analysis.args, revision);
      for (const t of Object.values(templates)) {
        assert.equal(
          new URL(
            fillArgs(t.spec.metrics[0]!.provider.web.url, { revision: 'r' }),
          ).searchParams.get('name'),
          'r',
        );
      }
    });

    test('two revisions in a row: each is measured on its own run; an outage in the second fails its analysis', async () => {
      const first = await rollout('6d9f7b8c4');
      assert.equal(first.start.phase, 'Successful');
      assert.match(first.start.value, /^Started load at /);
      assert.deepEqual(
        first.background.map((m) => [m.phase, m.value]),
        [
          ['Successful', '"pass"'],
          ['Successful', '"pass"'],
        ],
      );
      assert.deepEqual(first.stop, { phase: 'Successful', value: '"pass"' });
      const second = await rollout('7c5d4e3f2', () =>
        target.outage({ kind: 'status', status: 502 }, 200),
      );
      assert.equal(second.start.phase, 'Successful');
      assert.deepEqual(
        second.background.map((m) => m.phase),
        ['Successful', 'Failed'],
      );
      assert.equal(second.background[1]!.value, '"fail"');
      assert.equal(second.stop, undefined, 'the rollout aborted');
    });

    test('after an aborted rollout with downtime, the next revision passes on its own run (never the old verdict)', async () => {
      const aborted = await rollout('1a2b3c4d5', () => target.outage({ kind: 'reset' }, 200));
      assert.equal(aborted.background[1]!.phase, 'Failed');
      // Nothing stopped that run: the next revision's start ends it and starts its own.
      const next = await rollout('5e6f7a8b9');
      assert.deepEqual(
        next.background.map((m) => [m.phase, m.value]),
        [
          ['Successful', '"pass"'],
          ['Successful', '"pass"'],
        ],
      );
      assert.deepEqual(next.stop, { phase: 'Successful', value: '"pass"' });
      const old = await measureTemplate('zerodown-no-downtime', '1a2b3c4d5');
      assert.equal(
        old.phase,
        'Error',
        'the aborted revision is neither the current nor the last run: 404',
      );
    });

    test('the job AnalysisTemplate: zerodown probe in a Job starts and stops its own run; the exit code is the verdict', async () => {
      const job = readDocuments(
        join(EXAMPLES, 'argo-rollouts/job-analysis-template.yaml'),
      )[0] as K8sObject & {
        spec: {
          args: { name: string; value: string }[];
          metrics: {
            provider: { job: { spec: { backoffLimit: number; template: { spec: PodSpec } } } };
          }[];
        };
      };
      const jobSpec = job.spec.metrics[0]!.provider.job.spec;
      assert.equal(jobSpec.backoffLimit, 0);
      const container = jobSpec.template.spec.containers[0]!;
      assert.deepEqual(container.command, ['/opt/zerodown/node_modules/.bin/zerodown']);
      const args = { duration: '3s', service: target.url('/job').replace(/\/$/, '') };
      const argv = container.args!.map((a) => fillArgs(a, args));
      assert.equal(argv[0], 'probe');
      const clean = await runCli(argv);
      assert.equal(clean.code, 0, clean.stdout + clean.stderr);
      const outage = runCli(argv);
      // Well inside the 3 s of probing, after the process has started (a few hundred ms).
      await sleep(1200);
      await target.outage({ kind: 'status', status: 503 }, 300);
      const failed = await outage;
      assert.equal(failed.code, 1, failed.stdout);
      assert.match(failed.stdout, /503 x/);
    });
  });

  describe('AWS CodeDeploy (examples/codedeploy)', () => {
    const headers = { authorization: `Bearer ${token}` };

    test('EC2/On-Premises: the appspec hook scripts, two instances, two deployments: exit 0, then exit 1 after downtime', async () => {
      const env = {
        ...process.env,
        PATH: `${zerodownShimDir()}:${process.env.PATH}`,
        ZERODOWN_SERVER: pod.url,
        ZERODOWN_TOKEN: token,
      };
      const cwd = exampleWorkdir(EXAMPLES);
      const hook = (file: string, deployment: string) =>
        bash(join(EXAMPLES, 'codedeploy', file), {
          cwd,
          env: { ...env, DEPLOYMENT_ID: deployment },
        });
      for (const [deployment, outage] of [
        ['d-CLEAN0001', false],
        ['d-OUTAGE002', true],
      ] as const) {
        // Every replacement instance runs the hooks: the first start begins the run, the other joins.
        const starts = [
          await hook('before-allow-traffic.sh', deployment),
          await hook('before-allow-traffic.sh', deployment),
        ];
        assert.deepEqual(
          starts.map((r) => r.code),
          [0, 0],
          starts[0]!.stderr + starts[1]!.stderr,
        );
        assert.match(starts[0]!.stdout, /^Started load at /);
        assert.equal(starts[1]!.stdout, `Run ${deployment} is already going\n`);
        await sleep(300);
        if (outage) await target.outage({ kind: 'status', status: 503 }, 200);
        await sleep(300);
        const after = await hook('after-allow-traffic.sh', deployment);
        assert.equal(after.code, outage ? 1 : 0, after.stdout + after.stderr);
        assert.match(after.stdout, outage ? /Downtime happened/ : /No downtime happened/);
      }
    });

    test('ECS/Lambda: the hook Lambda reports Succeeded, then Failed for a deployment with downtime', async () => {
      const { makeHandler } = (await import(
        pathToFileURL(join(EXAMPLES, 'codedeploy/hook-lambda.mjs')).href
      )) as {
        makeHandler: (options: {
          server: string;
          token: string;
          step: string;
          putStatus: (input: Record<string, string>) => Promise<unknown>;
          log: (line: string) => void;
        }) => (event: Record<string, string>) => Promise<string>;
      };
      const reported: Record<string, string>[] = [];
      const lines: string[] = [];
      const hook = (step: string) =>
        makeHandler({
          server: pod.url,
          token,
          step,
          putStatus: (input) => Promise.resolve(reported.push(input)),
          log: (line) => lines.push(line),
        });
      for (const [id, outage] of [
        ['d-LAMBDA001', false],
        ['d-LAMBDA002', true],
      ] as const) {
        const event = { DeploymentId: id, LifecycleEventHookExecutionId: `hook-${id}` };
        assert.equal(await hook('start')(event), 'Succeeded');
        await sleep(300);
        if (outage) await target.outage({ kind: 'reset' }, 200);
        await sleep(300);
        assert.equal(
          await hook('verdict')(event),
          outage ? 'Failed' : 'Succeeded',
          lines.join('\n'),
        );
      }
      assert.deepEqual(reported, [
        {
          deploymentId: 'd-LAMBDA001',
          lifecycleEventHookExecutionId: 'hook-d-LAMBDA001',
          status: 'Succeeded',
        },
        {
          deploymentId: 'd-LAMBDA001',
          lifecycleEventHookExecutionId: 'hook-d-LAMBDA001',
          status: 'Succeeded',
        },
        {
          deploymentId: 'd-LAMBDA002',
          lifecycleEventHookExecutionId: 'hook-d-LAMBDA002',
          status: 'Succeeded',
        },
        {
          deploymentId: 'd-LAMBDA002',
          lifecycleEventHookExecutionId: 'hook-d-LAMBDA002',
          status: 'Failed',
        },
      ]);
      // The verdict step ended the run: nothing is left going for the next deployment.
      assert.equal((await fetch(`${pod.url}/stop`, { method: 'POST', headers })).status, 409);
    });
  });
});
