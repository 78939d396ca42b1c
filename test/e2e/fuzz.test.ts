/**
 * Fuzzing what users hand zerodown: mutated config files and result documents, seeded so any
 * failure reproduces (`ZD_FUZZ_SEED=<n>`). Every case must end as a documented outcome within a
 * time limit: a config is accepted with sane values or refused with a one-line config error
 * (exit 2), a result document renders in every format or is refused as invalid (exit 2) — never
 * a crash, a stack trace or a hang. Most cases run in-process; a sample runs the built binary.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse as yamlParse } from 'yaml';
import { parseConfigText } from '../../src/config/load.ts';
import { resolveConfig, type ZerodownConfig } from '../../src/config/resolve.ts';
import { ERROR_CODES, ZerodownError } from '../../src/errors.ts';
import { EXIT } from '../../src/exit-codes.ts';
import { slackMessage } from '../../src/notify/slack.ts';
import { decideOutcome } from '../../src/outcome.ts';
import { renderGithubAnnotations } from '../../src/report/github.ts';
import { renderHtml } from '../../src/report/html.ts';
import { parseResult, renderJson } from '../../src/report/json.ts';
import { renderJunit } from '../../src/report/junit.ts';
import { renderMarkdown } from '../../src/report/markdown.ts';
import { renderText } from '../../src/report/text.ts';
import { runCli } from '../helpers/cli.ts';
import { mulberry32 } from '../helpers/random.ts';

const SEED = Number(process.env.ZD_FUZZ_SEED ?? 20261204);
const CONFIG_CASES = 420;
const DOCUMENT_CASES = 160;
const BINARY_CASES = 24;
/** In-process cases must each end within this (the old 10 MB config took 9.4 s). */
const CASE_LIMIT_MS = 1000;

const BASE_CONFIG = `baseUrl: http://127.0.0.1:9
defaults:
  rate: 20
  timeout: 300ms
  headers: { Authorization: "Bearer \${TOKEN:-t}" }
endpoints:
  - name: health
    url: /health?api_key=k
    expect: { status: [200-299, 304], bodyContains: ok, maxLatency: 1s, json: { path: $.status, equals: ok } }
  - url: /orders
    method: POST
    body: { ping: true }
    version: { header: x-app-version }
budget: { maxDowntime: 500ms, mergeGap: 1s, maxIncident: 2s }
phases: { warmup: 1s, settle: 1s }
duration: 0s
guard:
  thresholds: [{ errorRate: { max: 0.05, window: 10s, minProbes: 5 } }]
  rollback: ./rollback.sh
report: { json: out.json }
`;

/** Values that have broken parsers and validators before. */
const HOSTILE: unknown[] = [
  0,
  -1,
  1,
  5e-324,
  1e308,
  -0.0,
  2 ** 53,
  'NaN',
  '.nan',
  '-.inf',
  '',
  ' ',
  '0',
  '5',
  '1m30s',
  '-5s',
  '1e999s',
  '999999h',
  '30d',
  '31d',
  '2 days',
  'ms',
  '${NOPE}',
  '$${x}',
  '\u0000',
  '\ud800',
  '💥',
  'x'.repeat(100_000),
  true,
  false,
  null,
  [],
  {},
  [[[[[]]]]],
  { a: { b: { c: {} } } },
  Array.from({ length: 2000 }, (_, i) => i),
  'http://',
  'ftp://x/',
  '//x',
  '/../../etc/passwd',
  '200-199',
  '2xx',
  '999',
  'GET',
  'FETCH',
  'keepalive',
  '<script>',
  '*alias',
];

/** A copy of a JSON tree with the node at a random path replaced, deleted or renamed. */
function mutateTree(tree: unknown, r: () => number): unknown {
  const copy = structuredClone(tree) as Record<string, unknown>;
  const paths: (string | number)[][] = [];
  const walk = (node: unknown, path: (string | number)[]) => {
    if (path.length > 0) paths.push(path);
    if (Array.isArray(node)) node.forEach((c, i) => walk(c, [...path, i]));
    else if (node !== null && typeof node === 'object') {
      for (const [k, v] of Object.entries(node)) walk(v, [...path, k]);
    }
  };
  walk(copy, []);
  const path = paths[Math.floor(r() * paths.length)]!;
  let parent: Record<string | number, unknown> = copy;
  for (const step of path.slice(0, -1)) parent = parent[step] as Record<string | number, unknown>;
  const last = path.at(-1)!;
  const roll = r();
  const current = parent[last];
  // Mostly the same type, other values (what a renderer must survive); sometimes anything.
  const sameType = HOSTILE.filter(
    (v) => typeof v === typeof current && Array.isArray(v) === Array.isArray(current),
  );
  if (roll < 0.45 && sameType.length > 0)
    parent[last] = sameType[Math.floor(r() * sameType.length)];
  else if (roll < 0.6 && Array.isArray(current)) {
    const items = current as unknown[];
    parent[last] = [...items, ...items].slice(Math.floor(r() * 3));
  } else if (roll < 0.7) parent[last] = HOSTILE[Math.floor(r() * HOSTILE.length)];
  else if (roll < 0.85) delete parent[last];
  else if (typeof last === 'string') {
    parent[`${last.slice(0, -1)}${last.slice(-1) === 'x' ? 'y' : 'x'}`] = parent[last];
    delete parent[last];
  }
  return copy;
}

const CHARS = [
  ':',
  '-',
  '[',
  ']',
  '{',
  '}',
  '&',
  '*',
  '!',
  '%',
  '"',
  "'",
  '\n',
  '\t',
  '#',
  '|',
  '>',
  '\u0000',
  'é',
  ' ',
];

/** A copy of `text` with a few random characters inserted, deleted or lines moved. */
function mutateText(text: string, r: () => number): string {
  let out = text;
  const edits = 1 + Math.floor(r() * 3);
  for (let i = 0; i < edits; i++) {
    const at = Math.floor(r() * out.length);
    const roll = r();
    if (roll < 0.4) out = out.slice(0, at) + CHARS[Math.floor(r() * CHARS.length)] + out.slice(at);
    else if (roll < 0.7) out = out.slice(0, at) + out.slice(at + 1 + Math.floor(r() * 5));
    else if (roll < 0.85) {
      const lines = out.split('\n');
      const a = Math.floor(r() * lines.length);
      lines.splice(Math.floor(r() * lines.length), 0, lines[a]!);
      out = lines.join('\n');
    } else out = out.slice(0, at);
  }
  return out;
}

/** Configs that broke zerodown before this suite existed, and their relatives. */
const SPECIAL_CONFIGS = [
  'endpoints: [{ url: "http://127.0.0.1:9/", rate: 5e-324 }]',
  'endpoints: [*missing]',
  'a: &a [*a]\nendpoints: [{ url: "http://127.0.0.1:9/" }]',
  `a: &a [x,x,x,x,x,x,x,x,x]\n${['b', 'c', 'd', 'e', 'f', 'g', 'h']
    .map(
      (k, i, all) =>
        `${k}: &${k} [${Array(9)
          .fill(`*${i === 0 ? 'a' : all[i - 1]}`)
          .join(',')}]`,
    )
    .join('\n')}\nendpoints: *h`,
  '['.repeat(50_000),
  `endpoints: [{ url: "http://127.0.0.1:9/", name: "${'x'.repeat(200_000)}" }]`,
  `# ${'x'.repeat(2 * 1024 * 1024)}`,
  '\ufeffendpoints: [{ url: "http://127.0.0.1:9/" }]',
  'endpoints: [{ url: "http://127.0.0.1:9/" }]\nendpoints: []',
  '!!binary x',
  '%YAML 9.9\n---\nendpoints: []',
  'endpoints: [{ url: "http://127.0.0.1:9/", timeout: 1 }]',
];

/** The config's settings are all sane: what the engine can run. */
function assertSane(c: ZerodownConfig): void {
  for (const e of c.endpoints) {
    assert.ok(e.rate >= 1 / 3600 && e.rate <= 100_000, `rate ${e.rate}`);
    assert.ok(e.timeoutMs > 0 && e.timeoutMs <= 600_000, `timeout ${e.timeoutMs}`);
    assert.ok(URL.canParse(e.url), e.url);
  }
  for (const ms of [c.warmupMs, c.settleMs, c.durationMs ?? 0, c.mergeGapMs]) {
    assert.ok(Number.isFinite(ms) && ms >= 0 && ms <= 30 * 86_400_000, `duration ${ms}`);
  }
}

/** Runs one in-process case: an accepted value is checked, a refusal must be a documented one. */
function expectDocumented<T>(
  run: () => T,
  check: (value: T) => void,
  codes: readonly string[],
): 'accepted' | 'refused' {
  const t0 = performance.now();
  try {
    check(run());
    return 'accepted';
  } catch (err) {
    if (err instanceof assert.AssertionError) throw err;
    assert.ok(err instanceof ZerodownError, `not a ZerodownError: ${(err as Error)?.stack}`);
    assert.ok(codes.includes(err.code), err.code);
    assert.equal(ERROR_CODES[err.code].exitCode, EXIT.usage);
    assert.ok(!err.message.includes('\n'), `one line: ${err.message}`);
    return 'refused';
  } finally {
    const ms = performance.now() - t0;
    assert.ok(ms < CASE_LIMIT_MS, `took ${ms.toFixed(0)} ms`);
  }
}

function configCases(): string[] {
  const r = mulberry32(SEED);
  const tree = yamlParse(BASE_CONFIG) as unknown;
  const out = [...SPECIAL_CONFIGS];
  while (out.length < CONFIG_CASES) {
    out.push(r() < 0.5 ? mutateText(BASE_CONFIG, r) : JSON.stringify(mutateTree(tree, r)));
  }
  return out;
}

const FIXTURE = fileURLToPath(new URL('../fixtures/result-downtime.json', import.meta.url));

function documentCases(): string[] {
  const r = mulberry32(SEED + 1);
  const base = JSON.parse(readFileSync(FIXTURE, 'utf8')) as unknown;
  const out = [
    '',
    '{}',
    'null',
    '[]',
    '{"tool":{"name":"zerodown"},"endpoints":[]}',
    readFileSync(FIXTURE, 'utf8').slice(0, 500),
  ];
  while (out.length < DOCUMENT_CASES) {
    let doc = base;
    const n = 1 + Math.floor(r() * 3);
    for (let i = 0; i < n; i++) doc = mutateTree(doc, r);
    out.push(JSON.stringify(doc));
  }
  return out;
}

/** Renders a document in every format (as `zerodown report` and notifications would). */
function renderAll(text: string): void {
  const doc = parseResult(text, 'fuzzed');
  decideOutcome(doc);
  for (const render of [
    renderText,
    renderJson,
    renderMarkdown,
    renderJunit,
    renderHtml,
    renderGithubAnnotations,
  ]) {
    assert.equal(typeof render(doc), 'string');
  }
  slackMessage(doc, undefined);
}

describe(`fuzz (seed ${SEED})`, () => {
  test(`${CONFIG_CASES} mutated configs: accepted sane, or refused as config errors`, (t) => {
    const tally = { accepted: 0, refused: 0 };
    configCases().forEach((text, i) => {
      try {
        const outcome = expectDocumented(
          () => resolveConfig(parseConfigText(text, { TOKEN: 't' }, 'fuzzed.yml')),
          assertSane,
          ['ZD_CONFIG_INVALID'],
        );
        tally[outcome]++;
      } catch (err) {
        assert.fail(
          `config case ${i} (seed ${SEED}): ${(err as Error).message}\n${text.slice(0, 400)}`,
        );
      }
    });
    t.diagnostic(`configs: ${tally.accepted} accepted, ${tally.refused} refused, 0 crashes`);
    assert.ok(tally.accepted > 20 && tally.refused > 100, JSON.stringify(tally));
  });

  test(`${DOCUMENT_CASES} mutated result documents: rendered in every format, or refused`, (t) => {
    const tally = { accepted: 0, refused: 0 };
    documentCases().forEach((text, i) => {
      try {
        tally[
          expectDocumented(
            () => renderAll(text),
            () => {},
            ['ZD_RESULT_INVALID'],
          )
        ]++;
      } catch (err) {
        assert.fail(`document case ${i} (seed ${SEED}): ${(err as Error).message}`);
      }
    });
    t.diagnostic(`documents: ${tally.accepted} rendered, ${tally.refused} refused, 0 crashes`);
    assert.ok(tally.accepted > 10 && tally.refused > 50, JSON.stringify(tally));
  });

  test(`${BINARY_CASES} cases through the built binary: documented exit codes, no stack trace`, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'zd-fuzz-'));
    const configs = configCases();
    const docs = documentCases();
    const documented = new Set<number>(Object.values(EXIT));
    const seen: Record<string, number> = {};
    for (let i = 0; i < BINARY_CASES; i++) {
      const isConfig = i % 2 === 0;
      const file = join(dir, `case-${i}.${isConfig ? 'yml' : 'json'}`);
      // Every seventh case of each kind: the specials first, then a spread of the rest.
      const pick = Math.floor(i / 2) * 7;
      writeFileSync(file, isConfig ? configs[pick % configs.length]! : docs[pick % docs.length]!);
      const args = isConfig
        ? ['probe', '-c', file, '--duration', '0s', '--no-progress']
        : ['report', file, '--format', 'text'];
      const t0 = performance.now();
      const r = await runCli(args, { cwd: dir, timeoutMs: 20_000 });
      const ms = performance.now() - t0;
      assert.ok(r.code !== null && documented.has(r.code), `case ${i}: exit ${r.code} ${r.stderr}`);
      assert.notEqual(r.code, EXIT.internal, `case ${i}: ${r.stderr}`);
      assert.doesNotMatch(r.stderr, /\n\s+at /, `case ${i}: a stack trace`);
      assert.ok(ms < 15_000, `case ${i} took ${ms} ms`);
      seen[String(r.code)] = (seen[String(r.code)] ?? 0) + 1;
    }
    t.diagnostic(`binary: exit codes ${JSON.stringify(seen)}`);
  });
});
