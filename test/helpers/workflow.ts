/**
 * Runs the shell steps of an example CI workflow the way the CI would, on this machine: `run:`
 * scripts in bash with their `env:`, `${{ … }}` expressions resolved from a table the test gives
 * (an expression the table lacks fails the test, so examples stay runnable), step and job outputs
 * carried through `$GITHUB_OUTPUT`. `zerodown` on PATH is the built binary.
 */
import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
  options: { cwd: string; env: NodeJS.ProcessEnv },
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec('bash', ['-eo', 'pipefail', '-c', script], {
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

interface Step {
  id?: string;
  name?: string;
  if?: unknown;
  run?: string;
  uses?: string;
  env?: Record<string, string>;
}
interface Job {
  steps: Step[];
  outputs?: Record<string, string>;
  env?: Record<string, string>;
}

/** What happened to one step. */
export interface StepRun {
  job: string;
  name: string;
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a GitHub Actions workflow's jobs in file order. Steps named `zerodown: …` run for real;
 * any other `run:` step is handed to `other` (the test plays the deploy there); `uses:` steps,
 * steps with `if: false` and `npm install -g zerodown@…` (the shim is zerodown here) are skipped. A failing step ends its job, as on GitHub.
 */
export async function runGithubWorkflow(
  file: string,
  options: {
    exprs: Record<string, string>;
    other: (job: string, step: Step) => Promise<void>;
    cwd: string;
  },
): Promise<StepRun[]> {
  const wf = parse(readFileSync(file, 'utf8')) as {
    env?: Record<string, string>;
    jobs: Record<string, Job>;
  };
  const bin = zerodownShimDir();
  const needs: Record<string, Record<string, string>> = {};
  const runs: StepRun[] = [];
  for (const [jobName, job] of Object.entries(wf.jobs)) {
    const stepOutputs: Record<string, Record<string, string>> = {};
    const resolve = (text: string): string =>
      text.replace(/\$\{\{\s*([^}]+?)\s*\}\}/g, (_m, expr: string) => {
        const steps = /^steps\.([\w-]+)\.outputs\.([\w-]+)$/.exec(expr);
        if (steps) return stepOutputs[steps[1]!]?.[steps[2]!] ?? '';
        const need = /^needs\.([\w-]+)\.outputs\.([\w-]+)$/.exec(expr);
        if (need) return needs[need[1]!]?.[need[2]!] ?? '';
        const value = options.exprs[expr];
        if (value === undefined) throw new Error(`${file}: no test value for \${{ ${expr} }}`);
        return value;
      });
    let failed = false;
    for (const step of job.steps) {
      if (failed || step.if === false || step.run === undefined) continue;
      // The workflow installs zerodown from the registry; here the built one is on PATH already.
      if (/^npm (install|i) (-g|--global) zerodown(@\S+)?$/.test(step.run.trim())) continue;
      const name = step.name ?? step.run.split('\n')[0]!;
      if (!name.startsWith('zerodown:')) {
        await options.other(jobName, step);
        continue;
      }
      const outputFile = join(mkdtempSync(join(tmpdir(), 'zd-out-')), 'output');
      writeFileSync(outputFile, '');
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        PATH: `${bin}:${process.env.PATH}`,
        GITHUB_OUTPUT: outputFile,
        RUNNER_TEMP: options.cwd,
      };
      for (const [k, v] of Object.entries({ ...wf.env, ...job.env, ...step.env }))
        env[k] = resolve(String(v));
      const r = await bash(resolve(step.run), { cwd: options.cwd, env });
      runs.push({ job: jobName, name, ...r });
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
  }
  return runs;
}

/** A fresh working folder holding the examples' zerodown.yml. */
export function exampleWorkdir(examples: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'zd-example-'));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'zerodown.yml'), readFileSync(join(examples, 'zerodown.yml')));
  return dir;
}
