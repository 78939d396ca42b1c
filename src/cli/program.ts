/**
 * The zerodown command line: the only place that prints errors and picks the exit code (main.ts
 * exits with it).
 */
import { Command, CommanderError } from 'commander';
import { ZerodownError } from '../errors.ts';
import { EXIT } from '../exit-codes.ts';
import { Redactor } from '../redact.ts';
import { VERSION } from '../version.ts';

import { registerAgent } from './agent-command.ts';
import { registerDemo } from './demo-command.ts';
import { registerHistory } from './history-command.ts';
import { registerClientCommands } from './client-commands.ts';
import { registerMerge } from './merge-command.ts';
import { registerReport } from './report-command.ts';
import { registerServe } from './serve-command.ts';
import { registerProbe, registerRun } from './run-command.ts';
import { registerWait } from './wait-command.ts';

/** Builds the program; `setExit` receives each command's exit code. */
export function buildProgram(setExit: (code: number) => void): Command {
  const program = new Command('zerodown')
    .description(
      'Tells you whether a deployment causes downtime: when, for how long, where, and why.',
    )
    .version(VERSION, '-V, --version')
    .enablePositionalOptions()
    .showHelpAfterError('(run zerodown --help for usage)')
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(text) });
  registerRun(program, setExit);
  registerProbe(program, setExit);
  registerReport(program, setExit);
  registerMerge(program, setExit);
  registerAgent(program, setExit);

  registerWait(program, setExit);
  registerServe(program, setExit);
  registerClientCommands(program, setExit);
  registerDemo(program, setExit);
  registerHistory(program, setExit);
  for (const cmd of program.commands) cmd.exitOverride();
  return program;
}

/** Errors may quote a URL from the command line or the config: its secrets are masked. */
const redactUrls = (text: string) => new Redactor().text(text);

/** Runs the CLI with `argv` and returns the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  let code = 0;
  const program = buildProgram((c) => (code = c));
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version are exit 0; every other commander error is a usage error.
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (err instanceof ZerodownError) {
      process.stderr.write(`zerodown: ${redactUrls(err.message)}\n`);
      return err.exitCode;
    }
    process.stderr.write(
      `zerodown: internal error (this is a bug, please report it): ${redactUrls((err as Error)?.stack ?? String(err))}\n`,
    );
    return EXIT.internal;
  }
}
