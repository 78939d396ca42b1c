/**
 * The Kubernetes examples without a cluster: reading their manifests, and running the zerodown
 * container of examples/kubernetes/deployment.yaml as a local process — its args, its env (the
 * Secret's token, the ConfigMap's config file), its readiness probe — with the built CLI in
 * place of the installed package.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { CLI } from './cli.ts';
import type { ServeProcess } from './serve.ts';

/** A Kubernetes object as written (only what the tests read is typed). */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  [key: string]: unknown;
}

/** A container of a pod template. */
export interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  env?: {
    name: string;
    value?: string;
    valueFrom?: { secretKeyRef?: { name: string; key: string } };
  }[];
  ports?: { name?: string; containerPort: number }[];
  readinessProbe?: { httpGet: { path: string; port: string | number } };
  livenessProbe?: { httpGet: { path: string; port: string | number } };
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
}

/** A pod spec (of a Deployment or a Job). */
export interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  volumes: { name: string; emptyDir?: object; configMap?: { name: string } }[];
  [key: string]: unknown;
}

/** Every document of a YAML file; a document that does not parse throws, naming the file. */
export function readDocuments(file: string): unknown[] {
  return parseAllDocuments(readFileSync(file, 'utf8')).map((d, i) => {
    if (d.errors.length > 0) throw new Error(`${file} document ${i}: ${d.errors[0]!.message}`);
    return d.toJS() as unknown;
  });
}

/** The objects of every `*.yaml` in `dir` but kustomization.yaml, with the file each came from. */
export function readManifests(dir: string): { file: string; object: K8sObject }[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
    .flatMap((file) =>
      readDocuments(join(dir, file)).map((o) => ({ file, object: o as K8sObject })),
    );
}

/** The one object of `kind` among `objects`. */
export function only(objects: readonly K8sObject[], kind: string): K8sObject {
  const found = objects.filter((o) => o.kind === kind);
  if (found.length !== 1) throw new Error(`expected one ${kind}, found ${found.length}`);
  return found[0]!;
}

/** A Deployment's pod spec. */
export function podSpecOf(deployment: K8sObject): PodSpec {
  return (deployment.spec as { template: { spec: PodSpec } }).template.spec;
}

/**
 * Runs the `zerodown` container of the Deployment in `dir` as a process, as its pod would: its
 * args (`--port` moved to `port`), its env (`secretKeyRef`s read from the Secret, `env`
 * overriding values, e.g. API_URL), the ConfigMap's files and an empty data folder at their
 * mount paths (moved into a temporary folder). Resolves once the readiness probe answers 200.
 */
export async function runDeploymentContainer(
  dir: string,
  port: number,
  env: Record<string, string>,
): Promise<ServeProcess> {
  const objects = readManifests(dir).map((m) => m.object);
  const pod = podSpecOf(only(objects, 'Deployment'));
  const container = pod.containers.find((c) => c.name === 'zerodown')!;
  const root = mkdtempSync(join(tmpdir(), 'zd-pod-'));
  const moved = new Map<string, string>();
  for (const mount of container.volumeMounts ?? []) {
    const volume = pod.volumes.find((v) => v.name === mount.name)!;
    const local = mkdtempSync(join(root, `${mount.name}-`));
    moved.set(mount.mountPath, local);
    if (volume.configMap) {
      const cm = objects.find(
        (o) => o.kind === 'ConfigMap' && o.metadata.name === volume.configMap!.name,
      );
      for (const [name, text] of Object.entries(cm!.data!)) writeFileSync(join(local, name), text);
    }
  }
  const args = (container.args ?? []).map((arg) => {
    if (/^--port=\d+$/.test(arg)) return `--port=${port}`;
    for (const [path, local] of moved)
      if (arg.includes(`=${path}`)) return arg.replace(`=${path}`, `=${local}`);
    return arg;
  });
  const podEnv: Record<string, string> = {};
  for (const e of container.env ?? []) {
    const ref = e.valueFrom?.secretKeyRef;
    if (ref) {
      const secret = objects.find((o) => o.kind === 'Secret' && o.metadata.name === ref.name)!;
      podEnv[e.name] = secret.stringData![ref.key]!;
    } else podEnv[e.name] = e.value!;
  }
  // A pod's environment is its own: nothing of this process's ZERODOWN_* leaks in.
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('ZERODOWN_')),
  );
  const child = spawn(process.execPath, [CLI, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...base, ...podEnv, ...env },
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      rmSync(root, { recursive: true, force: true });
      resolve(code);
    }),
  );
  const probe = container.readinessProbe!.httpGet;
  const url = `http://127.0.0.1:${port}`;
  const until = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the container exited ${child.exitCode}: ${out}`);
    if (Date.now() > until) throw new Error(`the readiness probe never passed: ${out}`);
    const ready = await fetch(`${url}${probe.path}`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ready) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    child,
    url,
    output: () => out,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
