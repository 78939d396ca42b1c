/**
 * Options shared by `run` and `probe` (contract §1), and turning them into config overrides.
 */
import { Option, type Command } from 'commander';
import { readDuration } from '../config/duration.ts';
import { loadConfig } from '../config/load.ts';
import type { ConfigOverrides, ZerodownConfig } from '../config/resolve.ts';
import { agentName } from '../agent.ts';
import { ZerodownError } from '../errors.ts';
import type { HubOptions } from '../hub/connect.ts';
import { addRequestOptions, requestOverrides, type RequestFlags } from './request-flags.ts';

/** Raw values commander hands over. */
export interface SharedFlags extends RequestFlags {
  config?: string;
  rollback?: string;
  abortOnDowntime?: string;
  override?: string;
  url?: string[];
  rate?: string;
  timeout?: string;
  warmup?: string;
  settle?: string;
  duration?: string;
  maxRun?: string;
  connection?: 'keepalive' | 'fresh';
  versionHeader?: string;
  json?: string;
  markdown?: string;
  junit?: string;
  html?: string;
  out?: string;
  progress?: boolean;
  history?: string;
  service?: string;
  label?: string;
  agent?: string;
  hub?: string;
  hubCreds?: string;
  agents?: string;
  agentsTimeout?: string;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** Adds the shared options to a command. */
export function addSharedOptions(cmd: Command, phases: boolean): Command {
  cmd
    .option('-c, --config <file>', 'YAML or JSON config (default: zerodown.yml when present)')
    .option('-u, --url <url>', 'an endpoint to probe, repeatable; its name is its path', collect)
    .option('-r, --rate <n>', 'probes per second for each endpoint (default 10)')
    .option('-t, --timeout <dur>', 'a probe with no complete response by then fails (default 2s)');
  addRequestOptions(cmd);
  if (phases) {
    cmd
      .option('--warmup <dur>', 'probing before the deploy command starts (default 5s)')
      .option('--settle <dur>', 'probing after the deploy command ends (default 10s)');
  } else {
    cmd.option('--duration <dur>', 'how long to probe (default: until SIGINT/SIGTERM)');
  }
  cmd
    .addOption(
      new Option('--connection <mode>', 'reuse pooled connections, or a new one per probe').choices(
        ['keepalive', 'fresh'],
      ),
    )
    .option('--version-header <name>', 'read which version answered from this response header')
    .option('--json <file>', 'write the result document')
    .option('--html <file>', 'write the HTML report (one self-contained file)')
    .option('--markdown <file>', 'write the Markdown report')
    .option('--junit <file>', 'write the JUnit XML report')
    .option(
      '--out <file|->',
      'write every probe as NDJSON (- : stdout, the text report then goes to stderr)',
    )
    .option('--no-progress', 'no live status on stderr')
    .option('--history <path|url>', 'record runs in this SQLite file or postgres:// database')
    .option('--service <name>', 'the service of history keys (default: the base URL host)')
    .option('--label <text>', 'the deploy label recorded in history (default: the command)')
    .option(
      '--agent <name>',
      "this vantage's name in the result (default: ZERODOWN_AGENT, JOB_COMPLETION_INDEX as index-N, the host name)",
    )
    .option('--hub <nats-url>', 'coordinate agents over this NATS JetStream server (with --agents)')
    .option('--hub-creds <file>', 'NATS credentials file for the hub')
    .option('--agents <a,b,...>', 'the agents that must join the run on the hub')
    .option('--agents-timeout <dur>', 'how long to wait for the agents (default 60s; then exit 4)');
  return cmd;
}

/** Loads the config with the flags applied (a flag wins over the file). */
export function configFromFlags(flags: SharedFlags): ZerodownConfig {
  const overrides: ConfigOverrides = {
    ...requestOverrides(flags),
    url: flags.url,
    rate: flags.rate === undefined ? undefined : parseRate(flags.rate),
    timeoutMs: flagDuration('--timeout', flags.timeout),
    warmupMs: flagDuration('--warmup', flags.warmup),
    settleMs: flagDuration('--settle', flags.settle),
    durationMs: flagDuration('--duration', flags.duration),
    maxRunMs: flagDuration('--max-run', flags.maxRun),
    connection: flags.connection,
    versionHeader: flags.versionHeader,
    json: flags.json,
    markdown: flags.markdown,
    junit: flags.junit,
    html: flags.html,
    out: flags.out,
    rollback: flags.rollback,
    abortOnDowntimeMs: flagDuration('--abort-on-downtime', flags.abortOnDowntime),
    override: flags.override,
    history: flags.history,
    service: flags.service,
    label: flags.label,
  };
  return loadConfig({
    file: flags.config,
    overrides,
    announce: (line) => process.stderr.write(`zerodown: ${line}\n`),
  });
}

/** Parses a duration flag; undefined stays undefined. */
export function flagDuration(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const r = readDuration(value);
  if ('error' in r) throw new ZerodownError('ZD_USAGE', `${flag}: ${r.error}`);
  return r.ms;
}

function parseRate(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 1 / 3600 || n > 100_000) {
    throw new ZerodownError(
      'ZD_USAGE',
      `--rate: expected probes per second from 1 an hour (0.000278) to 100000, got ${JSON.stringify(value)}`,
    );
  }
  return n;
}

/** `--hub`, `--hub-creds`, `--agents`, `--agents-timeout` checked; undefined without `--hub`. */
export function hubFlags(
  flags: SharedFlags,
): { hub: HubOptions; agents: string[]; timeoutMs: number } | undefined {
  if (flags.hub === undefined) {
    if (flags.agents !== undefined) throw new ZerodownError('ZD_USAGE', '--agents: needs --hub');
    return undefined;
  }
  const agents = (flags.agents ?? '')
    .split(',')
    .map((a) => a.trim())
    .filter(Boolean);
  if (agents.length === 0) {
    throw new ZerodownError('ZD_USAGE', '--hub: name the agents with --agents a,b,...');
  }
  for (const a of agents) agentName(a);
  return {
    hub: { url: flags.hub, creds: flags.hubCreds },
    agents,
    timeoutMs: flagDuration('--agents-timeout', flags.agentsTimeout) ?? 60_000,
  };
}
