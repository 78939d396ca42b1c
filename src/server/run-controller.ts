/**
 * The control server's runs: at most one at a time, started and stopped over HTTP, with the
 * current run's result flushed to a data folder every second so a server that is killed and
 * started again still answers for the run it was measuring (marked interrupted).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ZerodownConfig } from '../config/resolve.ts';
import { formatDuration } from '../config/duration.ts';
import { ZerodownError } from '../errors.ts';
import type { SessionHistory } from '../history/plan.ts';
import { decideOutcome } from '../outcome.ts';
import type { ProbeOutcome } from '../probe/outcome.ts';
import { parseResult, renderJson } from '../report/json.ts';
import type { ResultDocument } from '../result.ts';
import { ProbeSession } from '../session.ts';
import { writeFileAtomic } from '../util/files.ts';

/** How often the current run is flushed to disk (ms). */
export const FLUSH_INTERVAL_MS = 1000;
/** A run nobody stops ends after this long by default (`serve --max-run`). */
export const DEFAULT_MAX_RUN_MS = 3_600_000;
/** /stats during a run is served from a result at most this old (ms). */
const CACHE_MS = 200;

/** Starts, stops and remembers runs. */
export class RunController {
  readonly config: ZerodownConfig;
  private readonly file: string | undefined;
  private session: ProbeSession | undefined;
  private last: ResultDocument | undefined;
  private cached: { at: number; doc: ResultDocument } | undefined;
  private flushTimer: NodeJS.Timeout | undefined;
  private durationTimer: NodeJS.Timeout | undefined;
  private stopping: Promise<ResultDocument> | undefined;
  private starting: Promise<ProbeSession> | undefined;
  private readonly outcomeListeners = new Set<(o: ProbeOutcome, s: ProbeSession) => void>();
  private readonly stopListeners = new Set<(doc: ResultDocument) => void>();
  /** Epoch ms of the last start. */
  startedAtEpochMs: number | undefined;
  /** The name of the run going on or last ended (`/start?name=`), if it was given one. */
  private runName: string | undefined;
  private readonly maxRunMs: number;
  /** Reads each run's learned budgets before it starts (serve-command.ts: its run history). */
  private readonly prepare: (() => Promise<SessionHistory | undefined>) | undefined;

  /** `maxRunMs`: a run nobody stops ends after this long (0: never). */
  constructor(
    config: ZerodownConfig,
    dataDir?: string,
    maxRunMs = DEFAULT_MAX_RUN_MS,
    options: { prepare?: () => Promise<SessionHistory | undefined> } = {},
  ) {
    this.config = config;
    this.maxRunMs = maxRunMs;
    this.prepare = options.prepare;
    this.file = dataDir === undefined ? undefined : join(dataDir, 'current-run.json');
    this.last = this.restore();
  }

  /** The session of the run going on, if any. */
  get current(): ProbeSession | undefined {
    return this.session?.running ? this.session : undefined;
  }

  /** Calls `listener` with every probe outcome of every run. */
  onOutcome(listener: (o: ProbeOutcome, s: ProbeSession) => void): void {
    this.outcomeListeners.add(listener);
  }

  /** Calls `listener` with each run's final result, once it is saved (reports, notifications). */
  onStop(listener: (doc: ResultDocument) => void): void {
    this.stopListeners.add(listener);
  }

  /**
   * Starts a run; `ZD_RUN_ACTIVE` if one is going or starting. The check is synchronous, so of
   * two calls at once exactly one starts a run. Resolves once probing has begun (after the
   * connections are opened, see `ProbeSession.start`).
   */
  start(name?: string): Promise<ProbeSession> {
    if (this.starting || this.session?.running || this.stopping) {
      throw new ZerodownError('ZD_RUN_ACTIVE', 'a run is already going: POST /stop first');
    }
    this.runName = name;
    this.starting = (async () => {
      const session = new ProbeSession(this.config, await this.prepare?.());
      session.onOutcome((o) => {
        for (const l of this.outcomeListeners) l(o, session);
      });
      await session.start('probe');
      this.session = session;
      this.cached = undefined;
      this.startedAtEpochMs = Date.now();
      this.flushTimer = setInterval(() => this.flush(), FLUSH_INTERVAL_MS);
      this.flushTimer.unref();
      const limit = Math.min(this.config.durationMs ?? Infinity, this.maxRunMs || Infinity);
      if (limit !== Infinity) {
        this.durationTimer = setTimeout(() => {
          if (limit !== this.config.durationMs) {
            process.stderr.write(
              `zerodown serve: ended the run after --max-run ${formatDuration(limit)}: nobody stopped it\n`,
            );
          }
          void this.end();
        }, limit);
        this.durationTimer.unref();
      }
      this.flush();
      return session;
    })().finally(() => (this.starting = undefined));
    return this.starting;
  }

  /**
   * Starts the run of one rollout, idempotently (`/start?name=`): when a run of that name is
   * going or starting, nothing changes (`already`); a run of another name (an abandoned rollout
   * that nobody stopped) is ended, marked interrupted, and the new one starts.
   */
  async startNamed(name: string): Promise<{ already: boolean }> {
    if ((this.starting || this.session?.running) && !this.stopping && this.runName === name) {
      await this.starting;
      return { already: true };
    }
    await this.end({ interrupted: true });
    await this.start(name);
    return { already: false };
  }

  /** The name of the current or last run (undefined when it had none). */
  get name(): string | undefined {
    return this.runName;
  }

  /** Marks a phase of the current run (e.g. `deploy`), from now on; `ZD_NO_RUN_GOING` if none. */
  phase(name: string): void {
    if (!this.current) throw noRunGoing();
    this.current.beginPhase(name);
    this.cached = undefined;
  }

  /**
   * Ends the current run (waiting for probes in flight) and returns its final result (`POST
   * /stop`); `ZD_NO_RUN_GOING` when no run is going, whether or not there was one before.
   */
  async stop(extras: { interrupted?: boolean } = {}): Promise<ResultDocument> {
    const doc = await this.end(extras);
    if (!doc) throw noRunGoing();
    return doc;
  }

  /**
   * Ends the current run if one is going or starting, and resolves with its final result;
   * `undefined` when there is none (the server's shutdown and `--duration`: no error then).
   */
  end(extras: { interrupted?: boolean } = {}): Promise<ResultDocument | undefined> {
    if (this.stopping) return this.stopping;
    // A start that failed has no run to end (its caller got the error).
    if (this.starting) {
      return this.starting.then(
        () => this.end(extras),
        () => undefined,
      );
    }
    const session = this.session;
    if (!session?.running) return Promise.resolve(undefined);
    clearInterval(this.flushTimer);
    clearTimeout(this.durationTimer);
    this.stopping = (async () => {
      await session.stop();
      const doc = session.result({ ...extras, name: this.runName });
      this.last = doc;
      this.cached = undefined;
      this.write(doc);
      if (this.config.report.json) {
        try {
          writeFileAtomic(this.config.report.json, renderJson(doc));
        } catch (err) {
          process.stderr.write(`zerodown serve: ${(err as Error).message}\n`);
        }
      }
      for (const listener of this.stopListeners) {
        try {
          listener(doc);
        } catch (err) {
          process.stderr.write(`zerodown serve: ${(err as Error).message}\n`);
        }
      }
      return doc;
    })().finally(() => (this.stopping = undefined));
    return this.stopping;
  }

  /** The result of the current run (live, `running: true`) or of the last one. */
  stats(): ResultDocument | undefined {
    const s = this.current;
    if (!s) return this.last;
    const now = performance.now();
    if (this.cached && now - this.cached.at < CACHE_MS) return this.cached.doc;
    const doc = s.result({ name: this.runName });
    this.cached = { at: now, doc };
    return doc;
  }

  private flush(): void {
    const s = this.current;
    if (!s) return;
    const doc = s.result({ name: this.runName });
    this.cached = { at: performance.now(), doc };
    this.write(doc);
  }

  private write(doc: ResultDocument): void {
    if (!this.file) return;
    try {
      writeFileAtomic(this.file, renderJson(doc));
    } catch (err) {
      process.stderr.write(`zerodown serve: cannot save the run: ${(err as Error).message}\n`);
    }
  }

  /** Reads the run a previous server left; one that was still running is marked interrupted. */
  private restore(): ResultDocument | undefined {
    if (!this.file || !existsSync(this.file)) return undefined;
    try {
      const doc = parseResult(readFileSync(this.file, 'utf8'), this.file);
      if (doc.running) {
        doc.running = false;
        doc.interrupted = true;
        doc.verdict = decideOutcome(doc).verdict; // a new fact: judged again
        this.write(doc);
      }
      return doc;
    } catch (err) {
      process.stderr.write(
        `zerodown serve: ignoring a saved run that cannot be read: ${(err as Error).message}\n`,
      );
      return undefined;
    }
  }
}

function noRunGoing(): ZerodownError {
  return new ZerodownError('ZD_NO_RUN_GOING', 'no run is going: POST /start first');
}
