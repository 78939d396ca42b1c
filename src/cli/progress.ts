/**
 * Live progress on stderr: on a terminal, a status line per endpoint redrawn in place; elsewhere
 * (CI logs) a plain line every few seconds. Output of the deploy command passes through `write`
 * so it never tangles with the status lines.
 */
import { formatDuration } from '../config/duration.ts';
import type { ProbeSession } from '../session.ts';

/** Shows a session's progress. */
export class Progress {
  private readonly stream: NodeJS.WriteStream;
  private readonly tty: boolean;
  private session: ProbeSession | undefined;
  private timer: NodeJS.Timeout | undefined;
  private drawn = 0;

  constructor(stream: NodeJS.WriteStream = process.stderr, enabled = true) {
    this.stream = stream;
    this.tty = enabled && stream.isTTY === true;
    this.enabled = enabled;
  }

  private readonly enabled: boolean;

  /** Starts showing `session`. */
  attach(session: ProbeSession): void {
    this.session = session;
    if (!this.enabled) return;
    const every = this.tty ? 250 : 5000;
    this.timer = setInterval(() => this.draw(), every);
    this.timer.unref();
  }

  /** Writes text (e.g. deploy output) above the status lines. */
  write(target: NodeJS.WriteStream, chunk: Buffer | string): void {
    this.clear();
    target.write(chunk);
    if (this.tty) this.draw();
  }

  /** A one-off message (phase changes). */
  note(message: string): void {
    this.write(this.stream, `zerodown: ${message}\n`);
  }

  /** Stops and erases the status lines. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.clear();
  }

  private clear(): void {
    if (!this.tty || this.drawn === 0) return;
    this.stream.write(`\x1b[${this.drawn}F\x1b[J`);
    this.drawn = 0;
  }

  private draw(): void {
    const s = this.session;
    if (!s?.running) return;
    const elapsed = formatDuration(s.nowMs());
    const lines = s.stats.map((st) => {
      const state =
        st.lastCompleted === undefined ? 'waiting' : st.lastCompleted.ok ? 'up' : 'DOWN';
      return `  ${state.padEnd(7)} ${st.config.name}  sent ${st.sent}, ok ${st.sent - st.failed}, failed ${st.failed}`;
    });
    const head = `zerodown ${s.phase ?? ''} +${elapsed}`;
    if (this.tty) {
      this.clear();
      const width = this.stream.columns || 100;
      const all = [head, ...lines].map((l) => l.slice(0, width - 1));
      this.stream.write(all.join('\n') + '\n');
      this.drawn = all.length;
    } else {
      this.stream.write(
        `${head}: ${lines.map((l) => l.trim().replace(/\s+/g, ' ')).join(' | ')}\n`,
      );
    }
  }
}
