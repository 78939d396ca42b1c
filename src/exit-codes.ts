/**
 * The process exit codes of the contract (§1): the one table every command, the error registry
 * (errors.ts) and the run's outcome (outcome.ts) take their numbers from.
 */
export const EXIT = {
  /** No downtime: every endpoint within its budget. */
  ok: 0,
  /** Downtime: at least one endpoint over its budget (or degraded where that fails the run). */
  downtime: 1,
  /** Usage or config error: nothing probed. */
  usage: 2,
  /** The deploy command failed and there was no downtime. */
  deployFailed: 3,
  /** Blocked before the deploy: warm-up failed or a blocker said no. */
  blocked: 4,
  /** The guard aborted the deploy and rolled it back. */
  rolledBack: 5,
  /** Inconclusive: part of the measurement is missing. */
  inconclusive: 6,
  /** A bug in zerodown. */
  internal: 70,
  /** Interrupted by SIGINT/SIGTERM: the partial result is still written. */
  interrupted: 130,
} as const;

/** One of the documented exit codes. */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** What each exit code means, in a few words (the demo's summary, `--help`, the README table). */
export const EXIT_MEANINGS: Readonly<Record<ExitCode, string>> = {
  [EXIT.ok]: 'no downtime',
  [EXIT.downtime]: 'downtime',
  [EXIT.usage]: 'usage or config error',
  [EXIT.deployFailed]: 'the deploy command failed',
  [EXIT.blocked]: 'blocked before the deploy',
  [EXIT.rolledBack]: 'aborted and rolled back',
  [EXIT.inconclusive]: 'inconclusive',
  [EXIT.internal]: 'internal error (a bug)',
  [EXIT.interrupted]: 'interrupted',
};
