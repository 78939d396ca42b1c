/**
 * The many-vantage examples (contract §7), run on this machine with each region a network
 * namespace (test/helpers/regions.ts) standing for a region-labelled runner or a zone:
 *
 * - examples/github/regions-artifacts.yml as GitHub would schedule it (matrix jobs at once, a
 *   workspace per job, files only through artifacts), eu's path cut during the deploy job;
 * - examples/github/regions-hub.yml the same way, its agent jobs on a real nats-server and its
 *   deploy job coordinating, eu's path cut during ./deploy.sh;
 * - examples/kubernetes-agents/job.yaml's three pods as processes (their args expanded as
 *   Kubernetes would, JOB_COMPLETION_INDEX 0-2), coordinated on the hub;
 *
 * plus the structure of each (matrix vs expected agents, labels, artifact names, the zone
 * spread). The live parts skip, saying why, without root, iproute2, nats-server or the agent.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { parse } from 'yaml';
import { parseConfigText } from '../../src/config/load.ts';
import { resolveConfig } from '../../src/config/resolve.ts';
import type { ResultDocument } from '../../src/result.ts';
import {
  only,
  readDocuments,
  readManifests,
  type Container,
  type PodSpec,
} from '../helpers/kubernetes.ts';
import { CLI, runCli } from '../helpers/cli.ts';
import { cannotRunRegionHub, startRegionHub, type RegionHub } from '../helpers/region-hub.ts';
import { cannotMakeRegions, Regions, type Cut } from '../helpers/regions.ts';
import { exampleWorkdir, runGithubWorkflow } from '../helpers/workflow.ts';

const EXAMPLES = fileURLToPath(new URL('../../examples', import.meta.url));
const REGIONS = ['eu', 'us', 'ap'];

interface Workflow {
  env?: Record<string, string>;
  jobs: Record<
    string,
    {
      needs?: string[];
      if?: string;
      'runs-on': string | string[];
      strategy?: { 'fail-fast'?: boolean; matrix: { region: string[] } };
      steps: {
        name?: string;
        run?: string;
        uses?: string;
        if?: string;
        with?: Record<string, string>;
      }[];
    }
  >;
}

const readWorkflow = (file: string) =>
  parse(readFileSync(join(EXAMPLES, 'github', file), 'utf8')) as Workflow;
const stepNamed = (steps: Workflow['jobs'][string]['steps'], prefix: string) =>
  steps.find((s) => s.name?.startsWith(prefix))!;
/** The value of `--flag value` or `--flag=value` in a command line. */
const flag = (cmd: string, name: string) =>
  new RegExp(`${name}[ =]("[^"]*"|'[^']*'|\\S+)`).exec(cmd)?.[1]?.replace(/^['"]|['"]$/g, '');

describe('GitHub: regions, results merged from artifacts (examples/github/regions-artifacts.yml)', () => {
  const wf = readWorkflow('regions-artifacts.yml');

  test('a probe job per region label, never cancelling the others; the merge expects exactly the matrix', () => {
    const probe = wf.jobs.probe!;
    assert.deepEqual(probe.strategy!.matrix.region, REGIONS);
    assert.equal(probe.strategy!['fail-fast'], false);
    assert.deepEqual(probe['runs-on'], ['self-hosted', '${{ matrix.region }}']);
    const run = stepNamed(probe.steps, 'zerodown:').run!;
    assert.equal(flag(run, '--agent'), '${{ matrix.region }}');
    const json = flag(run, '--json')!;
    const upload = probe.steps.find((s) => s.uses?.startsWith('actions/upload-artifact@'))!;
    assert.equal(upload.with!.path, json, 'the file uploaded is the file written');
    assert.equal(upload.if, 'always()');

    const verdict = wf.jobs.verdict!;
    assert.deepEqual(verdict.needs, ['probe', 'deploy']);
    assert.equal(verdict.if, 'always()');
    const download = verdict.steps.find((s) => s.uses?.startsWith('actions/download-artifact@'))!;
    const pattern = new RegExp(`^${download.with!.pattern!.replace('*', '.*')}$`);
    for (const r of REGIONS)
      assert.match(upload.with!.name!.replace('${{ matrix.region }}', r), pattern);
    const merge = stepNamed(verdict.steps, 'zerodown:').run!;
    assert.equal(flag(merge, '--expect-agents'), REGIONS.join(','));
    assert.ok(merge.includes(`${download.with!.path}/*.json`), merge);
  });

  const why = cannotMakeRegions();
  describe('run with each region job in its own network namespace', { skip: why }, () => {
    let regions: Regions;
    let server: http.Server;
    const seen = new Map<string, number>();
    before(async () => {
      regions = Regions.create(REGIONS);
      server = http.createServer((req, res) => {
        const from = req.socket.remoteAddress ?? '?';
        seen.set(from, (seen.get(from) ?? 0) + 1);
        res.end('ok');
      });
      server.listen(0, regions.targetHost);
      await once(server, 'listening');
    });
    after(() => {
      server?.close();
      regions?.dispose();
    });

    test('eu cut for 1 s during the deploy job: the merged verdict fails with one window naming eu', async () => {
      const cwd = exampleWorkdir(EXAMPLES);
      // The user's config, tuned for a sharp window (test/helpers/regions.ts says why).
      writeFileSync(
        join(cwd, 'zerodown.yml'),
        'baseUrl: ${API_URL}\ndefaults: { rate: 20, timeout: 500ms, connection: fresh }\n' +
          'endpoints:\n  - url: /healthz\n  - url: /api/orders\n',
      );
      const file = join(cwd, 'regions-artifacts.yml');
      writeFileSync(
        file,
        readFileSync(join(EXAMPLES, 'github/regions-artifacts.yml'), 'utf8').replace(
          'PROBE_FOR: 10m',
          'PROBE_FOR: 5s',
        ),
      );
      const { port } = server.address() as AddressInfo;
      let cut: Cut | undefined;
      const runs = await runGithubWorkflow(file, {
        cwd,
        asOnGithub: true,
        exprs: { 'vars.API_URL': `http://${regions.targetHost}:${port}` },
        wrap: (job, matrix) => (job === 'probe' ? regions.wrap(matrix.region!) : undefined),
        other: async (job, step) => {
          assert.equal(job, 'deploy', step.name ?? step.run);
          if (step.name === 'let every region start probing') {
            const until = Date.now() + 10_000;
            while (regions.regions.some((r) => (seen.get(r.address) ?? 0) < 10)) {
              assert.ok(
                Date.now() < until,
                `not every region probes: ${JSON.stringify([...seen])}`,
              );
              await new Promise((r) => setTimeout(r, 20));
            }
            await new Promise((r) => setTimeout(r, 500));
          } else cut = await regions.cut('eu', 1000);
        },
      });
      for (const r of runs.filter((x) => x.job === 'probe'))
        assert.equal(r.code, 0, `${r.matrix!.region}: ${r.stderr}`);
      const merge = runs.find((r) => r.job === 'verdict')!;
      assert.equal(merge.code, 1, merge.stdout + merge.stderr);
      const doc = JSON.parse(
        readFileSync(join(merge.cwd, 'zerodown-merged.json'), 'utf8'),
      ) as ResultDocument;
      assert.equal(doc.verdict, 'fail');
      assert.deepEqual(
        doc.agents!.map((a) => [a.name, a.complete]).sort(),
        REGIONS.map((r) => [r, true]).sort(),
      );
      const cutMs = cut!.endEpochMs - cut!.startEpochMs;
      for (const ep of doc.endpoints) {
        const windows = ep.downtime.windows;
        assert.equal(windows.length, 1, `${ep.name}: ${JSON.stringify(windows)}`);
        assert.deepEqual(windows[0]!.agents, ['eu']);
        // 20 probes/s: a window is known to one interval at each end (two: a connection under way
        // when the cut begins or ends fails too), plus timer and tc jitter.
        assert.ok(
          Math.abs(windows[0]!.durationMs - cutMs) <= 140,
          `${ep.name}: window ${windows[0]!.durationMs} ms, cut ${cutMs} ms`,
        );
        for (const r of ['us', 'ap']) assert.equal(ep.byAgent![r]!.totalErrors, 0, r);
      }
      console.log(
        `regions-artifacts: cut ${cutMs} ms → merged windows ` +
          doc.endpoints.map((e) => `${e.name} ${e.downtime.windows[0]!.durationMs} ms`).join(', '),
      );
    });
  });
});

describe('GitHub: regions live through a hub (examples/github/regions-hub.yml)', () => {
  const wf = readWorkflow('regions-hub.yml');

  test('an agent job per region label joins the hub under its region; the deploy job waits for exactly those agents', () => {
    const agent = wf.jobs.agent!;
    assert.deepEqual(agent.strategy!.matrix.region, REGIONS);
    assert.equal(agent.strategy!['fail-fast'], false);
    assert.deepEqual(agent['runs-on'], ['self-hosted', '${{ matrix.region }}']);
    const run = stepNamed(agent.steps, 'zerodown:').run!;
    assert.match(run, /^timeout "\$AGENT_FOR" zerodown agent /);
    assert.match(run, /\|\| \[ \$\? -eq 124 \]\s*$/, 'stopped by timeout is the normal end');
    assert.equal(flag(run, '--hub'), '$ZERODOWN_HUB');
    assert.equal(flag(run, '--name'), '${{ matrix.region }}');
    assert.equal(flag(run, '-c'), 'zerodown.yml');

    const deploy = wf.jobs.deploy!;
    assert.equal(deploy.needs, undefined, 'the deploy job runs alongside the agents');
    const coordinate = stepNamed(deploy.steps, 'zerodown:').run!;
    assert.match(coordinate, /^zerodown run /);
    assert.equal(flag(coordinate, '--hub'), '$ZERODOWN_HUB');
    assert.equal(flag(coordinate, '--agents'), REGIONS.join(','));
    assert.match(coordinate, / -- \.\/deploy\.sh\s*$/);
    assert.match(wf.env!.ZERODOWN_HUB!, /^\$\{\{ secrets\./, 'the hub URL carries credentials');
  });
});

const whyHub = cannotRunRegionHub();
describe(
  'regions-hub.yml run with each agent job in its own namespace and a real hub',
  { skip: whyHub },
  () => {
    let regions: Regions;
    let server: http.Server;
    let hub: RegionHub;
    before(async () => {
      regions = Regions.create(REGIONS);
      server = http.createServer((_req, res) => res.end('ok'));
      server.listen(0, regions.targetHost);
      await once(server, 'listening');
      hub = await startRegionHub(regions.targetHost);
    });
    after(() => {
      hub?.stop();
      server?.close();
      regions?.dispose();
    });

    test('eu cut for 1 s during ./deploy.sh: the deploy job fails with one window naming eu', async () => {
      const cwd = exampleWorkdir(EXAMPLES);
      writeFileSync(
        join(cwd, 'zerodown.yml'),
        'baseUrl: ${API_URL}\ndefaults: { rate: 20, timeout: 500ms, connection: fresh }\n' +
          'endpoints:\n  - url: /healthz\nphases: { warmup: 1s, settle: 1s }\n',
      );
      const marker = join(cwd, 'deploying');
      writeFileSync(join(cwd, 'deploy.sh'), `#!/bin/sh\ntouch '${marker}'\nsleep 3\n`, {
        mode: 0o755,
      });
      const file = join(cwd, 'regions-hub.yml');
      writeFileSync(
        file,
        readFileSync(join(EXAMPLES, 'github/regions-hub.yml'), 'utf8').replace(
          'AGENT_FOR: 20m',
          'AGENT_FOR: 12s',
        ),
      );
      const { port } = server.address() as AddressInfo;
      let done = false;
      let cut: Cut | undefined;
      const cutting = (async () => {
        while (!existsSync(marker) && !done) await new Promise((r) => setTimeout(r, 20));
        if (done) return;
        await new Promise((r) => setTimeout(r, 500));
        cut = await regions.cut('eu', 1000);
      })();
      const runs = await runGithubWorkflow(file, {
        cwd,
        asOnGithub: true,
        exprs: {
          'secrets.ZERODOWN_HUB': hub.url,
          'vars.API_URL': `http://${regions.targetHost}:${port}`,
        },
        wrap: (job, matrix) => (job === 'agent' ? regions.wrap(matrix.region!) : undefined),
        other: () => Promise.resolve(),
      }).finally(() => (done = true));
      await cutting;
      const deploy = runs.find((r) => r.job === 'deploy')!;
      const agents = runs.filter((r) => r.job === 'agent');
      const logs = agents.map((a) => `--- ${a.matrix!.region}\n${a.stderr}`).join('\n');
      assert.ok(cut, `./deploy.sh never ran:\n${deploy.stderr}\n${logs}`);
      for (const a of agents) assert.equal(a.code, 0, `${a.matrix!.region}: ${a.stderr}`);
      assert.equal(deploy.code, 1, `${deploy.stdout}\n${deploy.stderr}\n${logs}`);
      const doc = JSON.parse(
        readFileSync(join(deploy.cwd, 'zerodown-result.json'), 'utf8'),
      ) as ResultDocument;
      assert.deepEqual(
        doc.agents!.map((a) => [a.name, a.complete]).sort(),
        [...REGIONS, 'ci'].map((r) => [r, true]).sort(),
      );
      const w = doc.endpoints[0]!.downtime.windows;
      assert.equal(w.length, 1, JSON.stringify(w));
      assert.deepEqual(w[0]!.agents, ['eu']);
      const cutMs = cut.endEpochMs - cut.startEpochMs;
      // As above: two probe intervals at 20/s, plus timer and tc jitter.
      assert.ok(
        Math.abs(w[0]!.durationMs - cutMs) <= 140,
        `window ${w[0]!.durationMs} ms, cut ${cutMs} ms`,
      );
      console.log(
        `regions-hub.yml: cut ${cutMs} ms → one window of ${w[0]!.durationMs} ms naming eu`,
      );
    });
  },
);

describe(
  'kubernetes-agents/job.yaml run as its three pods would, one per region namespace, on a real hub',
  { skip: whyHub },
  () => {
    test('pods 0-2 join as index-0..2; a coordinated run with them passes, every agent complete', async () => {
      const regions = Regions.create(REGIONS);
      const server = http.createServer((_req, res) => res.end('ok'));
      server.listen(0, regions.targetHost);
      await once(server, 'listening');
      const hub = await startRegionHub(regions.targetHost);
      try {
        const objects = readManifests(join(EXAMPLES, 'kubernetes-agents')).map((m) => m.object);
        const pod = (only(objects, 'Job').spec as { template: { spec: PodSpec } }).template.spec;
        const agent = pod.containers.find((c) => c.name === 'agent')!;
        const cm = only(objects, 'ConfigMap');
        const dir = mkdtempSync(join(tmpdir(), 'zd-pods-'));
        const config = join(dir, 'zerodown.yml');
        writeFileSync(config, cm.data!['zerodown.yml']!);
        const apiUrl = `http://${regions.targetHost}:${(server.address() as AddressInfo).port}`;
        REGIONS.forEach((region, index) => {
          // The pod's env, with the hub and the target moved to this machine's, then Kubernetes'
          // $(VAR) expansion of the args; the ConfigMap's file at the path the args name.
          const env: Record<string, string> = { JOB_COMPLETION_INDEX: String(index) };
          for (const e of agent.env ?? []) env[e.name] = e.value!;
          env.ZERODOWN_HUB = hub.url;
          env.API_URL = apiUrl;
          const args = agent
            .args!.map((a) => a.replace(/\$\((\w+)\)/g, (_m, v: string) => env[v]!))
            .map((a) => (a.startsWith('--config=') ? `--config=${config}` : a));
          regions.spawn(region, process.execPath, [CLI, ...args], { env });
        });
        const out = join(dir, 'result.json');
        const r = await runCli(
          [
            'run',
            '-c',
            config,
            '--agent',
            'ci',
            '--no-progress',
            '--hub',
            hub.url,
            '--agents',
            'index-0,index-1,index-2',
            '--agents-timeout',
            '20s',
            '--warmup',
            '1s',
            '--settle',
            '1s',
            '--json',
            out,
            '--',
            'sleep',
            '1',
          ],
          { env: { API_URL: apiUrl }, timeoutMs: 60_000 },
        );
        assert.equal(r.code, 0, r.stdout + r.stderr);
        const doc = JSON.parse(readFileSync(out, 'utf8')) as ResultDocument;
        assert.deepEqual(
          doc.agents!.map((a) => [a.name, a.verdict, a.complete]).sort(),
          ['ci', 'index-0', 'index-1', 'index-2'].map((n) => [n, 'pass', true]),
        );
        for (const ep of doc.endpoints)
          for (const n of ['index-0', 'index-1', 'index-2'])
            assert.ok(ep.byAgent![n]!.totalRequests > 0, `${ep.name} from ${n}`);
      } finally {
        hub.stop();
        server.close();
        regions.dispose();
      }
    });
  },
);

describe('Kubernetes: agents as an Indexed Job (examples/kubernetes-agents)', () => {
  const dir = join(EXAMPLES, 'kubernetes-agents');
  const manifests = readManifests(dir);
  const objects = manifests.map((m) => m.object);
  const job = only(objects, 'Job');
  const spec = job.spec as {
    completionMode: string;
    completions: number;
    parallelism: number;
    template: {
      metadata: { labels: Record<string, string> };
      spec: {
        restartPolicy: string;
        containers: Container[];
        topologySpreadConstraints: {
          topologyKey: string;
          maxSkew: number;
          labelSelector: { matchLabels: Record<string, string> };
        }[];
        volumes: { name: string; configMap?: { name: string } }[];
      };
    };
  };

  test('Indexed, all pods at once, spread over zones by a selector that matches its own pods', () => {
    assert.equal(spec.completionMode, 'Indexed');
    assert.equal(spec.parallelism, spec.completions);
    assert.equal(spec.template.spec.restartPolicy, 'Never');
    const [spread] = spec.template.spec.topologySpreadConstraints;
    assert.equal(spread!.topologyKey, 'topology.kubernetes.io/zone');
    assert.equal(spread!.maxSkew, 1);
    for (const [k, v] of Object.entries(spread!.labelSelector.matchLabels))
      assert.equal(spec.template.metadata.labels[k], v, k);
  });

  test('pod N is agent index-N on the hub, probing the ConfigMap’s valid config', () => {
    const agent = spec.template.spec.containers.find((c) => c.name === 'agent')!;
    // Kubernetes expands $(VAR) in args from the container's env; the Job controller adds
    // JOB_COMPLETION_INDEX to it.
    const names = [...Array(spec.completions).keys()].map((i) => {
      const env: Record<string, string> = { JOB_COMPLETION_INDEX: String(i) };
      for (const e of agent.env ?? []) if (e.value !== undefined) env[e.name] = e.value;
      const args = agent.args!.map((a) => a.replace(/\$\((\w+)\)/g, (_m, v: string) => env[v]!));
      assert.equal(args[0], 'agent');
      assert.match(flag(args.join(' '), '--hub')!, /^nats:\/\/[\w.-]+:4222$/);
      return flag(args.join(' '), '--name');
    });
    assert.deepEqual(names, ['index-0', 'index-1', 'index-2']);
    const configPath = flag(agent.args!.join(' '), '--config')!;
    const mount = agent.volumeMounts!.find((m) => configPath.startsWith(`${m.mountPath}/`))!;
    const volume = spec.template.spec.volumes.find((v) => v.name === mount.name)!;
    const cm = objects.find(
      (o) => o.kind === 'ConfigMap' && o.metadata.name === volume.configMap!.name,
    )!;
    const text = cm.data![configPath.slice(mount.mountPath.length + 1)]!;
    const config = resolveConfig(parseConfigText(text, { API_URL: 'http://svc.test:9898' }));
    assert.ok(config.endpoints.length > 0);
  });

  test('the kustomization lists every manifest; the README says how to run the hub', () => {
    const k = readDocuments(join(dir, 'kustomization.yaml'))[0] as { resources: string[] };
    assert.deepEqual(k.resources.sort(), [...new Set(manifests.map((m) => m.file))].sort());
    for (const o of objects) assert.equal(o.metadata.namespace, 'zerodown', o.kind);
    const readme = readFileSync(join(dir, 'README.md'), 'utf8');
    assert.match(readme, /jetstream/i);
    assert.ok(readme.includes('nats://nats.nats.svc:4222'));
  });
});
