/**
 * The name of this process's vantage (contract §7): `--agent`, else `ZERODOWN_AGENT`, else a
 * Kubernetes Indexed Job's `JOB_COMPLETION_INDEX` as `index-N`, else the host name. Every result
 * document carries it as `agent`, history keys use it, and `zerodown merge` tells vantages apart
 * by it.
 */
import { hostname } from 'node:os';
import { ZerodownError } from './errors.ts';

/** What an agent name may be: a letter or digit, then letters, digits, `.`, `_`, `:`, `-`. */
const AGENT_NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,62}$/;

/** Resolves the agent name; throws `ZD_USAGE` naming where a bad name came from. */
export function agentName(
  flag: string | undefined,
  env: Readonly<Record<string, string | undefined>> = process.env,
  host: () => string = hostname,
): string {
  if (flag !== undefined) return checked(flag, '--agent');
  if (env.ZERODOWN_AGENT) return checked(env.ZERODOWN_AGENT, 'ZERODOWN_AGENT');
  const index = env.JOB_COMPLETION_INDEX;
  if (index !== undefined && /^\d+$/.test(index)) return `index-${index}`;
  return host();
}

function checked(name: string, from: string): string {
  if (AGENT_NAME.test(name)) return name;
  throw new ZerodownError(
    'ZD_USAGE',
    `${from}: an agent name is 1-63 letters, digits, '.', '_', ':' or '-', starting with a letter or digit; got ${JSON.stringify(name)}`,
  );
}
