import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse } from 'yaml';
import { configJsonSchema } from '../../src/config/json-schema-file.ts';
import { parseConfigText } from '../../src/config/load.ts';
import { resolveConfig } from '../../src/config/resolve.ts';

const root = new URL('../../', import.meta.url);
const committed = readFileSync(new URL('schema/zerodown.schema.json', root), 'utf8');

/** The README's full config example: the first yaml block after "The full example". */
function readmeExample(): string {
  const readme = readFileSync(new URL('README.md', root), 'utf8');
  const from = readme.indexOf('The full example');
  const m = /```yaml\n([\s\S]*?)```/.exec(readme.slice(from));
  assert.ok(from >= 0 && m, 'the README has its full config example');
  return m[1]!;
}

describe('the config JSON Schema', () => {
  const validate = new Ajv2020({
    strict: false,
    allErrors: true,
    validateFormats: false,
    logger: false,
  }).compile(JSON.parse(committed));

  test('the committed file is what the build generates from the zod schema', () => {
    assert.equal(committed, configJsonSchema(), 'run npm run build and commit schema/');
  });

  test("the README's full example validates against it, and zerodown accepts it", () => {
    const text = readmeExample();
    const tree: unknown = parse(text);
    assert.ok(validate(tree), JSON.stringify(validate.errors, null, 1));
    // Every ${VAR} it names, set to a URL (some are URLs; any string does for the rest).
    const env = Object.fromEntries(
      [...text.matchAll(/\$\{([A-Z_][A-Z0-9_]*)/g)].map((m) => [m[1]!, 'https://x.example']),
    );
    assert.ok(resolveConfig(parseConfigText(text, env)).endpoints.length >= 2);
  });

  test('it catches what zerodown refuses: an unknown key, a bare-number duration, a bad rate', () => {
    const bad = [
      { endpoints: [{ url: '/x', expect: { stauts: 200 } }] },
      { budget: { maxDowntime: 2 } },
      { defaults: { timeout: '5 seconds' } },
      { defaults: { rate: 0 } },
      { phases: { warmup: '1m30' } },
    ];
    for (const tree of bad) assert.equal(validate(tree), false, JSON.stringify(tree));
    assert.ok(validate({ phases: { warmup: '1m30s', settle: 0 }, duration: '${DURATION}' }));
  });
});
