import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Every .ts file under a folder. */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory()
      ? sources(join(dir, d.name))
      : d.name.endsWith('.ts')
        ? [join(dir, d.name)]
        : [],
  );
}

test('every module the sources load through require is in the Action bundle', () => {
  // `createRequire(import.meta.url)('x')` and `requireX('x')`: loaded at run time, so the bundler
  // cannot see them; scripts/build-action.ts must list each (a missing one crashes the Action).
  const loaded = new Set<string>();
  for (const file of sources(join(ROOT, 'src'))) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(
      /(?:createRequire\(import\.meta\.url\)|\brequire\w*)\(\s*'([^'-][^']*)'/g,
    )) {
      if (!m[1]!.startsWith('node:')) loaded.add(m[1]!);
    }
  }
  const build = readFileSync(join(ROOT, 'scripts/build-action.ts'), 'utf8');
  const list = /BUNDLED_REQUIRES = \[([\s\S]*?)\]/.exec(build)?.[1] ?? '';
  const bundled = new Set([...list.matchAll(/'([^']+)'/g)].map((m) => m[1]!));
  assert.ok(loaded.size >= 4, [...loaded].join(' '));
  for (const id of loaded) assert.ok(bundled.has(id), `${id} is not in BUNDLED_REQUIRES`);
});
