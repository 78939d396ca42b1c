/**
 * Reading a config file (YAML or JSON), interpolating `${VAR}`, and validating it. The only
 * part of config/ that does I/O.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';
import type { z } from 'zod';
import { configError, ZerodownError } from '../errors.ts';
import { interpolateTree } from './env.ts';
import { resolveConfig, type ConfigOverrides, type ZerodownConfig } from './resolve.ts';
import { configSchema, type RawConfig } from './schema.ts';

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
  const doc = loadYaml().parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const err = doc.errors[0]!;
    const pos = err.linePos?.[0];
    const where = pos ? ` at line ${pos.line}, column ${pos.col}` : '';
    const what = err.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    throw configError('', `${source}: not valid YAML/JSON${where}: ${what}`);
  }
  const tree: unknown = doc.toJS() ?? {};
  if (typeof tree !== 'object' || Array.isArray(tree)) {
    throw configError('', `${source}: expected a mapping of settings at the top level`);
  }
  return validateConfig(interpolateTree(tree, env));
}

/** Validates a parsed config tree; the first problem becomes a one-line error naming its path. */
export function validateConfig(tree: unknown): RawConfig {
  const parsed = configSchema.safeParse(tree);
  if (parsed.success) return parsed.data;
  throw issueToError(parsed.error.issues[0]!);
}

/** Turns a zod issue into a config error with a path like `endpoints[1].expect.stauts`. */
export function issueToError(issue: z.core.$ZodIssue): ZerodownError {
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0]!;
    return configError(formatPath([...issue.path, key]), 'unknown key');
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
 * applies overrides. Throws `ZD_CONFIG_NOT_FOUND` / `ZD_CONFIG_INVALID`.
 */
export function loadConfig(options: {
  file?: string | undefined;
  overrides?: ConfigOverrides;
  env?: Readonly<Record<string, string | undefined>>;
  cwd?: string;
}): ZerodownConfig {
  const env = options.env ?? process.env;
  let raw: RawConfig = {};
  const file = options.file ?? (existsSync(DEFAULT_CONFIG_FILE) ? DEFAULT_CONFIG_FILE : undefined);
  if (file !== undefined) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (cause) {
      const reason =
        (cause as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : String(cause);
      throw new ZerodownError('ZD_CONFIG_NOT_FOUND', `config file ${file}: ${reason}`, { cause });
    }
    raw = parseConfigText(text, env, file);
  }
  return resolveConfig(raw, options.overrides);
}
