/**
 * What the demo runs: its timing, the probing config, and the two deploys with the verdict each
 * should get. Pure apart from locating the deploy script next to this module.
 */
import { fileURLToPath } from 'node:url';
import { resolveConfig, type ZerodownConfig } from '../config/resolve.ts';
import { EXIT } from '../exit-codes.ts';
import type { DeployMode } from './deploy-steps.ts';
import { VERSION_HEADER } from './instance.ts';

/** The demo's timing and rates (ms, probes per second). Short, so the demo takes ~15–20 s. */
export const DEMO_TIMING = {
  warmupMs: 2000,
  settleMs: 3000,
  /** Probes per second on each endpoint. */
  rate: 20,
  timeoutMs: 2000,
  /** How long a started instance takes before it accepts connections. */
  bootMs: 1500,
} as const;

/** The endpoints probed, relative to the balancer. */
export const DEMO_PATHS = ['/', '/api/orders'] as const;

/** One deploy of the demo. */
export interface DemoScenario {
  mode: DeployMode;
  title: string;
  /** One line, printed before the deploy starts. */
  explanation: string;
  /** The exit code `zerodown run` should give this deploy. */
  expectedExitCode: number;
}

/** The two deploys, in the order they run. */
export const DEMO_SCENARIOS: readonly DemoScenario[] = [
  {
    mode: 'naive',
    title: 'naive restart',
    explanation:
      `stop both instances at once, then start v2, which takes ${DEMO_TIMING.bootMs / 1000} s ` +
      'to boot: nothing serves meanwhile, so the balancer answers 502. Expected: downtime, exit 1.',
    expectedExitCode: EXIT.downtime,
  },
  {
    mode: 'rolling',
    title: 'rolling restart with draining',
    explanation:
      'one instance at a time: out of the rotation, wait for its in-flight requests, stop, ' +
      'start v2, wait for its health check, back in. Expected: no downtime, exit 0.',
    expectedExitCode: EXIT.ok,
  },
];

/** The probing config of a demo deploy against the balancer at `baseUrl`. */
export function demoConfig(baseUrl: string): ZerodownConfig {
  return resolveConfig(
    {},
    {
      url: DEMO_PATHS.map((p) => new URL(p, baseUrl).href),
      rate: DEMO_TIMING.rate,
      timeoutMs: DEMO_TIMING.timeoutMs,
      warmupMs: DEMO_TIMING.warmupMs,
      settleMs: DEMO_TIMING.settleMs,
      versionHeader: VERSION_HEADER,
    },
  );
}

/**
 * The deploy command: this node running the deploy script. The script sits next to this module,
 * as `.js` in the build and `.ts` when zerodown runs from its sources.
 */
export function deployCommand(mode: DeployMode, adminUrl: string, version = 'v2'): string[] {
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  const script = fileURLToPath(new URL(`./deploy-script${ext}`, import.meta.url));
  return [process.execPath, script, mode, adminUrl, version];
}
