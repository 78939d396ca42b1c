/**
 * The control server's run lifecycle, as rules: what `/start` does given the run going on and the
 * name it is asked for. Pure; the run controller (run-controller.ts) carries it out.
 *
 * A name is how a controller says which rollout a run belongs to (Flagger: the canary's name from
 * its webhook payload; Argo Rollouts: the revision templated into the URL). Names let `/start`
 * be idempotent, which controllers need: they retry webhooks, and nothing guarantees that the
 * previous rollout's run was stopped.
 */
import { ZerodownError } from '../errors.ts';

/** What the server is doing, as `/start` sees it. `name` is undefined for an unnamed run. */
export type RunState =
  { kind: 'idle' } | { kind: 'starting' | 'running' | 'stopping'; name: string | undefined };

/**
 * What `/start` does:
 * - `start`: nothing is going, start a run;
 * - `join`: the run of this name is going or starting, answer for it ("already running");
 * - `supersede`: a run of another name is going, end it (`interrupted`) and start this one;
 * - `wait`: a run is starting or stopping, decide again once it has;
 * - `conflict`: `409 ZD_RUN_ACTIVE`.
 */
export type StartDecision = 'start' | 'join' | 'supersede' | 'wait' | 'conflict';

/**
 * Decides what `/start` with `name` (undefined: a plain `/start`) does in `state`.
 *
 * A plain `/start` keeps the contract: `409` whenever a run is going, starting or stopping (the
 * split-job flow relies on it). A named run is never superseded by a plain one and never
 * supersedes one: an unnamed run belongs to whoever started it, and only they stop it.
 *
 * | state                 | plain     | same name | other name |
 * |-----------------------|-----------|-----------|------------|
 * | idle                  | start     | start     | start      |
 * | running, unnamed      | conflict  | —         | conflict   |
 * | running, named        | conflict  | join      | supersede  |
 * | starting, named       | conflict  | join      | wait       |
 * | stopping, named       | conflict  | wait      | wait       |
 */
export function decideStart(state: RunState, name: string | undefined): StartDecision {
  if (state.kind === 'idle') return 'start';
  if (name === undefined || state.name === undefined) return 'conflict';
  if (state.kind === 'stopping') return 'wait';
  if (state.name === name) return 'join';
  return state.kind === 'running' ? 'supersede' : 'wait';
}

/**
 * A run name: a Kubernetes object name, a revision or pod-template hash, a Git SHA, a version
 * (`v1.2.3+build.4`), `namespace/name@checksum`: letters, digits and `. _ - : / @ +`, up to 320.
 */
const RUN_NAME = /^[A-Za-z0-9][A-Za-z0-9._:/@+-]{0,319}$/;

/**
 * Reads a run name from a request: the `name` query parameter, else a JSON body's `name`.
 * Flagger's webhook payload (`{ name, namespace, checksum, … }`: the canary, and a hash of the
 * spec it is rolling out) names the run `namespace/name@checksum`, so each rollout of a canary is
 * a run of its own, the same in its pre-rollout, rollout and post-rollout calls. `undefined` when
 * there is no name; `ZD_USAGE` when there is one but it is not a name (empty, repeated, not a
 * string, or with other characters).
 */
export function runNameOf(query: unknown, body: unknown): string | undefined {
  const fromQuery = field(query, 'name');
  if (fromQuery !== undefined) return checkName(fromQuery, '?name=');
  const fromBody = field(body, 'name');
  if (fromBody === undefined) return undefined;
  const name = checkName(fromBody, 'the body’s "name"');
  const namespace = field(body, 'namespace');
  const checksum = field(body, 'checksum');
  const ns = typeof namespace === 'string' && namespace !== '' ? `${namespace}/` : '';
  const rev = typeof checksum === 'string' && checksum !== '' ? `@${checksum}` : '';
  return checkName(`${ns}${name}${rev}`, 'the body’s "namespace", "name" and "checksum"');
}

function field(value: unknown, key: string): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  return Object.hasOwn(value, key) ? (value as Record<string, unknown>)[key] : undefined;
}

function checkName(value: unknown, where: string): string {
  if (typeof value === 'string' && RUN_NAME.test(value)) return value;
  throw new ZerodownError(
    'ZD_USAGE',
    `${where}: a run name is 1 to 320 letters, digits and . _ - : / @ + (starting with a letter or digit), got ${String(JSON.stringify(value)).slice(0, 80)}`,
  );
}
