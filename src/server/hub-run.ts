/**
 * The control server as a hub coordinator (`serve --hub --agents --data-dir`, contract §7): each
 * run is coordinated over the hub, and its id and phase are saved in the data folder, so a server
 * killed and started again resumes the same run. The stream holds every batch, so the resumed
 * coordinator reads it from the run's first message and counts each batch once: the final
 * document has every agent's probes exactly once. Its own probing is not in the merged document
 * (what it measured before a restart would be lost): the agents are the vantages.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { ZerodownConfig } from '../config/resolve.ts';
import { HubCoordinator } from '../hub/coordinator.ts';
import type { HubOptions } from '../hub/connect.ts';
import type { ResultDocument } from '../result.ts';
import { writeFileAtomic } from '../util/files.ts';

/** `--hub`, `--agents`, `--agents-timeout` of `serve`. */
export interface HubSetup {
  hub: HubOptions;
  agents: readonly string[];
  timeoutMs: number;
}

/** What the data folder keeps of a hub run going on. */
interface SavedHubRun {
  run: string;
  phase: string;
  phaseIndex: number;
}

const say = (line: string) => process.stderr.write(`zerodown serve: ${line}\n`);

/** One hub run of the control server. */
export class HubRun {
  readonly coordinator: HubCoordinator;
  private readonly file: string | undefined;

  private constructor(coordinator: HubCoordinator, file: string | undefined) {
    this.coordinator = coordinator;
    this.file = file;
  }

  /** The run a previous server left going in `dataDir`, if any. */
  static saved(dataDir: string | undefined): SavedHubRun | undefined {
    const file = dataDir === undefined ? undefined : join(dataDir, 'hub-run.json');
    if (!file || !existsSync(file)) return undefined;
    try {
      const v = JSON.parse(readFileSync(file, 'utf8')) as SavedHubRun;
      if (typeof v.run === 'string' && typeof v.phase === 'string') return v;
    } catch {
      // A torn file: nothing to resume.
    }
    return undefined;
  }

  /** Starts a run (waiting for the agents), or resumes `saved`. */
  static async open(
    config: ZerodownConfig,
    setup: HubSetup,
    dataDir: string | undefined,
    saved?: SavedHubRun,
  ): Promise<HubRun> {
    const file = dataDir === undefined ? undefined : join(dataDir, 'hub-run.json');
    const c = new HubCoordinator(config, setup.hub, setup.agents, say, saved?.run);
    try {
      await c.connect();
      if (saved) say(`resuming hub run ${saved.run} in phase ${saved.phase} from the stream`);
      else await c.waitForAgents(setup.timeoutMs);
      await c.start(saved?.phase ?? 'probe', saved?.phaseIndex ?? 0);
    } catch (err) {
      await c.close();
      throw err;
    }
    const run = new HubRun(c, file);
    run.save();
    return run;
  }

  /** Announces a phase. */
  phase(name: string): void {
    this.coordinator.beginPhase(name);
    this.save();
  }

  /** The merged document now. */
  stats(name: string | undefined): ResultDocument {
    return named(this.coordinator.merged(undefined, true), name);
  }

  /** Ends the run: the final merged document. */
  async finish(name: string | undefined, interrupted: boolean): Promise<ResultDocument> {
    const doc = named(await this.coordinator.finish(undefined), name);
    if (interrupted) doc.interrupted = true;
    if (this.file) rmSync(this.file, { force: true });
    return doc;
  }

  private save(): void {
    if (!this.file) return;
    const saved: SavedHubRun = { run: this.coordinator.run, ...this.coordinator.phaseNow };
    writeFileAtomic(this.file, JSON.stringify(saved));
  }
}

function named(doc: ResultDocument, name: string | undefined): ResultDocument {
  if (name !== undefined) doc.name = name;
  return doc;
}
