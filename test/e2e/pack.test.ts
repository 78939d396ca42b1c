/**
 * zerodown as a package: the tarball `npm pack` makes holds only what runs, installs with
 * `npm i -g` into a temporary prefix (runtime dependencies from the registry, as for a user), and
 * runs `--version` and `demo` from a folder with no repository around it (scripts/pack-check.ts,
 * `npm run pack:check`, does the same). And `npx zerodown` in the repository says nothing about
 * engines on a machine whose own Node is older (scripts/prepare.sh explains why it would).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  cleanEnv,
  execute,
  installGlobal,
  pack,
  ROOT,
  runInstalled,
  type Packed,
} from '../../scripts/pack-check.ts';

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  version: string;
  dependencies: Record<string, string>;
};

describe('the npm package', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'zd-pack-'));
  const prefix = join(tmp, 'prefix');
  // No package.json, node_modules or .git above it: nothing of the repository to lean on.
  const cwd = join(tmp, 'cwd');
  mkdirSync(cwd);
  let packed: Packed;
  before(async () => (packed = await pack(tmp)));
  after(() => rmSync(tmp, { recursive: true, force: true }));

  test('the tarball holds dist (no source maps), README, LICENSE, package.json, schema', () => {
    for (const file of packed.files) {
      assert.match(
        file,
        /^(package\.json|README\.md|LICENSE|schema\/.+|dist\/.+\.(js|d\.ts))$/,
        `${file} does not belong in the package`,
      );
    }
    for (const needed of ['dist/cli/main.js', 'dist/index.js', 'dist/index.d.ts', 'LICENSE'])
      assert.ok(packed.files.includes(needed), needed);
    assert.ok(packed.files.includes('dist/demo/deploy-script.js'), 'the demo runs this file');
  });

  test(
    'npm i -g <tarball> into a temporary prefix brings runtime dependencies only',
    { timeout: 240_000 },
    async () => {
      await installGlobal(packed.tarball, prefix, cwd);
      const installed = join(prefix, 'lib/node_modules/zerodown');
      assert.ok(existsSync(join(prefix, 'bin/zerodown')));
      for (const dep of Object.keys(pkg.dependencies))
        assert.ok(existsSync(join(installed, 'node_modules', dep)), `${dep} installed`);
      for (const dev of ['node', 'typescript', 'esbuild', 'eslint', 'playwright-core'])
        assert.ok(!existsSync(join(installed, 'node_modules', dev)), `${dev} is not installed`);
    },
  );

  test('the installed zerodown runs --version and demo from a bare folder', async () => {
    assert.ok(existsSync(join(prefix, 'bin/zerodown')), 'installed by the test before');
    const v = await runInstalled(prefix, ['--version'], cwd, { timeoutMs: 30_000 });
    assert.equal(v.code, 0, v.stderr);
    assert.equal(v.stdout.trim(), pkg.version);
    // The demo takes about 20 s: two deploys of 9 s under probing, plus start-up.
    const demo = await runInstalled(prefix, ['demo'], cwd, { timeoutMs: 120_000 });
    assert.equal(demo.code, 0, demo.stdout + demo.stderr);
    assert.match(demo.stdout, /Both came out as expected/);
    // It ran the installed files, not the repository's.
    assert.match(demo.stdout, new RegExp(`${prefix}/lib/node_modules/zerodown/dist/demo/`));
  });
});

describe('npx zerodown in the repository', () => {
  // The machine's PATH, without the node_modules/.bin folders npm scripts put first.
  const machinePath = (process.env.PATH ?? '')
    .split(delimiter)
    .filter((p) => !p.endsWith(join('node_modules', '.bin')))
    .join(delimiter);
  const machineNode = execFileSync('node', ['--version'], {
    env: { ...process.env, PATH: machinePath },
    encoding: 'utf8',
  }).trim();
  const [major = 0, minor = 0] = machineNode.slice(1).split('.').map(Number);
  const older = major < 22 || (major === 22 && minor < 12);

  /** `npx zerodown --version` in the repository with npm's cache (and npx's) in `cache`. */
  const npx = (cache: string, path: string) =>
    execute('npx', ['--yes', 'zerodown', '--version'], {
      cwd: ROOT,
      env: {
        ...cleanEnv(),
        PATH: path,
        npm_config_cache: cache,
        // npx installs the repository into its cache, which runs `prepare` (a build): dist is
        // built already, and the tests read it (scripts/prepare.sh).
        ZERODOWN_NPX_REGISTER: '1',
      },
      timeoutMs: 120_000,
    });

  test(
    `after the set-up's registration, the machine's Node (${machineNode}) gets no EBADENGINE`,
    { timeout: 240_000 },
    async () => {
      const tmp = mkdtempSync(join(tmpdir(), 'zd-npx-'));
      try {
        // What `npm ci` does in scripts/prepare.sh: npx under the repository's Node 24.
        const register = await npx(join(tmp, 'registered'), cleanEnv().PATH!);
        assert.equal(register.code, 0, register.stderr);
        const after = await npx(join(tmp, 'registered'), machinePath);
        assert.equal(after.code, 0, after.stderr);
        assert.equal(after.stdout.trim(), pkg.version);
        assert.doesNotMatch(after.stderr, /EBADENGINE/);
        if (older) {
          // Without it, the machine's Node is what npx checks the engines against.
          const bare = await npx(join(tmp, 'bare'), machinePath);
          assert.equal(bare.code, 0, bare.stderr);
          assert.match(bare.stderr, /EBADENGINE[\s\S]*zerodown@/);
        }
      } finally {
        rmSync(tmp, { recursive: true, force: true });
      }
    },
  );
});
