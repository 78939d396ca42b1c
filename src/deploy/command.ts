/**
 * Running the deploy command: its own process group (so a signal or an abort reaches everything
 * it started), output passed through, exit code and timing recorded. No terminal input: a
 * command that would prompt must be told not to (`terraform apply -auto-approve`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';

/** How a deploy command ended. */
export interface DeployExit {
  exitCode: number | null;
  signal: string | null;
  /** The command could not be started (e.g. `ENOENT: not found`). */
  error?: string;
}

/** Where the command's output goes (written as it arrives). */
export interface DeployOutput {
  stdout: (chunk: Buffer) => void;
  stderr: (chunk: Buffer) => void;
}

const SHELL_CHARS = /[\s|&;<>()$`\\"'*?[\]#~=%]/;
/** How long to wait for the shell's last words on stderr after it exited 126 or 127 (ms). */
const SHELL_STDERR_WAIT_MS = 200;
/** The first bytes of a shell's stderr kept to read its "not found" (bytes). */
const SHELL_STDERR_HEAD = 1024;

/** A running deploy command. */
export class DeployProcess {
  readonly command: string;
  readonly exited: Promise<DeployExit>;
  private readonly child: ChildProcess;
  private finished = false;

  /**
   * Starts `argv`. One argument that looks like a shell line (spaces, pipes, `&&`…) runs through
   * `sh -c`; several arguments run directly. A command that cannot be started ends with `error`:
   * run directly, spawn's own `ENOENT`/`EACCES`; through a shell (that `sh -c`, or a command
   * given as `sh -c '<line>'` or `bash -c …`), the shell's exit 127 ("not found") or 126
   * ("Permission denied") about the line's first command (see `shellStartError`).
   */
  constructor(argv: readonly string[], output: DeployOutput, env: NodeJS.ProcessEnv = process.env) {
    if (argv.length === 0) throw new Error('empty deploy command');
    const useShell = argv.length === 1 && SHELL_CHARS.test(argv[0]!);
    this.command = argv
      .map((a) => (argv.length > 1 && /\s/.test(a) ? JSON.stringify(a) : a))
      .join(' ');
    this.child = useShell
      ? spawn('/bin/sh', ['-c', argv[0]!], {
          detached: true,
          stdio: ['ignore', 'pipe', 'pipe'],
          env,
        })
      : spawn(argv[0]!, argv.slice(1), { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env });
    this.child.stdout!.on('data', output.stdout);
    this.child.stderr!.on('data', output.stderr);
    const shell = useShell ? { name: '/bin/sh', line: argv[0]! } : shellCommand(argv);
    let stderrHead = '';
    if (shell) {
      this.child.stderr!.on('data', (chunk: Buffer) => {
        if (stderrHead.length < SHELL_STDERR_HEAD) stderrHead += chunk.toString('utf8');
      });
    }
    const stderr = this.child.stderr!;
    this.exited = new Promise((resolve) => {
      this.child.once('error', (err: NodeJS.ErrnoException) => {
        this.finished = true;
        resolve({ exitCode: null, signal: null, error: `${err.code ?? 'error'}: ${err.message}` });
      });
      // 'exit', not 'close': a background process the command left behind may keep its output
      // pipes open for long after the command itself ended.
      this.child.once('exit', (exitCode, signal) => {
        this.finished = true;
        if (!shell || (exitCode !== 126 && exitCode !== 127)) {
          resolve({ exitCode, signal });
          return;
        }
        // The shell's message may still be in the pipe when 'exit' comes.
        void drained(stderr, SHELL_STDERR_WAIT_MS).then(() => {
          const error = shellStartError(shell.line, exitCode, stderrHead, shell.name);
          resolve(error === undefined ? { exitCode, signal } : { exitCode, signal, error });
        });
      });
    });
  }

  /** Sends a signal to the command's whole process group. */
  signal(sig: NodeJS.Signals): void {
    if (this.finished || this.child.pid === undefined) return;
    try {
      process.kill(-this.child.pid, sig);
    } catch {
      // The group is already gone.
    }
  }

  /** SIGTERM to the group, then SIGKILL after `graceMs` if it has not exited. */
  async terminate(graceMs: number, first: NodeJS.Signals = 'SIGTERM'): Promise<DeployExit> {
    this.signal(first);
    const timer = setTimeout(() => this.signal('SIGKILL'), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * Why a shell line could not start, from `sh -c`'s exit code (127 not found, 126 not executable)
 * and the start of its stderr, where the shell (named `shell`, its `$0`) said so; `undefined`
 * when the shell did start the line's first command.
 * Only the first command counts: in `./build.sh && kubectl apply`, a missing `kubectl` also
 * makes the shell exit 127, but after `./build.sh` ran, so the deploy did start.
 */
export function shellStartError(
  line: string,
  exitCode: number,
  stderrHead: string,
  shell = '/bin/sh',
): string | undefined {
  if (exitCode !== 126 && exitCode !== 127) return undefined;
  const first = firstCommand(line);
  if (first === undefined) return undefined;
  // dash: `/bin/sh: 1: x: not found`; bash: `/bin/sh: line 1: x: command not found`; busybox:
  // `/bin/sh: x: not found`. Permission denied alike. The prefix is the shell's `$0`.
  const said = /^(.+?): (?:line \d+: |\d+: )?(.+): ((?:command )?not found|Permission denied)$/;
  for (const msg of stderrHead.split('\n')) {
    const m = said.exec(msg.trim());
    if (m?.[1] !== shell || m[2] !== first) continue;
    const code = m[3] === 'Permission denied' ? 'EACCES' : 'ENOENT';
    return `${code}: ${first}: ${m[3]} (the shell exited ${exitCode})`;
  }
  return undefined;
}

/**
 * `sh -c '<line>' [name args…]` (or bash, dash, by path or not): the line, and the name the shell
 * puts before its messages (`$0`: the shell as named, else the `name` after the line).
 */
function shellCommand(argv: readonly string[]): { name: string; line: string } | undefined {
  const [shell, flag, line, name] = argv;
  if (shell === undefined || flag !== '-c' || line === undefined) return undefined;
  if (!/^(?:\/(?:usr\/)?bin\/)?(?:sh|bash|dash)$/.test(shell)) return undefined;
  return { name: name ?? shell, line };
}

/** The first command word of a simple shell line, past `NAME=value` assignments. */
function firstCommand(line: string): string | undefined {
  const words = line.trim().split(/\s+/);
  return words.find((w) => !/^[A-Za-z_][A-Za-z0-9_]*=/.test(w));
}

/** Resolves when `stream` has ended or closed, or after `ms` at most. */
function drained(stream: Readable, ms: number): Promise<void> {
  return new Promise<void>((resolve) => {
    if (stream.readableEnded) return resolve();
    const timer = setTimeout(resolve, ms);
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    stream.once('end', done);
    stream.once('close', done);
  });
}
