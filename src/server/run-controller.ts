/**
 * The control server's runs: at most one at a time, started and stopped over HTTP, with the
 * current run's result flushed to a data folder every second so a server that is killed and
 * started again still answers for the run it was measuring (marked interrupted). Named runs follow
 * the rules of run-lifecycle.ts; a run nobody stops ends after `config.maxRunMs`.
 */
import type { SessionHistory } from '../history/plan.ts';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ZerodownConfig } from '../config/resolve.ts';
import { ZerodownError } from '../errors.ts';
import { decideOutcome } from '../outcome.ts';
import type { ProbeOutcome } from '../probe/outcome.ts';
import { parseResult, renderJson } from '../report/json.ts';
import type { ResultDocument } from '../result.ts';
import { ProbeSession, type ResultExtras } from '../session.ts';
import type { ProbeStreamWriter } from '../stream/writer.ts';
import { formatDuration } from '../config/duration.ts';
import { writeFileAtomic } from '../util/files.ts';
import { HubRun, type HubSetup } from './hub-run.ts';
import { decideStart, type RunState } from './run-lifecycle.ts';

/** How often the current run is flushed to disk (ms). */
export const FLUSH_INTERVAL_MS = 1000;
/** /stats during a run is served from a result at most this old (ms). */
const CACHE_MS = 200;

/** What `start` did: began a run, or found the run of that name already going. */
export interface StartAnswer {
  session: ProbeSession;
  /** False when the run of the name asked for was already going ("already running"). */
  started: boolean;
  /** Epoch ms of that run's start. */
  startedAtEpochMs: number;
}

/** How a run ends: a `/stop` (or `--duration`, or the server's shutdown), or on its own. */
type Ending = { interrupted?: boolean; endedBy?: ResultExtras['endedBy'] };

/** Starts, stops and remembers runs. */
export class RunController {
  readonly config: ZerodownConfig;
  private readonly file: string | undefined;
  private session: ProbeSession | undefined;
  /** The name of `session`'s run (undefined: unnamed). */
  private runName: string | undefined;
  private last: ResultDocument | undefined;
  private cached: { at: number; doc: ResultDocument } | undefined;
  private flushTimer: NodeJS.Timeout | undefined;
  private durationTimer: NodeJS.Timeout | undefined;
  private maxRunTimer: NodeJS.Timeout | undefined;
  private stopping: Promise<ResultDocument> | undefined;
  private starting: { name: string | undefined; promise: Promise<ProbeSession> } | undefined;
  private readonly outcomeListeners = new Set<(o: ProbeOutcome, s: ProbeSession) => void>();
  private readonly stopListeners = new Set<(doc: ResultDocument) => void>();
  /** Epoch ms of the last start. */
  startedAtEpochMs: number | undefined;
  /** Why the last save to the data folder failed, while it keeps failing (told once). */
  private saveError: string | undefined;

  /** Reads each run's learned budgets before it starts (serve-command.ts: its run history). */
  private readonly prepare: (() => Promise<SessionHistory | undefined>) | undefined;
  /** `serve --out`: every run's probe stream, one run after another (stream/format.ts). */
  private readonly out: ProbeStreamWriter | undefined;
  /** `--hub`: runs are coordinated over the hub (hub-run.ts). */
  private readonly hubSetup: HubSetup | undefined;
  private readonly dataDir: string | undefined;
  private hubRun: HubRun | undefined;

  constructor(
    config: ZerodownConfig,
    dataDir?: string,
    options: {
      prepare?: () => Promise<SessionHistory | undefined>;
      out?: ProbeStreamWriter | undefined;
      hub?: HubSetup | undefined;
    } = {},
  ) {
    this.config = config;
    this.prepare = options.prepare;
    this.out = options.out;
    this.hubSetup = options.hub;
    this.dataDir = dataDir;
    this.file = dataDir === undefined ? undefined : join(dataDir, 'current-run.json');
    this.last = this.restore();
    const saved = this.hubSetup ? HubRun.saved(dataDir) : undefined;
    if (saved) {
      this.begin(undefined, saved).catch((err: unknown) => {
        process.stderr.write(
          `zerodown serve: cannot resume hub run ${saved.run}: ${(err as Error).message}\n`,
        );
      });
    }
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
   * Starts a run named `name` (undefined: unnamed) by the rules of `decideStart`: a plain start
   * throws `ZD_RUN_ACTIVE` if a run is going, starting or stopping; a named one joins the run of
   * its name, or ends a run of another name (`interrupted`, `endedBy: superseded`) and starts.
   * The decision is synchronous, so of two calls at once exactly one starts a run. Resolves once
   * probing has begun (after the connections are opened, see `ProbeSession.start`).
   */
  start(name?: string): Promise<StartAnswer> {
    switch (decideStart(this.state(), name)) {
      case 'conflict':
        throw new ZerodownError(
          'ZD_RUN_ACTIVE',
          name === undefined
            ? 'a run is already going: POST /stop first'
            : `a run is already going${this.runName === undefined ? '' : ` (${this.runName})`}, started without a name: POST /stop first`,
        );
      case 'join': {
        const joined = this.starting?.promise ?? Promise.resolve(this.session!);
        return joined.then((session) => ({
          session,
          started: false,
          startedAtEpochMs: this.startedAtEpochMs!,
        }));
      }
      case 'wait': {
        const busy: Promise<unknown> = this.starting?.promise ?? this.stopping!;
        const again = () => this.start(name);
        return busy.then(again, again);
      }
      case 'supersede':
      case 'start':
        return this.begin(name).then((session) => ({
          session,
          started: true,
          startedAtEpochMs: this.startedAtEpochMs!,
        }));
    }
  }

  /** Ends the run going on, if any (superseded by `name`), then starts the run `name`. */
  private begin(
    name: string | undefined,
    resume?: ReturnType<typeof HubRun.saved>,
  ): Promise<ProbeSession> {
    const superseded = this.session?.running ? this.runName : undefined;
    const promise = (async () => {
      if (superseded !== undefined) {
        process.stderr.write(
          `zerodown serve: run ${superseded} superseded by run ${name}: ending it (interrupted)\n`,
        );
        await this.endCurrent({ interrupted: true, endedBy: 'superseded' });
      }
      if (this.hubSetup) {
        this.hubRun = await HubRun.open(this.config, this.hubSetup, this.dataDir, resume);
      }
      const session = new ProbeSession(this.config, await this.prepare?.());
      session.onOutcome((o) => {
        for (const l of this.outcomeListeners) l(o, session);
      });
      await session.start('probe');
      this.out?.begin(session, name);
      this.session = session;
      this.runName = name;
      this.cached = undefined;
      this.startedAtEpochMs = Date.now();
      this.flushTimer = setInterval(() => this.flush(), FLUSH_INTERVAL_MS);
      this.flushTimer.unref();
      if (this.config.durationMs !== undefined) {
        this.durationTimer = setTimeout(() => void this.end(), this.config.durationMs);
        this.durationTimer.unref();
      }
      if (this.config.maxRunMs > 0) {
        this.maxRunTimer = setTimeout(() => this.endAbandoned(session), this.config.maxRunMs);
        this.maxRunTimer.unref();
      }
      this.flush();
      return session;
    })().finally(() => (this.starting = undefined));
    this.starting = { name, promise };
    return promise;
  }

  /** Ends `session`'s run once it has gone on for `maxRunMs` with nobody stopping it. */
  private endAbandoned(session: ProbeSession): void {
    if (this.session !== session || !session.running || this.stopping) return;
    const run = this.runName === undefined ? '' : `run ${this.runName}, `;
    process.stderr.write(
      `zerodown serve: ended the run after --max-run ${formatDuration(this.config.maxRunMs)}: nobody stopped it (${run}marked interrupted)\n`,
    );
    void this.endCurrent({ interrupted: true, endedBy: 'max-run' });
  }

  /** The state `decideStart` decides on. */
  private state(): RunState {
    if (this.starting) return { kind: 'starting', name: this.starting.name };
    if (this.stopping) return { kind: 'stopping', name: this.runName };
    if (this.session?.running) return { kind: 'running', name: this.runName };
    return { kind: 'idle' };
  }

  /** Marks a phase of the current run (e.g. `deploy`), from now on; `ZD_NO_RUN_GOING` if none. */
  phase(name: string): void {
    if (!this.current) throw noRunGoing(this.last);
    this.current.beginPhase(name);
    this.hubRun?.phase(name);
    this.cached = undefined;
  }

  /**
   * Ends the current run (waiting for probes in flight) and returns its final result (`POST
   * /stop`); `ZD_NO_RUN_GOING` when no run is going, whether or not there was one before.
   */
  async stop(extras: Ending = {}): Promise<ResultDocument> {
    const doc = await this.end(extras);
    if (!doc) throw noRunGoing(this.last);
    return doc;
  }

  /**
   * Ends the run named `name` if it is going, and returns its final result (`POST /stop?name=`);
   * when it has ended already (a retried call, or `--max-run` ended it) returns that result all
   * the same. `ZD_RUN_NOT_FOUND` when `name` is neither the current nor the last run: a run of
   * another name is never stopped by it.
   */
  async stopRun(name: string): Promise<ResultDocument> {
    const state = this.state();
    if (state.kind === 'starting' && state.name === name) {
      await this.starting!.promise.catch(() => undefined);
      return this.stopRun(name);
    }
    if ((state.kind === 'running' || state.kind === 'stopping') && state.name === name) {
      const doc = await this.endCurrent();
      if (doc) return doc;
    }
    if (this.last?.name === name) return this.last;
    throw this.notFound(name);
  }

  /**
   * Ends the current run if one is going or starting, and resolves with its final result;
   * `undefined` when there is none (the server's shutdown and `--duration`: no error then).
   */
  end(extras: Ending = {}): Promise<ResultDocument | undefined> {
    if (this.stopping) return this.stopping;
    // A start that failed has no run to end (its caller got the error).
    if (this.starting) {
      return this.starting.promise.then(
        () => this.end(extras),
        () => undefined,
      );
    }
    return this.endCurrent(extras);
  }

  /** Ends the session going on (not one that is starting); `undefined` when none is. */
  private endCurrent(extras: Ending = {}): Promise<ResultDocument | undefined> {
    if (this.stopping) return this.stopping;
    const session = this.session;
    if (!session?.running) return Promise.resolve(undefined);
    clearInterval(this.flushTimer);
    clearTimeout(this.durationTimer);
    clearTimeout(this.maxRunTimer);
    const name = this.runName;
    this.stopping = (async () => {
      await session.stop();
      // The stream holds this server's own probes: its end line closes them, hub or not.
      const own = session.result({ ...extras, name });
      this.out?.end(own);
      const hub = this.hubRun;
      this.hubRun = undefined;
      const doc = hub ? await hub.finish(name, extras.interrupted === true) : own;
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
    const doc = this.live(s);
    this.cached = { at: now, doc };
    return doc;
  }

  /**
   * The result of the run named `name`: live while it goes on, final once it has ended (a run
   * that is stopping is waited for). `ZD_RUN_NOT_FOUND` when it is neither the current run nor
   * the last one, so a controller never reads another rollout's verdict.
   */
  async statsOf(name: string): Promise<ResultDocument> {
    if (this.runName === name) {
      if (this.stopping) return this.stopping;
      if (this.current) return this.stats()!;
    }
    if (this.last?.name === name) return this.last;
    throw this.notFound(name);
  }

  private notFound(name: string): ZerodownError {
    const current = this.current ? this.runName : undefined;
    const known = [
      ...(this.current ? [`the current run is ${current ?? 'unnamed'}`] : []),
      ...(this.last ? [`the last run was ${this.last.name ?? 'unnamed'}`] : []),
    ];
    return new ZerodownError(
      'ZD_RUN_NOT_FOUND',
      `no run named ${name}: ${known.length > 0 ? known.join(', ') : 'there has been no run yet'}`,
    );
  }

  private flush(): void {
    const s = this.current;
    if (!s) return;
    const doc = this.live(s);
    this.cached = { at: performance.now(), doc };
    this.write(doc);
  }

  /** The current run's live document: the merged view of the agents with a hub. */
  private live(s: ProbeSession = this.current!): ResultDocument {
    return this.hubRun ? this.hubRun.stats(this.runName) : s.result({ name: this.runName });
  }

  /**
   * Saves `doc` to the data folder. A failure (a full disk) is told once, not at every flush,
   * and so is the first save that works again; the file keeps the last state that was saved.
   */
  private write(doc: ResultDocument): void {
    if (!this.file) return;
    try {
      writeFileAtomic(this.file, renderJson(doc));
      if (this.saveError !== undefined) {
        this.saveError = undefined;
        process.stderr.write(`zerodown serve: the run is saved again to ${this.file}\n`);
      }
    } catch (err) {
      const message = (err as Error).message;
      if (message === this.saveError) return;
      this.saveError = message;
      process.stderr.write(`zerodown serve: cannot save the run: ${message}\n`);
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

function noRunGoing(last: ResultDocument | undefined): ZerodownError {
  const why =
    last?.endedBy === 'max-run'
      ? ' (the last run reached the maximum run length, serve --max-run, and ended)'
      : '';
  return new ZerodownError('ZD_NO_RUN_GOING', `no run is going${why}: POST /start first`);
}
