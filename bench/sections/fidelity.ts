/**
 * Section 1 — rate fidelity: zerodown, autocannon (-R) and loadtest (--rps) at the same target
 * rate against nginx, one after the other, judged by what nginx logged.
 */
import { analyzeArrivals, type ArrivalStats } from '../lib/arrivals.ts';
import { CpuMeter, waitForQuiet, type CpuLoad } from '../lib/cpu.ts';
import type { Nginx } from '../lib/nginx.ts';
import { delay } from '../lib/proc.ts';
import { fix, renderTable, verdict, type Cell } from '../lib/table.ts';
import { runAutocannon, runLoadtest, runZerodown } from '../lib/tools.ts';

/** Targets zerodown must meet (the contract of this benchmark). */
export const FIDELITY_TARGETS = {
  bucketTolerancePct: 1.5,
  maxIn10msAt1000: 15,
  latenessP99MsAt1000: 2,
};

/** One tool at one rate. */
export interface FidelityTrial {
  tool: 'zerodown' | 'autocannon' | 'loadtest';
  rate: number;
  durationS: number;
  server: ArrivalStats;
  /** Requests the tool says it completed. */
  toolRequests: number;
  toolErrors: number;
  cpuSeconds: number;
  cpuPct: number | null;
  /** Machine load during the trial (other processes share these 2 cores). */
  load: CpuLoad;
  /** Time waited for a quiet machine before the trial, ms. */
  waitedMs: number;
  zerodown?: {
    latenessMs: { p50: number; p99: number; max: number };
    eventLoopDelayMs: { p99: number; max: number };
    skipped: number;
    /** zerodown's own stalls (sends > 25 ms late, skipped or held back), ms since its start. */
    stalls: { startMs: number; endMs: number; maxLateMs: number; skipped: number }[];
    retries: number;
    /** The most probes zerodown itself sent in any 10 ms (engine.densest10ms). */
    densest10ms: number | null;
  };
}

/** A PASS/FAIL line. */
export interface Check {
  name: string;
  value: number | null;
  limit: string;
  pass: boolean;
}

/** Results of section 1. */
export interface FidelityResult {
  rates: number[];
  durationS: number;
  trials: FidelityTrial[];
  checks: Check[];
}

/** Runs section 1. */
export async function runFidelity(
  nginx: Nginx,
  rates: readonly number[],
  durationS: number,
  log: (text: string) => void,
): Promise<FidelityResult> {
  const trials: FidelityTrial[] = [];
  for (const rate of rates) {
    for (const tool of ['zerodown', 'autocannon', 'loadtest'] as const) {
      log(`  ${tool} at ${rate}/s for ${durationS} s…`);
      trials.push(await trial(nginx, tool, rate, durationS));
      await delay(300);
    }
  }
  const zd = (rate: number) => trials.find((t) => t.tool === 'zerodown' && t.rate === rate);
  const checks: Check[] = [];
  for (const rate of rates) {
    const t = zd(rate);
    const dev = t?.server.worstDeviationPct ?? null;
    checks.push({
      name: `${rate}/s: every whole second within ±${FIDELITY_TARGETS.bucketTolerancePct}%`,
      value: fix(dev, 2),
      limit: `≤ ${FIDELITY_TARGETS.bucketTolerancePct} %`,
      pass: dev !== null && dev <= FIDELITY_TARGETS.bucketTolerancePct,
    });
    if (rate !== 1000 || !t) continue;
    checks.push({
      name: '1000/s: arrivals in any 10 ms',
      value: t.server.maxInWindow,
      limit: `≤ ${FIDELITY_TARGETS.maxIn10msAt1000}`,
      pass: t.server.maxInWindow <= FIDELITY_TARGETS.maxIn10msAt1000,
    });
    const p99 = t.zerodown?.latenessMs.p99 ?? null;
    checks.push({
      name: '1000/s: p99 send lateness (engine.latenessMs.p99)',
      value: p99,
      limit: `< ${FIDELITY_TARGETS.latenessP99MsAt1000} ms`,
      pass: p99 !== null && p99 < FIDELITY_TARGETS.latenessP99MsAt1000,
    });
  }
  return { rates: [...rates], durationS, trials, checks };
}

async function trial(
  nginx: Nginx,
  tool: FidelityTrial['tool'],
  rate: number,
  durationS: number,
): Promise<FidelityTrial> {
  const waitedMs = await waitForQuiet(5_000);
  const offset = await nginx.mark();
  const url = nginx.url;
  const meter = new CpuMeter(() => nginx.pids());
  meter.start();
  let base: Omit<FidelityTrial, 'server' | 'cpuPct' | 'load' | 'waitedMs'>;
  let wallMs: number;
  if (tool === 'zerodown') {
    const run = await runZerodown({ url, rate, durationMs: durationS * 1000 });
    const e = run.result.engine;
    const ep = run.result.endpoints[0]!;
    wallMs = run.exit.wallMs;
    base = {
      tool,
      rate,
      durationS,
      toolRequests: ep.totalRequests,
      toolErrors: ep.totalErrors,
      cpuSeconds: run.exit.cpuSeconds,
      zerodown: {
        latenessMs: e.latenessMs,
        eventLoopDelayMs: e.eventLoopDelayMs,
        skipped: e.skipped,
        stalls: e.stalls,
        retries: e.retries,
        densest10ms: e.densest10ms ?? null,
      },
    };
  } else if (tool === 'autocannon') {
    const run = await runAutocannon({ url, rate, durationS });
    wallMs = run.exit.wallMs;
    const r = run.report;
    base = {
      tool,
      rate,
      durationS,
      toolRequests: r.requests.total,
      toolErrors: r.errors + r.timeouts + r.non2xx,
      cpuSeconds: run.exit.cpuSeconds,
    };
  } else {
    const run = await runLoadtest({ url, rate, durationS });
    wallMs = run.exit.wallMs;
    base = {
      tool,
      rate,
      durationS,
      toolRequests: run.report.completed,
      toolErrors: run.report.errors,
      cpuSeconds: run.exit.cpuSeconds,
    };
  }
  const load = meter.stop(base.cpuSeconds);
  const server = analyzeArrivals(await nginx.arrivalsSince(offset), rate);
  const cpuPct = fix((base.cpuSeconds / (wallMs / 1000)) * 100, 0);
  return { ...base, server, cpuPct, load, waitedMs };
}

/** The section's tables. */
export function renderFidelity(r: FidelityResult): string {
  const tol = FIDELITY_TARGETS.bucketTolerancePct;
  const rows: Cell[][] = r.trials.map((t) => [
    t.tool,
    t.rate,
    t.server.arrivals,
    t.server.buckets.length,
    t.server.bucketMin,
    t.server.bucketMax,
    fix(t.server.meanRate, 1),
    fix(t.server.worstDeviationPct, 2),
    t.server.worstDeviationPct !== null && t.server.worstDeviationPct <= tol ? 'yes' : 'no',
    t.server.maxInWindow,
    t.server.maxInWindowAfterFirstSecond,
    t.zerodown ? t.zerodown.densest10ms : 'n/a',
    t.server.connections,
    t.zerodown ? `${t.zerodown.latenessMs.p50}/${t.zerodown.latenessMs.p99}` : 'n/a',
    t.zerodown ? t.zerodown.latenessMs.max : 'n/a',
    t.zerodown ? `${t.zerodown.eventLoopDelayMs.p99}/${t.zerodown.eventLoopDelayMs.max}` : 'n/a',
    t.zerodown ? t.zerodown.skipped : 'n/a',
    t.zerodown ? stallText(t.zerodown.stalls) : 'n/a',
    t.toolRequests,
    t.toolErrors,
    t.cpuPct,
    t.load.serverPct,
    t.load.othersPct,
    t.load.stealMs,
  ]);
  const table = renderTable(
    [
      'tool',
      'rate/s',
      'arrivals',
      'whole s',
      'min/s',
      'max/s',
      'mean/s',
      'worst dev %',
      `±${tol}%`,
      'max/10ms',
      'after 1st s',
      'sent/10ms',
      'conns',
      'late p50/p99 ms',
      'late max',
      'loop p99/max',
      'skipped',
      'stalls: n (first)',
      'tool: requests',
      'tool: errors',
      'CPU %',
      'nginx %',
      'others %',
      'steal ms',
    ],
    rows,
  );
  const checks = renderTable(
    ['zerodown target', 'value', 'limit', 'result'],
    r.checks.map((c) => [c.name, c.value, c.limit, verdict(c.pass)]),
  );
  const notes = [
    `Server-side figures come from nginx's access log ($msec, 1 ms resolution). Seconds are counted`,
    `from each trial's first arrival (so no partial first second); only whole seconds ending at or`,
    `before the last arrival are kept (the partial last second is dropped): ${r.durationS} s runs give`,
    `${r.durationS - 1} whole seconds. max/10ms is over every arrival of the trial (the target uses it);`,
    `"after 1st s" leaves out the first second, to tell start-up bursts apart. sent/10ms = the most`,
    `probes zerodown itself sent in any 10 ms (engine.densest10ms, its own clock): where max/10ms is`,
    `higher, the server logged arrivals together that were sent apart (a pause of nginx or the VM`,
    `holds arrivals back and stamps them with one millisecond). conns = distinct`,
    `nginx $connection serials. CPU % = the tool's user+sys CPU time / its wall time (one core = 100);`,
    `nginx % likewise; others % = the rest of the machine's busy time meanwhile (other processes,`,
    `kernel network work): a high value means the trial was disturbed. steal ms = time the`,
    `hypervisor took this virtual machine's CPUs during the trial (/proc/stat): it pauses the tool and`,
    `nginx together, and the arrivals it held back land as one burst.`,
    `late = zerodown's own send lateness (engine.latenessMs), loop = its event-loop delay (ms);`,
    `stalls = zerodown's engine.stalls (sends > 25 ms late, skipped or held back for a connection while`,
    `its loop was busy): how many, and the first one's span in ms`,
    `since zerodown started.`,
  ];
  return [table, '', checks, '', ...notes].join('\n');
}

function stallText(stalls: readonly { startMs: number; endMs: number }[]): string {
  const first = stalls[0];
  if (!first) return '0';
  return `${stalls.length} (${Math.round(first.startMs)}–${Math.round(first.endMs)})`;
}
