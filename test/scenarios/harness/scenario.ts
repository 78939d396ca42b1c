/**
 * One scenario: a temp folder with its backends, load balancer and event log, a deploy script
 * from test/scenarios/deploy/, and `zerodown run` (the built binary) around it.
 *
 *   const sc = await Scenario.create('naive-restart');
 *   const app = await sc.backend({ name: 'app', version: 'v1' });
 *   const nginx = await sc.nginx({ upstream: [app.port] });
 *   const run = await sc.run({ config, deploy: 'naive-restart.sh', env: { APP_PORT: … } });
 *   …assertions on run.doc, run.events…
 *   await sc.end();      // in after(): ends every process, even on failure
 *
 * Set ZD_SCENARIO_KEEP=1 to keep the folders (configs, logs, events.jsonl, result.json).
 */
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ResultDocument } from '../../../src/result.ts';
import { CLI, runCli } from '../../helpers/cli.ts';
import { HAProxy, type HAProxyServer } from './haproxy.ts';
import { freePort } from './net.ts';
import { Nginx, type NginxOptions } from './nginx.ts';
import { endRegistered, killRegisteredSync, spawnRegistered, startWatchdog } from './processes.ts';

const HERE = fileURLToPath(new URL('.', import.meta.url));
/** The backend program (harness/backend.ts). */
export const BACKEND = join(HERE, 'backend.ts');
/** Deploy scripts and their shell library. */
export const DEPLOY_DIR = join(HERE, '..', 'deploy');

/** One line of `events.jsonl`, written by a backend. */
export interface ScenarioEvent {
  /** Epoch ms, sub-ms precision. */
  t: number;
  ev: string;
  name: string;
  version: string;
  pid: number;
  [key: string]: unknown;
}

/** How to start a backend (see backend.ts for what each option does). */
export interface BackendOptions {
  name: string;
  version: string;
  port?: number;
  bootDelayMs?: number;
  readyAfterMs?: number;
  onTerm?: 'graceful' | 'exit' | `drain:${number}`;
}

/** A zerodown run around a deploy script, with what the backends recorded meanwhile. */
export interface ScenarioRun {
  code: number | null;
  stdout: string;
  stderr: string;
  doc: ResultDocument;
  events: ScenarioEvent[];
  /** An event's time in the result's clock: ms since `startedAt`. */
  at: (e: ScenarioEvent) => number;
}

let root: string | undefined;
let stopWatchdog: (() => void) | undefined;
const live = new Set<string>();

/** The per-process folder holding every scenario folder, watched by the watchdog. */
function scenarioRoot(): string {
  if (root === undefined) {
    root = mkdtempSync(join(tmpdir(), 'zerodown-scenarios-'));
    stopWatchdog = startWatchdog(root);
    process.once('exit', () => {
      for (const dir of live) killRegisteredSync(dir);
      stopWatchdog?.();
      if (process.env.ZD_SCENARIO_KEEP !== '1') rmSync(root!, { recursive: true, force: true });
    });
  }
  return root;
}

/** A scenario's folder, processes and runs. */
export class Scenario {
  readonly dir: string;
  private readonly ports = new Map<string, number>();

  private constructor(dir: string) {
    this.dir = dir;
  }

  /** A new scenario folder. */
  static create(name: string): Scenario {
    const dir = mkdtempSync(join(scenarioRoot(), `${name}-`));
    mkdirSync(join(dir, 'logs'));
    writeFileSync(join(dir, 'events.jsonl'), '');
    live.add(dir);
    return new Scenario(dir);
  }

  /** A free port, remembered under `name` (the same name gives the same port). */
  async port(name: string): Promise<number> {
    let port = this.ports.get(name);
    if (port === undefined) {
      port = await freePort();
      this.ports.set(name, port);
    }
    return port;
  }

  /** Starts a backend and waits until it listens. */
  async backend(o: BackendOptions): Promise<{ port: number; url: (path?: string) => string }> {
    const port = o.port ?? (await this.port(o.name));
    const args = [BACKEND, ...backendArgs(this.dir, port, o)];
    const log = join(this.dir, 'logs', `${o.name}-${o.version}.log`);
    const out = openSync(log, 'a');
    spawnRegistered(this.dir, `backend ${o.name}`, process.execPath, args, {
      stdio: ['ignore', out, out],
    });
    closeSync(out);
    await this.waitForEvent((e) => e.name === o.name && e.version === o.version, 'listening');
    return { port, url: (path = '/') => `http://127.0.0.1:${port}${path}` };
  }

  /** Starts nginx in front of `options.upstream`. */
  nginx(options: NginxOptions): Promise<Nginx> {
    return Nginx.start(this.dir, options);
  }

  /** Starts HAProxy in front of `servers`. */
  haproxy(servers: readonly HAProxyServer[]): Promise<HAProxy> {
    return HAProxy.start(this.dir, servers);
  }

  /** The events the backends recorded so far. */
  events(): ScenarioEvent[] {
    return readFileSync(join(this.dir, 'events.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as ScenarioEvent);
  }

  /** Waits until an event `ev` matching `match` has been recorded. */
  async waitForEvent(
    match: (e: ScenarioEvent) => boolean,
    ev: string,
    timeoutMs = 10_000,
  ): Promise<ScenarioEvent> {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      const found = this.events().find((e) => e.ev === ev && match(e));
      if (found) return found;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`no "${ev}" event within ${timeoutMs} ms (see ${this.dir})`);
  }

  /**
   * Runs `zerodown run -c <config> --json <result> -- bash deploy/<deploy> [args]` with the
   * built binary; the deploy script gets `env` plus SCENARIO_DIR, ZD_NODE, ZD_CLI, BACKEND_TS
   * and ZD_PARENT_PID (see deploy/lib.sh).
   */
  async run(o: {
    config: Record<string, unknown>;
    deploy: string;
    args?: readonly string[];
    env?: Record<string, string | number>;
    label?: string;
  }): Promise<ScenarioRun> {
    const label = o.label ?? o.deploy.replace(/\.sh$/, '');
    const configFile = join(this.dir, `${label}.zerodown.json`);
    const resultFile = join(this.dir, `${label}.result.json`);
    writeFileSync(configFile, JSON.stringify(o.config, null, 2));
    const env: NodeJS.ProcessEnv = {
      SCENARIO_DIR: this.dir,
      ZD_NODE: process.execPath,
      ZD_CLI: CLI,
      BACKEND_TS: BACKEND,
      ZD_PARENT_PID: String(process.pid),
    };
    for (const [k, v] of Object.entries(o.env ?? {})) env[k] = String(v);
    const script = join(DEPLOY_DIR, o.deploy);
    const r = await runCli(
      [
        'run',
        '-c',
        configFile,
        '--json',
        resultFile,
        '--no-progress',
        '--',
        'bash',
        script,
        ...(o.args ?? []),
      ],
      { env, timeoutMs: 60_000 },
    );
    writeFileSync(join(this.dir, 'logs', `${label}.zerodown.log`), r.stdout + r.stderr);
    if (!existsSync(resultFile)) {
      throw new Error(`zerodown wrote no result (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
    }
    const doc = JSON.parse(readFileSync(resultFile, 'utf8')) as ResultDocument;
    const startEpoch = Date.parse(doc.startedAt);
    return {
      code: r.code,
      stdout: r.stdout,
      stderr: r.stderr,
      doc,
      events: this.events(),
      at: (e) => e.t - startEpoch,
    };
  }

  /** Ends every process of the scenario and removes its folder (kept with ZD_SCENARIO_KEEP=1). */
  async end(): Promise<void> {
    await endRegistered(this.dir);
    live.delete(this.dir);
    if (process.env.ZD_SCENARIO_KEEP !== '1') rmSync(this.dir, { recursive: true, force: true });
  }
}

function backendArgs(dir: string, port: number, o: BackendOptions): string[] {
  const args = ['--name', o.name, '--port', String(port), '--version', o.version, '--dir', dir];
  args.push('--parent', String(process.pid));
  if (o.bootDelayMs !== undefined) args.push('--boot-delay', String(o.bootDelayMs));
  if (o.readyAfterMs !== undefined) args.push('--ready-after', String(o.readyAfterMs));
  if (o.onTerm !== undefined) args.push('--on-term', o.onTerm);
  return args;
}
