/**
 * `zerodown history`: the runs recorded (`history`), the budgets learned from them (`history
 * budgets`), those budgets as a file for pipelines without a database (`history export -o
 * budgets.json`, read back with `budget.file`), and pruning old runs (`history prune`).
 */
import { existsSync, readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { formatDuration } from '../config/duration.ts';
import { DEFAULT_CONFIG_FILE, parseConfigText } from '../config/load.ts';
import type { RawConfig } from '../config/schema.ts';
import { ZerodownError } from '../errors.ts';
import { EXIT } from '../exit-codes.ts';
import { parseAge } from '../history/age.ts';
import { exportBudgets, type BudgetEntry } from '../history/budget-file.ts';
import type { LearnRule } from '../history/learn.ts';
import { DEFAULT_HISTORY_FILE, learnRule } from '../history/resolve.ts';
import {
  historyError,
  openHistoryStore,
  type HistoryStore,
  type ListedRun,
} from '../history/store.ts';
import { writeFileAtomic } from '../util/files.ts';

interface HistoryFlags {
  config?: string;
  history?: string;
  service?: string;
  endpoint?: string;
  since?: string;
  limit?: string;
  json?: boolean;
  output?: string;
  olderThan?: string;
}

/** Registers `history` and its subcommands. */
export function registerHistory(program: Command, exit: (code: number) => void): void {
  const history = program
    .command('history')
    .description('runs recorded with --history, and the budgets learned from them');
  const common = (cmd: Command) =>
    cmd
      .option('-c, --config <file>', 'read history: and budget.learn from this config')
      .option(
        '--history <path|url>',
        `SQLite file or postgres:// URL (default ${DEFAULT_HISTORY_FILE})`,
      )
      .option('--service <name>', 'only this service');
  common(
    history.command('list', { isDefault: true }).description('list recorded runs, newest first'),
  )
    .option('--endpoint <name>', 'only this endpoint')
    .option('--since <age>', 'only runs started within this age: 7d, 12h, 2w')
    .option('--limit <n>', 'at most this many runs', '50')
    .option('--json', 'print JSON')
    .action((flags: HistoryFlags) => {
      const sinceMs =
        flags.since === undefined ? undefined : Date.now() - age('--since', flags.since);
      const limit = limitOf(flags.limit);
      return withStore(flags, exit, async (store) => {
        const runs = await store.list(
          { service: flags.service, endpoint: flags.endpoint, sinceMs },
          limit,
        );
        process.stdout.write(flags.json ? `${JSON.stringify(runs, null, 2)}\n` : listText(runs));
      });
    });
  common(history.command('budgets').description('the budgets learned per history key'))
    .option('--json', 'print JSON')
    .action((flags: HistoryFlags) =>
      withStore(flags, exit, async (store, rule) => {
        const file = await exportBudgets(store, { service: flags.service }, rule, Date.now());
        const rows = file.keys.map(({ downtimesMs: _d, latency: _l, ...rest }) => rest);
        process.stdout.write(
          flags.json ? `${JSON.stringify(rows, null, 2)}\n` : budgetsText(file.keys, rule),
        );
      }),
    );
  common(
    history
      .command('export')
      .description('write the learned budgets to a file that budget.file reads (no database)'),
  )
    .requiredOption('-o, --output <file>', 'where to write them (e.g. budgets.json)')
    .action((flags: HistoryFlags) =>
      withStore(flags, exit, async (store, rule) => {
        const file = await exportBudgets(store, { service: flags.service }, rule, Date.now());
        writeFileAtomic(flags.output!, `${JSON.stringify(file, null, 2)}\n`);
        process.stderr.write(
          `zerodown: ${file.keys.length} history key${file.keys.length === 1 ? '' : 's'} written to ${flags.output!}\n`,
        );
      }),
    );
  common(history.command('prune').description('delete runs older than an age'))
    .requiredOption('--older-than <age>', 'delete runs started before this age: 90d')
    .action((flags: HistoryFlags) => {
      const beforeMs = Date.now() - age('--older-than', flags.olderThan!);
      return withStore(flags, exit, async (store) => {
        const n = await store.prune(beforeMs);
        process.stdout.write(
          `${n} endpoint run${n === 1 ? '' : 's'} older than ${new Date(beforeMs).toISOString()} deleted from ${store.where}\n`,
        );
      });
    });
}

/** Opens the store the flags and config name, runs `work`, closes it. */
async function withStore(
  flags: HistoryFlags,
  exit: (code: number) => void,
  work: (store: HistoryStore, rule: LearnRule) => Promise<void>,
): Promise<void> {
  const raw = readRaw(flags.config);
  const fromConfig = typeof raw.history === 'string' ? raw.history : raw.history?.url;
  const target = flags.history ?? fromConfig ?? DEFAULT_HISTORY_FILE;
  // The config's rule when it has one (budget.learn: false too: budgets are shown all the same).
  const learn = raw.budget?.learn;
  const rule = learnRule(typeof learn === 'object' ? learn : true, undefined)!;
  if (!/^postgres(ql)?:\/\//i.test(target) && !existsSync(target)) {
    throw new ZerodownError(
      'ZD_HISTORY',
      `no history at ${target} (record runs with --history or history: in the config)`,
    );
  }
  const store = await openHistoryStore(target);
  try {
    await work(store, rule);
  } catch (err) {
    throw historyError(`history ${store.where}`, err);
  } finally {
    await store.close();
  }
  exit(EXIT.ok);
}

/** The config as written (no endpoints needed): the given file, else zerodown.yml when present. */
function readRaw(file: string | undefined): RawConfig {
  const path = file ?? (existsSync(DEFAULT_CONFIG_FILE) ? DEFAULT_CONFIG_FILE : undefined);
  if (path === undefined) return {};
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new ZerodownError('ZD_CONFIG_NOT_FOUND', `config file ${path}: ${String(cause)}`, {
      cause,
    });
  }
  return parseConfigText(text, process.env, path);
}

function age(flag: string, text: string): number {
  const ms = parseAge(text);
  if (ms === undefined) {
    throw new ZerodownError(
      'ZD_USAGE',
      `${flag}: not an age: ${JSON.stringify(text)} (use e.g. 7d, 12h, 2w)`,
    );
  }
  return ms;
}

function limitOf(text: string | undefined): number {
  const n = Number(text ?? 50);
  if (!Number.isInteger(n) || n < 1) {
    throw new ZerodownError(
      'ZD_USAGE',
      `--limit: expected a whole number above 0, got ${JSON.stringify(text)}`,
    );
  }
  return n;
}

/** Columns padded to their widest cell. */
function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return (
    rows
      .map((r) =>
        r
          .map((c, i) => c.padEnd(widths[i]!))
          .join('  ')
          .trimEnd(),
      )
      .join('\n') + '\n'
  );
}

function listText(runs: readonly ListedRun[]): string {
  if (runs.length === 0) return 'no runs recorded\n';
  const rows = [
    [
      'started',
      'service',
      'endpoint',
      'agent',
      'connection',
      'verdict',
      'downtime',
      'incidents',
      'p99',
      'label',
    ],
  ];
  for (const r of runs) {
    rows.push([
      new Date(r.startedAtMs).toISOString().replace(/\.\d+Z$/, 'Z'),
      r.service,
      r.endpoint,
      r.agent,
      r.connection,
      r.runVerdict === r.verdict ? r.verdict : `${r.verdict} (run ${r.runVerdict})`,
      formatDuration(r.downtimeMs),
      String(r.incidents.length),
      r.p99Ms === null ? '—' : `${r.p99Ms} ms`,
      r.label ?? '',
    ]);
  }
  return table(rows);
}

function budgetsText(entries: readonly BudgetEntry[], rule: LearnRule): string {
  const tiers = [`P${rule.percentile} of ≥ ${rule.minRuns} runs`];
  if (rule.fallback) tiers.push(`else P${rule.fallback.percentile} of ≥ ${rule.fallback.minRuns}`);
  const head = `rule: ${tiers.join(', ')} in ${rule.days} days; budget max(value × ${1 + rule.margin.ratio}, value + ${formatDuration(rule.margin.minMs)})\n\n`;
  if (entries.length === 0) return `${head}no runs recorded in the last ${rule.days} days\n`;
  const rows = [['key', 'runs', 'budget', 'from']];
  for (const e of entries) {
    const b = e.budget;
    rows.push([
      e.key,
      String(e.runs),
      b.kind === 'learned' ? formatDuration(b.maxDowntimeMs) : '—',
      b.kind === 'learned'
        ? `P${b.percentile} ${formatDuration(b.learnedMs)} + margin`
        : `learning: ${b.runs} of ${b.needed} runs`,
    ]);
  }
  return head + table(rows);
}
