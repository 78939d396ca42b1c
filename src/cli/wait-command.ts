/**
 * `zerodown wait --url <url> [--status <list>] [--timeout <dur>]`: a readiness gate. Polls until
 * the URL answers as expected (exit 0) or the timeout passes (exit 1).
 */
import type { Command } from 'commander';
import { request } from '../util/lazy-undici.ts';
import type { StatusRange } from '../config/schema.ts';
import { DEFAULTS } from '../config/resolve.ts';
import { classifyError } from '../probe/classify.ts';
import { ZerodownError } from '../errors.ts';
import { sleep } from '../util/sleep.ts';
import { flagDuration } from './options.ts';
import { interruptSignal } from './outputs.ts';
import {
  addRequestOptions,
  parseStatusList,
  requestOverrides,
  type RequestFlags,
} from './request-flags.ts';

const DEFAULT_STATUS = DEFAULTS.status;

interface WaitFlags extends RequestFlags {
  url: string;
  bodyContains?: string;
  versionHeader?: string;
  version?: string;
  status?: string;
  timeout?: string;
  interval?: string;
  consecutive?: string;
}

/** Polls `url` until `consecutive` answers in a row have an accepted status. */
export async function waitForUrl(options: {
  url: string;
  status: readonly StatusRange[];
  timeoutMs: number;
  intervalMs: number;
  consecutive: number;
  /** The body (first 64 KiB) must contain this. */
  bodyContains?: string | undefined;
  /** This response header must equal `version`. */
  version?: { header: string; equals: string } | undefined;
  /** Request headers (e.g. to authenticate), method and body; GET without a body by default. */
  headers?: Readonly<Record<string, string>> | undefined;
  method?: string | undefined;
  body?: string | undefined;
  signal?: AbortSignal;
  log?: (line: string) => void;
}): Promise<boolean> {
  const start = performance.now();
  const deadline = start + options.timeoutMs;
  let streak = 0;
  let last = '';
  while (!options.signal?.aborted) {
    const attemptTimeout = Math.ceil(
      Math.max(1, Math.min(options.intervalMs * 2, deadline - performance.now())),
    );
    let seen: string;
    try {
      const res = await request(options.url, {
        signal: AbortSignal.timeout(attemptTimeout),
        method: (options.method ?? (options.body === undefined ? 'GET' : 'POST')) as 'GET',
        headers: { 'user-agent': 'zerodown-wait', ...options.headers },
        body: options.body,
      });
      const body = options.bodyContains === undefined ? '' : await readPrefix(res.body);
      if (options.bodyContains === undefined)
        await res.body.dump({ limit: 64 * 1024 }).catch(() => undefined);
      seen = String(res.statusCode);
      let ok = options.status.some(([lo, hi]) => res.statusCode >= lo && res.statusCode <= hi);
      if (ok && options.bodyContains !== undefined && !body.includes(options.bodyContains)) {
        ok = false;
        seen += ' (body does not contain the text)';
      }
      if (ok && options.version) {
        const got = res.headers[options.version.header.toLowerCase()];
        const v = Array.isArray(got) ? got[0] : got;
        if (v !== options.version.equals) {
          ok = false;
          seen += ` (version ${v ?? 'missing'})`;
        }
      }
      streak = ok ? streak + 1 : 0;
    } catch (err) {
      seen =
        (err as Error).name === 'TimeoutError' || (err as Error).name === 'AbortError'
          ? 'timeout'
          : classifyError(err);
      streak = 0;
    }
    if (seen !== last) options.log?.(`+${Math.round(performance.now() - start)} ms: ${seen}`);
    last = seen;
    if (streak >= options.consecutive) return true;
    const left = deadline - performance.now();
    if (left <= 0) return false;
    await sleep(Math.min(options.intervalMs, left), options.signal);
  }
  return false;
}

/** Registers `wait`. */
export function registerWait(program: Command, exit: (code: number) => void): void {
  const cmd = program
    .command('wait')
    .description(
      'readiness gate: poll a URL until it answers as expected (exit 0) or time runs out (exit 1)',
    )
    .requiredOption('--url <url>', 'the URL to poll')
    .option('--status <list>', 'accepted statuses, e.g. 200,204 or 2xx (default 200-399)')
    .option('--timeout <dur>', 'give up after this long (default 60s)')
    .option('--interval <dur>', 'time between polls (default 1s)')
    .option('--consecutive <n>', 'answers in a row needed (default 1)')
    .option('--body-contains <text>', 'the body must contain this text')
    .option('--version-header <name>', 'with --version: the header naming the version')
    .option('--version <v>', 'the version header must equal this (e.g. the new release)');
  addRequestOptions(cmd).action(async (flags: WaitFlags) => {
    if (!URL.canParse(flags.url) || !/^https?:$/.test(new URL(flags.url).protocol)) {
      throw new ZerodownError(
        'ZD_USAGE',
        `--url: not an http(s) URL: ${JSON.stringify(flags.url)}`,
      );
    }
    const req = requestOverrides(flags);
    const status =
      req.expectStatus ??
      (flags.status === undefined ? DEFAULT_STATUS : parseStatusList('--status', flags.status));
    const consecutive = Number(flags.consecutive ?? 1);
    if (!Number.isInteger(consecutive) || consecutive < 1) {
      throw new ZerodownError(
        'ZD_USAGE',
        `--consecutive: expected a whole number from 1, got ${flags.consecutive}`,
      );
    }
    const { signal, dispose } = interruptSignal();
    try {
      const ready = await waitForUrl({
        url: flags.url,
        status,
        headers: req.headers,
        method: req.method,
        body: req.body,
        timeoutMs: flagDuration('--timeout', flags.timeout) ?? 60_000,
        intervalMs: flagDuration('--interval', flags.interval) ?? 1000,
        consecutive,
        bodyContains: flags.bodyContains,
        version:
          flags.version === undefined
            ? undefined
            : { header: flags.versionHeader ?? 'x-app-version', equals: flags.version },
        signal,
        log: (line) => process.stderr.write(`zerodown wait: ${line}\n`),
      });
      process.stderr.write(
        `zerodown wait: ${ready ? 'ready' : signal.aborted ? 'interrupted' : 'not ready before the timeout'}\n`,
      );
      exit(ready ? 0 : signal.aborted ? 130 : 1);
    } finally {
      dispose();
    }
  });
}

/** Reads up to 64 KiB of a body and drops the rest. */
async function readPrefix(body: AsyncIterable<Buffer>): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    if (size < 64 * 1024) {
      chunks.push(chunk);
      size += chunk.length;
    }
  }
  return Buffer.concat(chunks)
    .toString('utf8')
    .slice(0, 64 * 1024);
}
