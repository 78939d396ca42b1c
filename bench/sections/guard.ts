/**
 * Section 5 — guard reaction: a deploy breaks the target mid-way; how long from the breach being
 * measurable (the probe that crossed the threshold) to the rollback command starting, and from
 * the real break to the target being fixed by the rollback. Default settings: rate 10/s,
 * `--abort-on-downtime 500ms`, kill grace 5 s (the deploy exits on SIGTERM at once, as most do).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ResultDocument } from '../../src/result.ts';
import { fix, renderTable } from '../lib/table.ts';
import { ROOT } from '../lib/tools.ts';

/** One trial. */
export interface GuardTrial {
  rate: number;
  exitCode: number | null;
  /** Rollback start minus breach measurable, ms (zerodown's monotonic clock). */
  reactionMs: number | null;
  /** Breach noticed minus measurable, ms. */
  detectMs: number | null;
  /** Real break (target's clock) to rollback fixing it (target's clock), ms. */
  breakToFixMs: number | null;
}

/** Results of section 5. */
export interface GuardResult {
  trials: GuardTrial[];
  maxReactionMs: number | null;
}

const TRIALS_PER_RATE = 5;

async function trial(rate: number): Promise<GuardTrial> {
  const target = spawn(process.execPath, [join(ROOT, 'bench', 'guard-target.ts')], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  target.stdout.on('data', (c: Buffer) => (out += c.toString()));
  while (!/PORT (\d+)/.test(out)) await new Promise((r) => setTimeout(r, 20));
  const base = `http://127.0.0.1:${/PORT (\d+)/.exec(out)![1]}`;
  const json = join(mkdtempSync(join(tmpdir(), 'zd-bench-guard-')), 'result.json');
  const curl = (path: string) => `${JSON.stringify(process.execPath)} -e "fetch('${base}${path}')"`;
  const cli = spawn(
    process.execPath,
    [
      join(ROOT, 'dist', 'cli', 'main.js'),
      'run',
      '-u',
      `${base}/`,
      '-r',
      String(rate),
      '--warmup',
      '1s',
      '--settle',
      '1s',
      '--abort-on-downtime',
      '500ms',
      '--rollback',
      curl('/fix'),
      '--json',
      json,
      '--no-progress',
      '--',
      'sh',
      '-c',
      `sleep 1; ${curl('/break')}; sleep 60`,
    ],
    { stdio: 'ignore' },
  );
  const exitCode = await new Promise<number | null>((resolve) => cli.once('exit', resolve));
  target.kill('SIGTERM');
  const doc = JSON.parse(readFileSync(json, 'utf8')) as ResultDocument;
  const g = doc.guard;
  const broke = Number(/BROKEN (\d+)/.exec(out)?.[1]);
  const fixed = Number(/FIXED (\d+)/.exec(out)?.[1]);
  return {
    rate,
    exitCode,
    reactionMs: g?.rollback && g.breach ? fix(g.rollback.startMs - g.breach.measurableAtMs) : null,
    detectMs: g?.breach ? fix(g.breach.atMs - g.breach.measurableAtMs) : null,
    breakToFixMs: Number.isFinite(broke) && Number.isFinite(fixed) ? fixed - broke : null,
  };
}

/** Runs section 5. */
export async function runGuard(log: (line: string) => void): Promise<GuardResult> {
  const trials: GuardTrial[] = [];
  for (const rate of [10, 100]) {
    for (let i = 0; i < TRIALS_PER_RATE; i++) {
      log(`  guard trial at ${rate}/s (${i + 1}/${TRIALS_PER_RATE})…`);
      trials.push(await trial(rate));
    }
  }
  const reactions = trials.map((t) => t.reactionMs).filter((v): v is number => v !== null);
  return { trials, maxReactionMs: reactions.length ? Math.max(...reactions) : null };
}

/** Renders section 5. */
export function renderGuard(r: GuardResult): string {
  const rows = r.trials.map((t) => [t.rate, t.exitCode, t.detectMs, t.reactionMs, t.breakToFixMs]);
  const ok =
    r.maxReactionMs !== null && r.maxReactionMs < 1000 && r.trials.every((t) => t.exitCode === 5);
  return [
    renderTable(['rate/s', 'exit', 'noticed ms', 'breach→rollback ms', 'break→fixed ms'], rows),
    '',
    `max breach (measurable) → rollback start: ${r.maxReactionMs ?? '-'} ms — target < 1000 ms: ${ok ? 'PASS' : 'FAIL'}`,
    'break→fixed includes the 500 ms downtime allowance, the probe interval, SIGTERM to the deploy',
    "and the rollback command's own start-up.",
  ].join('\n');
}
