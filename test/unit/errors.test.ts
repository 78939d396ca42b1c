/**
 * The one error registry (src/errors.ts) against the sources and the README: every `ZD_…` code in
 * src/ is registered, every registered code is used, exit codes come from EXIT, and README's
 * "Exit codes" and "Error codes" tables say exactly what the code does.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ERROR_CODES } from '../../src/errors.ts';
import { EXIT } from '../../src/exit-codes.ts';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const SRC = here('../../src');
const README = readFileSync(here('../../README.md'), 'utf8');
const registered = Object.keys(ERROR_CODES);

/** Every .ts file under src/, as [path relative to src/, text]. */
function sources(): [string, string][] {
  return readdirSync(SRC, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => [f, readFileSync(join(SRC, f), 'utf8')]);
}

/**
 * The rows of the first Markdown table after the heading `heading`, each as its cells (trimmed,
 * code spans unwrapped); the header and separator rows are left out.
 */
function tableAfter(markdown: string, heading: string): string[][] {
  const lines = markdown.split('\n');
  const at = lines.findIndex((l) => l.trim() === heading);
  assert.ok(at >= 0, `README has a "${heading}" section`);
  const rows: string[][] = [];
  for (const line of lines.slice(at + 1)) {
    if (line.startsWith('#')) break;
    if (!line.startsWith('|')) {
      if (rows.length > 0) break;
      continue;
    }
    rows.push(
      line
        .slice(1, line.lastIndexOf('|'))
        .split(/(?<!\\)\|/)
        .map((c) => c.trim().replace(/^`(.*)`$/, '$1')),
    );
  }
  assert.ok(rows.length > 2, `a table under "${heading}"`);
  assert.match(rows[1]!.join(''), /^[-: ]+$/, 'the second row separates the header');
  return rows.slice(2);
}

describe('the error registry', () => {
  test('every ZD_ code in src/ is registered', () => {
    const unregistered: string[] = [];
    for (const [file, text] of sources()) {
      for (const [code] of text.matchAll(/ZD_[A-Z][A-Z_]*/g)) {
        if (!registered.includes(code)) unregistered.push(`${file}: ${code}`);
      }
    }
    assert.deepEqual(unregistered, []);
  });

  test('every registered code is used as a literal in src/ outside the registry itself', () => {
    const used = new Set<string>();
    for (const [file, text] of sources()) {
      // errors.ts raises one code itself (configError), after the registry.
      const code = file === 'errors.ts' ? text.slice(text.indexOf('} as const satisfies')) : text;
      for (const m of code.matchAll(/['"](ZD_[A-Z_]+)['"]/g)) used.add(m[1]!);
    }
    assert.deepEqual(
      registered.filter((c) => !used.has(c)),
      [],
    );
  });

  test('exit codes are taken from EXIT, by name', () => {
    const exits = new Set<number>(Object.values(EXIT));
    for (const [code, { exitCode }] of Object.entries(ERROR_CODES)) {
      assert.ok(exits.has(exitCode), `${code}: exit code ${exitCode} is not in EXIT`);
    }
    const text = readFileSync(join(SRC, 'errors.ts'), 'utf8');
    assert.doesNotMatch(text, /exitCode: \d/, 'errors.ts says EXIT.<name>, not a number');
  });
});

describe('README', () => {
  test('the exit-code table lists exactly the codes of EXIT', () => {
    const rows = tableAfter(README, '### Exit codes');
    assert.deepEqual(
      rows.map((r) => Number(r[0])).sort((a, b) => a - b),
      Object.values(EXIT).sort((a, b) => a - b),
    );
    for (const r of rows) assert.ok(r[1], `exit code ${r[0]} has a meaning`);
  });

  test('the error-code table is ERROR_CODES, row for row', () => {
    const rows = tableAfter(README, '### Error codes');
    assert.deepEqual(
      rows.map((r) => [r[0], Number(r[1]), Number(r[2])]),
      Object.entries(ERROR_CODES).map(([code, e]) => [code, e.exitCode, e.httpStatus]),
    );
    for (const r of rows) assert.ok(r[3], `${r[0]} has a meaning`);
  });
});
