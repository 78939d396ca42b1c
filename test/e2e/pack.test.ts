/**
 * zerodown as a package: the tarball `npm pack` makes holds only what runs, installs with
 * `npm i -g` into a temporary prefix (runtime dependencies from the registry, as for a user), and
 * runs `--version` and `demo` from a folder with no repository around it (scripts/pack-check.ts,
 * `npm run pack:check`, does the same).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { installGlobal, pack, ROOT, runInstalled, type Packed } from '../../scripts/pack-check.ts';

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
