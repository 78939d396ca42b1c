/**
 * Request flags shared by `run`, `probe` and `wait`, as curl spells them: `-H/--header` (repeatable),
 * `-X/--method`, `--body` (`@file` reads a file), `--expect-status`. Parsing only: each becomes a
 * config override (a flag wins over the file) or `wait`'s request.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { statusSchema, type StatusRange } from '../config/schema.ts';
import { ZerodownError } from '../errors.ts';

/** Raw values of the request flags. */
export interface RequestFlags {
  header?: string[];
  method?: string;
  body?: string;
  expectStatus?: string;
}

/** The parsed request flags. */
export interface RequestOverrides {
  headers: Record<string, string> | undefined;
  method: string | undefined;
  body: string | undefined;
  expectStatus: StatusRange[] | undefined;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Adds the request flags to a command. */
export function addRequestOptions(cmd: Command): Command {
  return cmd
    .option('-H, --header <line>', "a request header, 'Name: value' (repeatable)", collect)
    .option('-X, --method <method>', 'the request method (default GET, POST with --body)')
    .option('--body <text>', 'the request body; @file reads it from a file')
    .option(
      '--expect-status <list>',
      'accepted statuses, e.g. 200-299,304 or 2xx (default 200-399)',
    );
}

/** Parses the request flags; a malformed one is a `ZD_USAGE` error naming the flag. */
export function requestOverrides(flags: RequestFlags): RequestOverrides {
  let headers: Record<string, string> | undefined;
  for (const line of flags.header ?? []) {
    const colon = line.indexOf(':');
    const name = colon < 0 ? '' : line.slice(0, colon).trim();
    if (!TOKEN.test(name)) {
      throw new ZerodownError(
        'ZD_USAGE',
        `--header: expected 'Name: value', got ${JSON.stringify(line)}`,
      );
    }
    (headers ??= {})[name.toLowerCase()] = line.slice(colon + 1).trim();
  }
  const method = flags.method?.toUpperCase();
  if (method !== undefined && !METHODS.includes(method)) {
    throw new ZerodownError('ZD_USAGE', `--method: expected one of ${METHODS.join(', ')}`);
  }
  return {
    headers,
    method,
    body: flags.body === undefined ? undefined : bodyOf(flags.body),
    expectStatus:
      flags.expectStatus === undefined
        ? undefined
        : parseStatusList('--expect-status', flags.expectStatus),
  };
}

function bodyOf(value: string): string {
  if (!value.startsWith('@')) return value;
  try {
    return readFileSync(value.slice(1), 'utf8');
  } catch (err) {
    throw new ZerodownError(
      'ZD_USAGE',
      `--body: cannot read ${value.slice(1)}: ${(err as Error).message}`,
    );
  }
}

/** Parses `200-299,304` or `2xx` given to `flag`; a mistake is a `ZD_USAGE` error naming it. */
export function parseStatusList(flag: string, value: string): StatusRange[] {
  const parsed = statusSchema.safeParse(value.split(','));
  if (!parsed.success) {
    throw new ZerodownError('ZD_USAGE', `${flag}: ${parsed.error.issues[0]!.message}`);
  }
  return parsed.data;
}
