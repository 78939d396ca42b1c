/**
 * The GitHub Action's entry point (action.yml `runs.main`; `npm run build:action` bundles it to
 * action/dist/index.js). Reads the inputs, runs the zerodown command line bundled next to it
 * (action/dist/cli.js) as a child of the runner's own Node — nothing installed, nothing
 * downloaded —, sets the outputs, and exits with zerodown's exit code (0 instead of 1 when
 * `fail-on-downtime` is false). A child process rather than a call: the command line sets V8
 * flags first thing (src/cli/main.ts) and ends with process.exit, as it does anywhere else.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, readFileSync, statSync, type Stats } from 'node:fs';
import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';
import { InputError, planFromInputs, type Invocation, type Plan } from './inputs.ts';
import { formatOutputs, type OutputName } from './outputs.ts';

/** The bundled command line, next to this file once bundled. */
const CLI = fileURLToPath(new URL('./cli.js', import.meta.url));

/** Runs one zerodown command with the step's output; resolves with its exit code. */
function zerodown(invocation: Invocation): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...invocation.argv], {
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, ...invocation.env },
      // A process group of its own, so a signal reaches it once, from here: a second SIGINT
      // would make zerodown exit at once without its partial result.
      detached: true,
    });
    // A cancelled job signals this process: zerodown then writes its partial result (exit 130).
    const forward = (sig: NodeJS.Signals) => child.kill(sig);
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      resolve(code ?? 128 + (signal ? constants.signals[signal] : 0));
    });
  });
}

function stat(file: string): Stats | undefined {
  try {
    return statSync(file);
  } catch {
    return undefined;
  }
}

/** The verdict a result document says, or '' when it cannot be read. */
function verdictOf(file: string): string {
  try {
    const verdict = (JSON.parse(readFileSync(file, 'utf8')) as { verdict?: unknown }).verdict;
    return typeof verdict === 'string' ? verdict : '';
  } catch {
    return '';
  }
}

function setOutputs(values: Record<OutputName, string>): void {
  const file = process.env.GITHUB_OUTPUT;
  if (file) appendFileSync(file, formatOutputs(values));
}

/** An `::error` / `::warning` workflow command (its message escaped as the runner expects). */
const annotate = (level: 'error' | 'warning', message: string) =>
  process.stdout.write(
    `::${level} title=zerodown::${message.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A')}\n`,
  );

async function main(): Promise<number> {
  let plan: Plan;
  try {
    plan = planFromInputs(process.env);
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    annotate('error', err.message);
    setOutputs({ verdict: '', 'exit-code': '2', result: '', html: '', junit: '', markdown: '' });
    return 2;
  }
  if (plan.token !== undefined) process.stdout.write(`::add-mask::${plan.token}\n`);
  for (const name of plan.ignored) {
    annotate('warning', `input ${name} means nothing in mode ${plan.mode}: ignored`);
  }
  // A file counts as an output only if this step wrote it (zerodown replaces files whole, so a
  // written one is a new file), never a stale one from an earlier step.
  const files = { result: plan.result, ...plan.reports };
  const before = new Map(Object.values(files).map((f) => [f, f && stat(f)]));
  const written = (file: string | undefined): string => {
    if (file === undefined) return '';
    const now = stat(file);
    const was = before.get(file);
    const fresh = now && (!was || was.ino !== now.ino || was.mtimeMs !== now.mtimeMs);
    return fresh ? file : '';
  };

  let code = 0;
  for (const invocation of plan.invocations) {
    code = await zerodown(invocation);
    if (code !== 0) break;
  }
  const result = written(files.result);
  setOutputs({
    verdict: result && verdictOf(result),
    'exit-code': String(code),
    result,
    html: written(files.html),
    junit: written(files.junit),
    markdown: written(files.markdown),
  });
  if (code === 1 && !plan.failOnDowntime) {
    process.stdout.write(
      'zerodown: downtime found; not failing the step (fail-on-downtime: false)\n',
    );
    return 0;
  }
  return code;
}

try {
  process.exitCode = await main();
} catch (err) {
  annotate('error', `the action failed (this is a bug): ${(err as Error).stack ?? String(err)}`);
  process.exitCode = 2;
}
