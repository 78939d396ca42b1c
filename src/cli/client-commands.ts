/**
 * `zerodown start|stats|stop --server URL`: drive a control server without curl.
 */
import { decideOutcome } from '../outcome.ts';
import type { Command } from 'commander';
import { ZerodownError } from '../errors.ts';
import { parseResult } from '../report/json.ts';
import { renderText } from '../report/text.ts';
import type { ResultDocument } from '../result.ts';
import { emitGithub, writeReports } from './outputs.ts';

interface ClientFlags {
  server?: string;
  token?: string;
  name?: string;
  fail?: boolean;
  json?: string;
  html?: string;
  markdown?: string;
  junit?: string;
  quiet?: boolean;
}

const DEFAULT_SERVER = 'http://127.0.0.1:8080';

/** Registers `start`, `stats` and `stop`. */
export function registerClientCommands(program: Command, exit: (code: number) => void): void {
  const common = (cmd: Command) =>
    cmd
      .option(
        '--server <url>',
        `the control server (or ZERODOWN_SERVER; default ${DEFAULT_SERVER})`,
      )
      .option('--token <token>', 'bearer token (or ZERODOWN_TOKEN)')
      .option('--name <run>', 'the run of this name (a rollout, a revision): ?name= on the server');

  common(program.command('start').description('start probing on a control server')).action(
    async (flags: ClientFlags) => {
      const res = await call(flags, 'POST', '/start');
      process.stdout.write(await res.text());
      exit(0);
    },
  );

  const report = (name: 'stats' | 'stop', method: 'GET' | 'POST', description: string) =>
    common(program.command(name).description(description))
      .option(
        '--fail',
        "exit with the run's exit code (1 downtime over budget, 6 inconclusive, 130 interrupted…)",
      )
      .option('--json <file>', 'write the result document')
      .option('--html <file>', 'write the HTML report')
      .option('--markdown <file>', 'write the Markdown report')
      .option('--junit <file>', 'write the JUnit XML report')
      .option('-q, --quiet', 'no text report on stdout')
      .action(async (flags: ClientFlags) => {
        const res = await call(flags, method, name === 'stats' ? '/stats' : '/stop');
        const doc = parseResult(await res.text(), `${name} answer`);
        emit(doc, flags);
        exit(flags.fail ? decideOutcome(doc).exitCode : 0);
      });
  report('stats', 'GET', 'the current or last run of a control server: text report, verdict');
  report('stop', 'POST', 'end the run on a control server and print its final report');
}

function emit(doc: ResultDocument, flags: ClientFlags): void {
  if (!flags.quiet) process.stdout.write(renderText(doc));
  writeReports(doc, {
    json: flags.json,
    html: flags.html,
    markdown: flags.markdown,
    junit: flags.junit,
  });
  emitGithub(doc);
}

async function call(flags: ClientFlags, method: string, path: string): Promise<Response> {
  const base = flags.server ?? process.env.ZERODOWN_SERVER ?? DEFAULT_SERVER;
  if (!URL.canParse(base))
    throw new ZerodownError('ZD_USAGE', `--server: not a URL: ${JSON.stringify(base)}`);
  const token = flags.token ?? (process.env.ZERODOWN_TOKEN || undefined);
  const url = new URL(path, base);
  if (flags.name !== undefined) url.searchParams.set('name', flags.name);
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(60_000),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
    throw new ZerodownError('ZD_SERVER', `cannot reach the control server at ${base}: ${cause}`);
  }
  if (!res.ok) {
    const body = await res.text();
    let message = body.trim();
    try {
      message = (JSON.parse(body) as { message?: string }).message ?? message;
    } catch {
      // plain text
    }
    throw new ZerodownError('ZD_SERVER', `${method} ${url.pathname}: ${res.status} ${message}`);
  }
  return res;
}
