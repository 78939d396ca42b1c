/**
 * The GitHub Action's inputs and what they make of zerodown's command line. Pure: the inputs come
 * in as the environment GitHub Actions gives a JavaScript action (`INPUT_<NAME>`: the input's name
 * in upper case, spaces as `_`, hyphens kept), and out come the zerodown commands to run.
 * action.yml declares the same inputs with the same defaults (test/e2e/action.test.ts checks).
 */

/** Which modes an input means something in. */
type Mode = 'run' | 'start' | 'stats' | 'stop';
const MODES: readonly Mode[] = ['run', 'start', 'stats', 'stop'];

/** Every input: its default (as action.yml says it) and the modes it applies to. */
export const INPUTS = {
  mode: { default: 'run', modes: MODES },
  command: { default: '', modes: ['run'] },
  config: { default: '', modes: ['run', 'start'] },
  urls: { default: '', modes: ['run', 'start'] },
  rate: { default: '', modes: ['run', 'start'] },
  timeout: { default: '', modes: ['run', 'start'] },
  warmup: { default: '', modes: ['run'] },
  settle: { default: '', modes: ['run'] },
  connection: { default: '', modes: ['run', 'start'] },
  'version-header': { default: '', modes: ['run', 'start'] },
  rollback: { default: '', modes: ['run'] },
  'abort-on-downtime': { default: '', modes: ['run'] },
  override: { default: '', modes: ['run'] },
  serve: { default: 'false', modes: ['start'] },
  port: { default: '8080', modes: ['start'] },
  server: { default: 'http://127.0.0.1:8080', modes: ['start', 'stats', 'stop'] },
  token: { default: '', modes: ['start', 'stats', 'stop'] },
  result: { default: 'zerodown-result.json', modes: ['run', 'stats', 'stop'] },
  html: { default: '', modes: ['run', 'stats', 'stop'] },
  junit: { default: '', modes: ['run', 'stats', 'stop'] },
  markdown: { default: '', modes: ['run', 'stats', 'stop'] },
  'fail-on-downtime': { default: 'true', modes: ['run', 'stats', 'stop'] },
} as const satisfies Record<string, { default: string; modes: readonly Mode[] }>;

/** An input's name, as action.yml spells it. */
export type InputName = keyof typeof INPUTS;

/** The environment variable GitHub Actions passes an input in. */
export function inputVariable(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
}

/** An input's value, trimmed, or its default when it is not set or empty. */
export function readInput(env: Readonly<Record<string, string | undefined>>, name: InputName) {
  const value = env[inputVariable(name)]?.trim() ?? '';
  return value === '' ? INPUTS[name].default : value;
}

/** A problem with the inputs: the step fails with it (exit 2), nothing runs. */
export class InputError extends Error {}

/** A zerodown command line to run, and the environment it needs beyond the step's. */
export interface Invocation {
  argv: string[];
  env: Record<string, string>;
}

/** What the step does, decided from its inputs. */
export interface Plan {
  mode: Mode;
  /** Run in order; the step stops at the first that does not exit 0. */
  invocations: Invocation[];
  /** The result document's path (modes run, stats, stop), else undefined. */
  result: string | undefined;
  /** Report files asked for (modes run, stats, stop). */
  reports: { html?: string; junit?: string; markdown?: string };
  /** Exit code 1 (downtime) fails the step. */
  failOnDowntime: boolean;
  /** Inputs given that mean nothing in this mode (a warning, not an error). */
  ignored: InputName[];
  /** The control server's token (to mask in the log), when given. */
  token: string | undefined;
}

/** A `true`/`false` input, as YAML 1.2 spells booleans (as the Actions toolkit reads them). */
function booleanInput(env: Readonly<Record<string, string | undefined>>, name: InputName): boolean {
  const value = readInput(env, name);
  if (['true', 'True', 'TRUE'].includes(value)) return true;
  if (['false', 'False', 'FALSE'].includes(value)) return false;
  throw new InputError(`input ${name}: expected true or false, got ${JSON.stringify(value)}`);
}

/** Decides what the step runs. */
export function planFromInputs(env: Readonly<Record<string, string | undefined>>): Plan {
  const get = (name: InputName) => readInput(env, name);
  const mode = get('mode') as Mode;
  if (!MODES.includes(mode)) {
    throw new InputError(
      `input mode: expected one of ${MODES.join(', ')}, got ${JSON.stringify(mode)}`,
    );
  }
  // GitHub Actions passes every input, a default where the workflow gave none.
  const ignored = (Object.keys(INPUTS) as InputName[]).filter(
    (name) =>
      !(INPUTS[name].modes as readonly Mode[]).includes(mode) && get(name) !== INPUTS[name].default,
  );
  // Flags that are given only when their input is.
  const flag = (name: InputName, option = `--${name}`) => {
    const value = get(name);
    return value === '' ? [] : [option, value];
  };
  const probing = [
    ...flag('config'),
    ...get('urls')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '')
      .flatMap((url) => ['--url', url]),
    ...flag('rate'),
    ...flag('timeout'),
    ...flag('connection'),
    ...flag('version-header'),
  ];
  const reports = {
    ...(get('html') && { html: get('html') }),
    ...(get('junit') && { junit: get('junit') }),
    ...(get('markdown') && { markdown: get('markdown') }),
  };
  const reportFlags = Object.entries(reports).flatMap(([format, file]) => [`--${format}`, file]);
  const token = get('token') || undefined;
  const tokenEnv: Record<string, string> = token === undefined ? {} : { ZERODOWN_TOKEN: token };
  const server = ['--server', get('server')];
  const base = { mode, ignored, token, failOnDowntime: booleanInput(env, 'fail-on-downtime') };

  switch (mode) {
    case 'run': {
      const command = get('command');
      if (command === '') throw new InputError('input command: mode run needs the deploy command');
      return {
        ...base,
        result: get('result'),
        reports,
        invocations: [
          {
            argv: [
              'run',
              ...probing,
              ...flag('warmup'),
              ...flag('settle'),
              ...flag('rollback'),
              ...flag('abort-on-downtime'),
              ...flag('override'),
              '--json',
              get('result'),
              ...reportFlags,
              '--',
              'sh',
              '-c',
              command,
            ],
            env: {},
          },
        ],
      };
    }
    case 'start': {
      const invocations: Invocation[] = [];
      if (booleanInput(env, 'serve')) {
        invocations.push({
          argv: ['serve', '--detach', '--port', get('port'), ...probing],
          // An empty RUNNER_TRACKING_ID keeps the runner from ending the server with the job.
          env: { ...tokenEnv, RUNNER_TRACKING_ID: '' },
        });
      }
      invocations.push({ argv: ['start', ...server], env: tokenEnv });
      return { ...base, result: undefined, reports: {}, invocations };
    }
    case 'stats':
    case 'stop':
      return {
        ...base,
        result: get('result'),
        reports,
        invocations: [
          {
            argv: [mode, ...server, '--fail', '--json', get('result'), ...reportFlags],
            env: tokenEnv,
          },
        ],
      };
  }
}
