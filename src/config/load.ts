/**
 * Reading a config file (YAML or JSON), interpolating `${VAR}`, and validating it. The only
 * part of config/ that does I/O.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';
import type { z } from 'zod';
import { configError, ZerodownError } from '../errors.ts';
import { interpolateTree } from './env.ts';
import { resolveConfig, type ConfigOverrides, type ZerodownConfig } from './resolve.ts';
import { configSchema, type RawConfig } from './schema.ts';
import { closestKey, keysAt } from './suggest.ts';

/** The YAML parser, loaded when a config file is read (runs from flags alone do not need it). */
let yaml: typeof Yaml | undefined;
function loadYaml(): typeof Yaml {
  yaml ??= createRequire(import.meta.url)('yaml') as typeof Yaml;
  return yaml;
}

/** The file looked for when no `--config` is given. */
export const DEFAULT_CONFIG_FILE = 'zerodown.yml';

/** Parses and validates config text (YAML is a superset of JSON, so one parser serves both). */
export function parseConfigText(
  text: string,
  env: Readonly<Record<string, string | undefined>>,
  source = 'config',
): RawConfig {
  const tree = parseTree(text, source);
  if (typeof tree !== 'object' || Array.isArray(tree)) {
    throw configError('', `${source}: expected a mapping of settings at the top level`);
  }
  return validateConfig(interpolateTree(tree, env));
}

/** Aliases a config may expand: enough for any real file, far too few for an alias bomb. */
const MAX_ALIASES = 100;

/**
 * Parses YAML/JSON into a plain tree. Every way the text can be wrong — syntax, an alias to a
 * missing anchor, a recursive alias, an alias bomb, nesting too deep for the parser — is a
 * config error naming the file, never a crash.
 */
function parseTree(text: string, source: string): unknown {
  const fail = (what: string, where = '') =>
    configError('', `${source}: not valid YAML/JSON${where}: ${what}`);
  const deep = deepText(text);
  if (deep !== undefined) throw fail(`nested deeper than ${MAX_DEPTH} levels${deep}`);
  try {
    const doc = loadYaml().parseDocument(text, { prettyErrors: true, uniqueKeys: true });
    if (doc.errors.length > 0) {
      const err = doc.errors[0]!;
      const pos = err.linePos?.[0];
      const where = pos ? ` at line ${pos.line}, column ${pos.col}` : '';
      throw fail(err.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, ''), where);
    }
    const tree: unknown = doc.toJS({ maxAliasCount: MAX_ALIASES }) ?? {};
    const shape = shapeProblem(tree);
    if (shape !== undefined) throw fail(shape);
    return tree;
  } catch (err) {
    if (err instanceof ZerodownError) throw err;
    if (err instanceof RangeError) throw fail('nested too deeply');
    throw fail((err as Error).message.split('\n')[0]!);
  }
}

/** Nesting a config may have: the deepest real setting is about 6 levels down. */
const MAX_DEPTH = 32;

/**
 * A cheap look at the text before the YAML parser sees it, which takes seconds on a megabyte of
 * `[[[[` or `- - - -`: where flow brackets (outside quotes and comments) or a line's leading
 * `- ` / `? ` markers nest deeper than `MAX_DEPTH`, ` at line N`; else undefined.
 */
function deepText(text: string): string | undefined {
  let depth = 0;
  let line = 1;
  let quote: string | undefined;
  let comment = false;
  let lineStart = true;
  let markers = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\n') {
      line++;
      comment = false;
      lineStart = true;
      markers = 0;
      continue;
    }
    if (comment) continue;
    if (quote !== undefined) {
      if (c === quote) quote = undefined;
      continue;
    }
    if (lineStart && (c === '-' || c === '?') && (text[i + 1] === ' ' || text[i + 1] === '\t')) {
      if (++markers > MAX_DEPTH) return ` at line ${line}`;
      continue;
    }
    if (c !== ' ' && c !== '\t') lineStart = false;
    if (c === '#') comment = true;
    else if (c === '"' || c === "'") quote = c;
    else if (c === '[' || c === '{') {
      if (++depth > MAX_DEPTH) return ` at line ${line}`;
    } else if (c === ']' || c === '}') depth = Math.max(0, depth - 1);
  }
  return undefined;
}

/** A recursive alias (a cycle) or nesting past `MAX_DEPTH`, said in words; else undefined. */
function shapeProblem(tree: unknown): string | undefined {
  const ancestors = new Set<object>();
  const visit = (node: unknown, depth: number): string | undefined => {
    if (node === null || typeof node !== 'object') return undefined;
    if (ancestors.has(node)) return 'a recursive alias (a value that contains itself)';
    if (depth > MAX_DEPTH) return `nested deeper than ${MAX_DEPTH} levels`;
    ancestors.add(node);
    for (const child of Object.values(node)) {
      const problem = visit(child, depth + 1);
      if (problem !== undefined) return problem;
    }
    ancestors.delete(node);
    return undefined;
  };
  return visit(tree, 0);
}

/** Validates a parsed config tree; the first problem becomes a one-line error naming its path. */
export function validateConfig(tree: unknown): RawConfig {
  const parsed = configSchema.safeParse(tree, { reportInput: true });
  if (parsed.success) return parsed.data;
  throw issueToError(parsed.error.issues[0]!);
}

/** Turns a zod issue into a config error with a path like `endpoints[1].expect.stauts`. */
export function issueToError(issue: z.core.$ZodIssue): ZerodownError {
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0]!;
    const near = closestKey(key, keysAt(configSchema, issue.path));
    const hint = near === undefined ? '' : ` (did you mean ${near}?)`;
    return configError(formatPath([...issue.path, key]), `unknown key${hint}`);
  }
  if (issue.code === 'invalid_type' && issue.input === undefined) {
    return configError(formatPath(issue.path), 'is required');
  }
  return configError(formatPath(issue.path), issue.message);
}

/** Formats a path the way users write it: `a.b[2].c`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out;
}

/**
 * Loads the config: the given file, else `zerodown.yml` when present, else an empty config; then
 * applies overrides. An implicit `zerodown.yml` is announced through `announce`, and with `--url`
 * given its headers and notifications are left out: an ad-hoc run must not send the file's bearer
 * token to whatever host `--url` names, nor fire its webhooks. Throws `ZD_CONFIG_NOT_FOUND` /
 * `ZD_CONFIG_INVALID`.
 */
export function loadConfig(options: {
  file?: string | undefined;
  overrides?: ConfigOverrides;
  env?: Readonly<Record<string, string | undefined>>;
  announce?: (line: string) => void;
}): ZerodownConfig {
  const env = options.env ?? process.env;
  let raw: RawConfig = {};
  const implicit = options.file === undefined && existsSync(DEFAULT_CONFIG_FILE);
  const file = implicit ? DEFAULT_CONFIG_FILE : options.file;
  if (file !== undefined) {
    let text: string;
    try {
      text = readConfigFile(file);
    } catch (cause) {
      if (cause instanceof ZerodownError) throw cause;
      const reason =
        (cause as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : String(cause);
      throw new ZerodownError('ZD_CONFIG_NOT_FOUND', `config file ${file}: ${reason}`, { cause });
    }
    raw = parseConfigText(text, env, file);
  }
  if (implicit && options.overrides?.url !== undefined) {
    raw = adHoc(raw);
    options.announce?.(
      `config: ${DEFAULT_CONFIG_FILE} (its headers and notifications are not applied to --url; name it with -c to use them)`,
    );
  } else if (implicit) {
    options.announce?.(`config: ${DEFAULT_CONFIG_FILE}`);
  }
  return resolveConfig(raw, options.overrides);
}

/** The largest config file read: past it, a mistake (a log file named by -c?), not a config. */
export const MAX_CONFIG_BYTES = 1024 * 1024;

/** Reads a config file, refusing one over `MAX_CONFIG_BYTES` before reading it. */
function readConfigFile(file: string): string {
  const size = statSync(file).size;
  if (size > MAX_CONFIG_BYTES) {
    throw configError(
      '',
      `config file ${file}: ${size} bytes, more than the 1 MiB a config may have`,
    );
  }
  return readFileSync(file, 'utf8');
}

/** The implicit file's settings that may apply to an ad-hoc `--url` run. */
function adHoc(raw: RawConfig): RawConfig {
  const { notify: _notify, ...rest } = raw;
  if (!rest.defaults?.headers) return rest;
  const { headers: _headers, ...defaults } = rest.defaults;
  return { ...rest, defaults };
}
