/**
 * Running the deploy command: its own process group (so a signal or an abort reaches everything
 * it started), output passed through, exit code and timing recorded. No terminal input: a
 * command that would prompt must be told not to (`terraform apply -auto-approve`).
 */
import { spawn, type ChildProcess } from 'node:child_process';

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

/** A running deploy command. */
export class DeployProcess {
  readonly command: string;
  readonly exited: Promise<DeployExit>;
  private readonly child: ChildProcess;
  private finished = false;

  /**
   * Starts `argv`. One argument that looks like a shell line (spaces, pipes, `&&`…) runs through
   * `sh -c`; several arguments run directly.
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
    this.exited = new Promise((resolve) => {
      this.child.once('error', (err: NodeJS.ErrnoException) => {
        this.finished = true;
        resolve({ exitCode: null, signal: null, error: `${err.code ?? 'error'}: ${err.message}` });
      });
      // 'exit', not 'close': a background process the command left behind may keep its output
      // pipes open for long after the command itself ended.
      this.child.once('exit', (exitCode, signal) => {
        this.finished = true;
        resolve({ exitCode, signal });
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
