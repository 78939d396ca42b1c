/**
 * Runs the shell steps of an example CI workflow the way the CI would, on this machine: `run:`
 * scripts in bash with their `env:`, `${{ … }}` expressions resolved from a table the test gives
 * (an expression the table lacks fails the test, so examples stay runnable), step and job outputs
 * carried through `$GITHUB_OUTPUT`. `zerodown` on PATH is the built binary.
 */
import { execFile } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { CLI } from './cli.ts';

const exec = promisify(execFile);

/** A folder with a `zerodown` command running the built CLI on this Node. */
export function zerodownShimDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'zd-bin-'));
  const shim = join(dir, 'zerodown');
  writeFileSync(shim, `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`);
  chmodSync(shim, 0o755);
  return dir;
}

/** Runs a bash script; resolves with its exit code and output (never rejects on exit codes). */
export async function bash(
  script: string,
  options: { cwd: string; env: NodeJS.ProcessEnv; wrap?: readonly string[] },
): Promise<{ code: number; stdout: string; stderr: string }> {
  const [bin, ...pre] = [...(options.wrap ?? []), 'bash'];
  try {
    const { stdout, stderr } = await exec(bin, [...pre, '-eo', 'pipefail', '-c', script], {
      cwd: options.cwd,
      env: options.env,
      timeout: 120_000,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout, stderr: e.stderr };
  }
}

/** A step of a workflow job (only what the runner reads is typed). */
export interface Step {
  id?: string;
  name?: string;
  if?: unknown;
  run?: string;
  uses?: string;
  with?: Record<string, string | number | boolean>;
  env?: Record<string, string>;
}
interface Job {
  steps: Step[];
  needs?: string | string[];
  outputs?: Record<string, string>;
  env?: Record<string, string>;
  strategy?: { matrix?: Record<string, unknown[]> };
}

/** What happened to one step. */
export interface StepRun {
  job: string;
  /** The matrix values of the job's instance, when it has a matrix. */
  matrix?: Record<string, string>;
  name: string;
  /** The job's workspace (its own folder with `asOnGithub`). */
  cwd: string;
  code: number;
  stdout: string;
  stderr: string;
}

/** Every combination of a job's matrix (lists only; one empty combination without a matrix). */
function matrixOf(job: Job): Record<string, string>[] {
  let combos: Record<string, string>[] = [{}];
  for (const [key, values] of Object.entries(job.strategy?.matrix ?? {})) {
    if (!Array.isArray(values)) throw new Error(`matrix.${key}: only lists are supported here`);
    combos = combos.flatMap((c) => values.map((v) => ({ ...c, [key]: String(v) })));
  }
  return combos;
}

/** `name` or `*`-pattern match, as download-artifact's `pattern`. */
function globMatch(pattern: string, name: string): boolean {
  const re = pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${re}$`).test(name);
}

/**
 * Runs a GitHub Actions workflow's jobs. Steps named `zerodown: …` run for real; any other
 * `run:` step is handed to `other` (the test plays the deploy there); `uses:` steps, steps with
 * `if: false` and `npm install -g zerodown@…` (the shim is zerodown here) are skipped. A failing
 * step ends its job, as on GitHub, but for later steps with `if: always()`.
 *
 * By default jobs run one after the other in file order, all in `cwd`. With `asOnGithub`, jobs
 * run as GitHub schedules them: each as soon as the jobs it `needs` are done (so jobs without
 * `needs` run at the same time), one instance per combination of its `strategy.matrix` (lists;
 * `${{ matrix.<key> }}` resolves), each in a workspace of its own (a copy of `cwd`), and files
 * pass between jobs only through `actions/upload-artifact` (`name`, `path` of one file) and
 * `actions/download-artifact` (`pattern`, `path`, all matching artifacts' files into `path`).
 * `wrap(job, matrix)` may give a command prefix for a job instance's steps (to run them inside a
 * network namespace standing for a region-labelled runner).
 */
export async function runGithubWorkflow(
  file: string,
  options: {
    exprs: Record<string, string>;
    other: (job: string, step: Step, matrix: Record<string, string>) => Promise<void>;
    cwd: string;
    asOnGithub?: boolean;
    wrap?: (job: string, matrix: Record<string, string>) => readonly string[] | undefined;
  },
): Promise<StepRun[]> {
  const wf = parse(readFileSync(file, 'utf8')) as {
    env?: Record<string, string>;
    jobs: Record<string, Job>;
  };
  const bin = zerodownShimDir();
  const artifacts = mkdtempSync(join(tmpdir(), 'zd-artifacts-'));
  const needs: Record<string, Record<string, string>> = {};
  const runs: StepRun[] = [];

  const runInstance = async (
    jobName: string,
    job: Job,
    matrix: Record<string, string>,
  ): Promise<void> => {
    const cwd = options.asOnGithub ? mkdtempSync(join(tmpdir(), 'zd-workspace-')) : options.cwd;
    if (options.asOnGithub) cpSync(options.cwd, cwd, { recursive: true });
    const stepOutputs: Record<string, Record<string, string>> = {};
    const resolve = (text: string): string =>
      text.replace(/\$\{\{\s*([^}]+?)\s*\}\}/g, (_m, expr: string) => {
        const steps = /^steps\.([\w-]+)\.outputs\.([\w-]+)$/.exec(expr);
        if (steps) return stepOutputs[steps[1]!]?.[steps[2]!] ?? '';
        const need = /^needs\.([\w-]+)\.outputs\.([\w-]+)$/.exec(expr);
        if (need) return needs[need[1]!]?.[need[2]!] ?? '';
        const m = /^matrix\.([\w-]+)$/.exec(expr);
        if (m && matrix[m[1]!] !== undefined) return matrix[m[1]!]!;
        const value = options.exprs[expr];
        if (value === undefined) throw new Error(`${file}: no test value for \${{ ${expr} }}`);
        return value;
      });
    let failed = false;
    for (const step of job.steps) {
      if (step.if === false || (failed && step.if !== 'always()')) continue;
      if (step.uses !== undefined) {
        if (options.asOnGithub) artifactStep(step, resolve, cwd, artifacts);
        continue;
      }
      if (step.run === undefined) continue;
      // The workflow installs zerodown from the registry; here the built one is on PATH already.
      if (/^npm (install|i) (-g|--global) zerodown(@\S+)?$/.test(step.run.trim())) continue;
      const name = step.name ?? step.run.split('\n')[0]!;
      if (!name.startsWith('zerodown:')) {
        await options.other(jobName, step, matrix);
        continue;
      }
      const outDir = mkdtempSync(join(tmpdir(), 'zd-out-'));
      const outputFile = join(outDir, 'output');
      writeFileSync(outputFile, '');
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        PATH: `${bin}:${process.env.PATH}`,
        GITHUB_OUTPUT: outputFile,
        GITHUB_STEP_SUMMARY: join(outDir, 'summary.md'),
        RUNNER_TEMP: cwd,
      };
      for (const [k, v] of Object.entries({ ...wf.env, ...job.env, ...step.env }))
        env[k] = resolve(String(v));
      const wrap = options.wrap?.(jobName, matrix);
      const r = await bash(resolve(step.run), { cwd, env, wrap });
      runs.push({
        job: jobName,
        ...(Object.keys(matrix).length ? { matrix } : {}),
        name,
        cwd,
        ...r,
      });
      if (step.id) {
        stepOutputs[step.id] = Object.fromEntries(
          readFileSync(outputFile, 'utf8')
            .split('\n')
            .filter((l) => l.includes('='))
            .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
        );
      }
      if (r.code !== 0) failed = true;
    }
    needs[jobName] = Object.fromEntries(
      Object.entries(job.outputs ?? {}).map(([k, v]) => [k, resolve(v)]),
    );
  };
  const runJob = (jobName: string, job: Job) =>
    Promise.all(matrixOf(job).map((m) => runInstance(jobName, job, m))).then(() => undefined);

  if (!options.asOnGithub) {
    for (const [jobName, job] of Object.entries(wf.jobs)) await runJob(jobName, job);
    return runs;
  }
  const started = new Map<string, Promise<void>>();
  const start = (jobName: string): Promise<void> => {
    const job = wf.jobs[jobName];
    if (!job) throw new Error(`${file}: no job ${jobName}`);
    let p = started.get(jobName);
    if (!p) {
      const deps = job.needs === undefined ? [] : [job.needs].flat();
      p = Promise.all(deps.map(start)).then(() => runJob(jobName, job));
      started.set(jobName, p);
    }
    return p;
  };
  await Promise.all(Object.keys(wf.jobs).map(start));
  return runs;
}

/** upload-artifact / download-artifact between job workspaces (see runGithubWorkflow). */
function artifactStep(
  step: Step,
  resolve: (text: string) => string,
  cwd: string,
  store: string,
): void {
  const w = Object.fromEntries(
    Object.entries(step.with ?? {}).map(([k, v]) => [k, resolve(String(v))]),
  );
  if (step.uses!.startsWith('actions/upload-artifact@')) {
    const dir = join(store, w.name ?? 'artifact');
    // upload-artifact's default for a missing file (if-no-files-found: warn): nothing uploaded.
    if (!existsSync(join(cwd, w.path!))) return;
    mkdirSync(dir, { recursive: true });
    cpSync(join(cwd, w.path!), join(dir, basename(w.path!)));
  } else if (step.uses!.startsWith('actions/download-artifact@')) {
    const into = join(cwd, w.path ?? '.');
    for (const name of readdirSync(store).filter((n) => globMatch(w.pattern ?? w.name ?? '*', n))) {
      const dest = w['merge-multiple'] === 'true' || !w.pattern ? into : join(into, name);
      mkdirSync(dest, { recursive: true });
      cpSync(join(store, name), dest, { recursive: true });
    }
  }
}

/** A fresh working folder holding the examples' zerodown.yml. */
export function exampleWorkdir(examples: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'zd-example-'));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'zerodown.yml'), readFileSync(join(examples, 'zerodown.yml')));
  return dir;
}
