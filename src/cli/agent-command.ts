/**
 * `zerodown agent --hub <nats-url> --name <agent> -c <config>` (contract §7): joins the hub's
 * runs and probes this config's endpoints, until SIGINT/SIGTERM.
 */
import type { Command } from 'commander';
import { agentName } from '../agent.ts';
import { loadConfig } from '../config/load.ts';
import { ZerodownError } from '../errors.ts';
import { runAgent } from '../hub/agent.ts';
import { interruptSignal } from './outputs.ts';

interface AgentFlags {
  hub?: string;
  hubCreds?: string;
  name?: string;
  config?: string;
}

/** Registers `agent`. */
export function registerAgent(program: Command, exit: (code: number) => void): void {
  program
    .command('agent')
    .description("join runs on a NATS hub and probe this config's endpoints from here")
    .option('--hub <nats-url>', 'the NATS JetStream server (nats://, tls://, user:pass@)')
    .option('--hub-creds <file>', 'NATS credentials file')
    .option(
      '--name <agent>',
      "this agent's name (default as --agent: ZERODOWN_AGENT, …, host name)",
    )
    .option('-c, --config <file>', 'YAML or JSON config: the endpoints this agent probes')
    .action(async (flags: AgentFlags) => {
      if (flags.hub === undefined) throw new ZerodownError('ZD_USAGE', 'agent: --hub is required');
      const name = agentName(flags.name);
      const say = (line: string) => process.stderr.write(`zerodown agent: ${line}\n`);
      const config = loadConfig({ file: flags.config, announce: say });
      const { signal, dispose } = interruptSignal();
      try {
        await runAgent({
          config,
          hub: { url: flags.hub, creds: flags.hubCreds },
          name,
          say,
          signal,
        });
      } finally {
        dispose();
      }
      exit(0);
    });
}
