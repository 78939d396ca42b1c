/**
 * `npm run pack:check`: zerodown as a user gets it from the registry. Builds, packs the repository
 * (`npm pack`), installs the tarball with `npm i -g` into a temporary prefix (runtime dependencies
 * only, fetched from the registry as for any user), and from a temporary folder with no repository
 * around it runs `zerodown --version` and `zerodown demo` on the Node 24 of node_modules/.bin.
 * test/e2e/pack.test.ts runs the same steps.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** What a child process did. */
export interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * The environment for a child npm or zerodown: node_modules/.bin (Node 24) first on PATH, and
 * none of the `npm_*` variables an enclosing `npm run` sets (its prefix, its package), so the
 * child reads npm's usual config files as a user's npm would.
 */
export function cleanEnv(extraPath: readonly string[] = []): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k)) env[k] = v;
  env.PATH = [...extraPath, join(ROOT, 'node_modules/.bin'), process.env.PATH ?? ''].join(
    delimiter,
  );
  return env;
}

/** Runs a command; resolves with its exit code and output, killing it after `timeoutMs`. */
export function execute(
  command: string,
  args: readonly string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number; echo?: boolean },
): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
      if (options.echo) process.stdout.write(c);
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
      if (options.echo) process.stderr.write(c);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

function ok(what: string, ran: Ran): Ran {
  if (ran.code !== 0) throw new Error(`${what} exited ${ran.code}:\n${ran.stdout}${ran.stderr}`);
  return ran;
}

/** A packed tarball and the paths it holds. */
export interface Packed {
  tarball: string;
  files: string[];
}

/** `npm pack` of the repository as it is (dist/ as built) into `dest`. */
export async function pack(dest: string): Promise<Packed> {
  const ran = ok(
    'npm pack',
    await execute('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dest], {
      cwd: ROOT,
      env: cleanEnv(),
      timeoutMs: 60_000,
    }),
  );
  const [info] = JSON.parse(ran.stdout) as { filename: string; files: { path: string }[] }[];
  if (!info) throw new Error(`npm pack said nothing: ${ran.stdout}`);
  return { tarball: join(dest, info.filename), files: info.files.map((f) => f.path) };
}

/** `npm i -g <tarball>` into `prefix` (its bin goes to `<prefix>/bin`), run from `cwd`. */
export async function installGlobal(tarball: string, prefix: string, cwd: string): Promise<void> {
  ok(
    'npm install --global',
    await execute(
      'npm',
      ['install', '--global', '--prefix', prefix, '--no-audit', '--no-fund', tarball],
      { cwd, env: cleanEnv(), timeoutMs: 240_000 },
    ),
  );
}

/** Runs the installed `zerodown` (found on PATH in `<prefix>/bin`) from `cwd`. */
export function runInstalled(
  prefix: string,
  args: readonly string[],
  cwd: string,
  options: { timeoutMs: number; echo?: boolean },
): Promise<Ran> {
  return execute('zerodown', args, { cwd, env: cleanEnv([join(prefix, 'bin')]), ...options });
}

async function main(): Promise<void> {
  const version = (
    JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      version: string;
    }
  ).version;
  const tmp = mkdtempSync(join(tmpdir(), 'zd-pack-check-'));
  const prefix = join(tmp, 'prefix');
  const cwd = mkdtempSync(join(tmp, 'cwd-'));
  try {
    ok(
      'npm run build',
      await execute('npm', ['run', 'build'], { cwd: ROOT, env: cleanEnv(), timeoutMs: 120_000 }),
    );
    const packed = await pack(tmp);
    console.log(`pack:check: ${packed.tarball} (${packed.files.length} files)`);
    await installGlobal(packed.tarball, prefix, cwd);
    console.log(`pack:check: installed into ${prefix}`);
    const v = ok(
      'zerodown --version',
      await runInstalled(prefix, ['--version'], cwd, { timeoutMs: 30_000 }),
    );
    if (v.stdout.trim() !== version)
      throw new Error(`zerodown --version said ${v.stdout.trim()}, not ${version}`);
    console.log(`pack:check: zerodown --version: ${version}`);
    ok(
      'zerodown demo',
      await runInstalled(prefix, ['demo'], cwd, { timeoutMs: 180_000, echo: true }),
    );
    console.log('pack:check: ok');
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  main().catch((err: unknown) => {
    console.error(`pack:check: ${(err as Error).message}`);
    process.exitCode = 1;
  });
}
