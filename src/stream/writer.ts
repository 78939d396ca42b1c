/**
 * Writing a run's probe stream (`--out <file|->`, format in format.ts) without ever holding up
 * the probe loop: lines are buffered and handed to the file in batches (at most one write in
 * flight, on libuv's thread pool: a full pipe blocks that thread, never the event loop).
 *
 * Backpressure: while a write is in flight, lines wait in memory. A reader too slow for too long
 * (more than `maxPendingBytes` waiting, 16 MiB by default: about 70 000 probe lines) makes the
 * writer drop probe lines — counted, said once on stderr, and recorded in the `end` line
 * (`dropped`), so the rebuilt result is marked incomplete rather than silently short. The `run`,
 * `phase` and `end` lines are never dropped. A write that fails (the reader went away: EPIPE; a
 * full disk) stops the stream, said once; the run goes on.
 */
import { closeSync, openSync, write } from 'node:fs';
import { ZerodownError } from '../errors.ts';
import { agentName } from '../agent.ts';
import type { ZerodownConfig } from '../config/resolve.ts';
import type { ProbeOutcome } from '../probe/outcome.ts';
import { probeRecord } from '../probe/record.ts';
import type { ResultDocument } from '../result.ts';
import type { ProbeSession } from '../session.ts';
import { VERSION } from '../version.ts';
import { endLine, runLine } from './format.ts';

/** Options of a writer. */
export interface StreamWriterOptions {
  /** Lines waiting beyond this many bytes make probe lines drop (default 16 MiB). */
  maxPendingBytes?: number;
  /** How often buffered lines are written (ms, default 100). */
  flushIntervalMs?: number;
  /** Where the writer says what went wrong (default: stderr). */
  warn?: (line: string) => void;
}

const BATCH_BYTES = 256 * 1024;

/** One probe stream: a file, or stdout for `-`; one or more runs, one after another. */
export class ProbeStreamWriter {
  /** The target as the user named it (`-` for stdout). */
  readonly target: string;
  private readonly config: ZerodownConfig;
  private readonly fd: number;
  private readonly maxPending: number;
  private readonly warn: (line: string) => void;
  private readonly timer: NodeJS.Timeout;
  private pending: string[] = [];
  private pendingBytes = 0;
  private inflightBytes = 0;
  private writing = false;
  private failed = false;
  private closed = false;
  private dropped = 0;
  private unsubscribe: (() => void)[] = [];
  private begun = false;
  private drained: (() => void)[] = [];

  /** Opens `target` (created or emptied; `-`: stdout) for the runs of `config`. */
  constructor(target: string, config: ZerodownConfig, options: StreamWriterOptions = {}) {
    this.target = target;
    this.config = config;
    try {
      this.fd = target === '-' ? 1 : openSync(target, 'w');
    } catch (cause) {
      throw new ZerodownError('ZD_OUTPUT', `--out ${target}: ${(cause as Error).message}`, {
        cause,
      });
    }
    this.maxPending = options.maxPendingBytes ?? 16 * 1024 * 1024;
    this.warn = options.warn ?? ((line) => process.stderr.write(`zerodown: ${line}\n`));
    this.timer = setInterval(() => this.flush(), options.flushIntervalMs ?? 100);
    this.timer.unref();
  }

  /** Probe lines dropped so far in this run (a reader too slow). */
  get droppedLines(): number {
    return this.dropped;
  }

  /** Starts a run's stream: its `run` line, its phases and probes as they come. */
  begin(session: ProbeSession, name?: string): void {
    this.detach();
    this.begun = true;
    this.dropped = 0;
    this.push(
      JSON.stringify(
        runLine(this.config, {
          startedAt: (session.startedAt ?? new Date()).toISOString(),
          host: session.host,
          agent: session.agent,
          name,
          history: session.history,
          toolVersion: VERSION,
        }),
      ),
    );
    const names = this.config.endpoints.map((e) => e.name);
    const agent = session.agent;
    const phase = session.phase;
    if (phase !== undefined) this.push(JSON.stringify({ type: 'phase', name: phase, startMs: 0 }));
    this.unsubscribe = [
      session.onPhase((p) =>
        this.push(JSON.stringify({ type: 'phase', name: p.name, startMs: p.startMs })),
      ),
      session.onOutcome((o: ProbeOutcome) => {
        if (this.pendingBytes + this.inflightBytes > this.maxPending || this.failed) {
          this.drop();
          return;
        }
        this.push(JSON.stringify(probeRecord(o, names[o.endpoint]!, agent)));
      }),
    ];
  }

  /**
   * Ends the run's stream with its `end` line, from its final result. A run that never started
   * (blocked before probing) gets its `run` line here first.
   */
  end(doc: ResultDocument): void {
    if (!this.begun) {
      this.push(
        JSON.stringify(
          runLine(this.config, {
            startedAt: doc.startedAt,
            host: doc.host ?? '',
            agent: doc.agent ?? agentName(undefined),
            name: doc.name,
            toolVersion: doc.tool.version,
          }),
        ),
      );
    }
    this.detach();
    this.push(JSON.stringify(endLine(doc, this.dropped)));
    this.begun = false;
    this.flush();
  }

  /**
   * Writes what is buffered, then closes the file (stdout stays open). Waits at most `waitMs`
   * (default 10 s) for a reader that does not read, then gives up, said on stderr: a stuck pipe
   * never keeps the run from ending.
   */
  async close(waitMs = 10_000): Promise<void> {
    if (this.closed) return;
    this.detach();
    clearInterval(this.timer);
    this.flush();
    const until = performance.now() + waitMs;
    while (this.writing || (this.pending.length > 0 && !this.failed)) {
      const left = until - performance.now();
      const drained = new Promise<boolean>((resolve) => this.drained.push(() => resolve(true)));
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<boolean>((resolve) => (timer = setTimeout(resolve, left, false)));
      const done = await Promise.race([drained, late]);
      clearTimeout(timer);
      if (!done) {
        this.warn(
          `--out ${this.target}: its reader took more than ${Math.round(waitMs / 1000)} s; ${this.pendingBytes + this.inflightBytes} bytes of the stream are not written`,
        );
        this.failed = true;
        break;
      }
      this.flush();
    }
    this.closed = true;
    // A write still in flight (a stuck pipe) keeps its descriptor; the process ends anyway.
    if (this.fd !== 1 && !this.writing) closeSync(this.fd);
  }

  private detach(): void {
    for (const u of this.unsubscribe) u();
    this.unsubscribe = [];
  }

  private drop(): void {
    if (this.dropped === 0 && !this.failed) {
      this.warn(
        `--out ${this.target}: its reader is too slow (${Math.round(this.maxPending / 1024)} KiB waiting); dropping probe lines (counted in the end line)`,
      );
    }
    this.dropped++;
  }

  private push(line: string): void {
    if (this.failed || this.closed) return;
    this.pending.push(line, '\n');
    this.pendingBytes += line.length + 1;
    if (this.pendingBytes >= BATCH_BYTES) this.flush();
  }

  private flush(): void {
    if (this.writing || this.pending.length === 0 || this.failed) return;
    const buffer = Buffer.from(this.pending.join(''));
    this.pending = [];
    this.pendingBytes = 0;
    this.writing = true;
    this.inflightBytes = buffer.length;
    this.writeOut(buffer, 0);
  }

  private writeOut(buffer: Buffer, offset: number): void {
    write(this.fd, buffer, offset, buffer.length - offset, null, (err, written) => {
      if (err) {
        // A non-blocking stdout: try again shortly.
        if (err.code === 'EAGAIN') {
          setTimeout(() => this.writeOut(buffer, offset), 5);
          return;
        }
        this.failed = true;
        this.pending = [];
        this.pendingBytes = 0;
        this.warn(
          `--out ${this.target}: cannot write (${err.code ?? err.message}); the probe stream stops here`,
        );
        return this.settle();
      }
      if (offset + written < buffer.length) {
        this.writeOut(buffer, offset + written);
        return;
      }
      this.settle();
      if (this.pendingBytes >= BATCH_BYTES) this.flush();
    });
  }

  private settle(): void {
    this.writing = false;
    this.inflightBytes = 0;
    const waiting = this.drained;
    this.drained = [];
    for (const resolve of waiting) resolve();
  }
}
