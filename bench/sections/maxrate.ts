/**
 * Section 2 — the highest rate one zerodown process sustains while recording every probe,
 * found by doubling the rate and then bisecting, compared with autocannon's unpaced throughput
 * at the same number of connections.
 */
import { analyzeArrivals } from '../lib/arrivals.ts';
import { CpuMeter, waitForQuiet, type CpuLoad } from '../lib/cpu.ts';
import type { Nginx } from '../lib/nginx.ts';
import { delay } from '../lib/proc.ts';
import { fix, renderTable, verdict } from '../lib/table.ts';
import { runAutocannon, runZerodown } from '../lib/tools.ts';

const STEP_SECONDS = 5;
const DOUBLINGS = [5000, 10_000, 20_000, 40_000, 80_000];
const BISECTIONS = 2;

/** One zerodown step. */
export interface RateStep {
  rate: number;
  durationS: number;
  /** Probes due within the duration: floor(duration × rate) + 1. */
  expected: number;
  totalRequests: number;
  sent: number;
  skipped: number;
  errors: number;
  errorCodes: Record<string, number>;
  retries: number;
  serverArrivals: number;
  /** Mean over whole seconds, as nginx saw it. */
  achievedRate: number | null;
  achievedPct: number | null;
  worstSecondDeviationPct: number | null;
  connections: number;
  latenessMs: { p50: number; p99: number; max: number };
  cpuPct: number | null;
  load: CpuLoad;
  sustained: boolean;
  /** Why not sustained. */
  failures: string[];
}

/** Results of section 2. */
export interface MaxRateResult {
  steps: RateStep[];
  maxSustainedRate: number | null;
  connectionsAtMax: number | null;
  autocannon: {
    connections: number;
    durationS: number;
    serverArrivals: number;
    /** Median whole second at the server: its steady throughput (the ratio uses it). */
    serverRate: number | null;
    /** Mean of the whole seconds (includes the ramp-up while connections open). */
    serverMeanRate: number | null;
    serverBestSecond: number | null;
    serverSeconds: number[];
    reportedAverage: number;
    errors: number;
    cpuPct: number | null;
    load: CpuLoad;
  } | null;
  ratio: number | null;
}

/** Runs section 2. */
export async function runMaxRate(nginx: Nginx, log: (t: string) => void): Promise<MaxRateResult> {
  const steps: RateStep[] = [];
  let pass = 0;
  let fail = 0;
  for (const rate of DOUBLINGS) {
    const s = await step(nginx, rate, log);
    steps.push(s);
    if (!s.sustained) {
      fail = rate;
      break;
    }
    pass = rate;
  }
  for (let i = 0; i < BISECTIONS && fail > 0; i++) {
    const rate = Math.round((pass + fail) / 2000) * 1000;
    if (rate <= pass || rate >= fail) break;
    const s = await step(nginx, rate, log);
    steps.push(s);
    if (s.sustained) pass = rate;
    else fail = rate;
  }
  const best = steps.find((s) => s.sustained && s.rate === pass);
  const reference = best ?? steps[0];
  let autocannon: MaxRateResult['autocannon'] = null;
  if (reference) {
    const connections = Math.max(1, reference.connections);
    log(`  autocannon unpaced, -c ${connections} -d ${STEP_SECONDS}…`);
    await waitForQuiet(5_000);
    const offset = await nginx.mark();
    const meter = new CpuMeter(() => nginx.pids());
    meter.start();
    const run = await runAutocannon({
      url: nginx.url,
      durationS: STEP_SECONDS,
      connections,
    });
    const load = meter.stop(run.exit.cpuSeconds);
    const server = analyzeArrivals(await nginx.arrivalsSince(offset), undefined);
    const r = run.report;
    autocannon = {
      connections,
      durationS: STEP_SECONDS,
      serverArrivals: server.arrivals,
      serverRate: median(server.buckets),
      serverMeanRate: fix(server.meanRate, 0),
      serverBestSecond: server.bucketMax,
      serverSeconds: server.buckets,
      reportedAverage: r.requests.average,
      errors: r.errors + r.timeouts + r.non2xx,
      cpuPct: fix((run.exit.cpuSeconds / (run.exit.wallMs / 1000)) * 100, 0),
      load,
    };
  }
  const ratio = best && autocannon?.serverRate ? fix(best.rate / autocannon.serverRate, 2) : null;
  return {
    steps,
    maxSustainedRate: best?.rate ?? null,
    connectionsAtMax: best?.connections ?? null,
    autocannon,
    ratio,
  };
}

async function step(nginx: Nginx, rate: number, log: (t: string) => void): Promise<RateStep> {
  log(`  zerodown at ${rate}/s for ${STEP_SECONDS} s…`);
  await waitForQuiet(5_000);
  const offset = await nginx.mark();
  const meter = new CpuMeter(() => nginx.pids());
  meter.start();
  const run = await runZerodown({ url: nginx.url, rate, durationMs: STEP_SECONDS * 1000 });
  const load = meter.stop(run.exit.cpuSeconds);
  const server = analyzeArrivals(await nginx.arrivalsSince(offset), rate);
  const e = run.result.engine;
  const ep = run.result.endpoints[0]!;
  const expected = Math.floor(STEP_SECONDS * rate) + 1;
  const achievedPct = server.meanRate === null ? null : (server.meanRate / rate) * 100;
  const failures: string[] = [];
  if (e.skipped > 0) failures.push(`${e.skipped} skipped`);
  if (ep.totalErrors > 0) {
    const codes = Object.entries(ep.errorCodes).map(([c, n]) => `${c}×${n}`);
    failures.push(`${ep.totalErrors} failed (${codes.join(' ')})`);
  }
  if (achievedPct === null || achievedPct < 99) failures.push('rate < 99%');
  if (ep.totalRequests < expected) failures.push('recorded < expected');
  // The target also sees the unrecorded start-up requests (engine.primed).
  if (server.arrivals !== ep.totalRequests + (run.result.engine.primed ?? 0))
    failures.push('server count ≠ recorded + primed');
  await delay(300);
  return {
    rate,
    durationS: STEP_SECONDS,
    expected,
    totalRequests: ep.totalRequests,
    sent: e.sent,
    skipped: e.skipped,
    errors: ep.totalErrors,
    errorCodes: ep.errorCodes,
    retries: e.retries,
    serverArrivals: server.arrivals,
    achievedRate: fix(server.meanRate, 0),
    achievedPct: fix(achievedPct, 2),
    worstSecondDeviationPct: fix(server.worstDeviationPct, 2),
    connections: server.connections,
    latenessMs: e.latenessMs,
    cpuPct: fix((run.exit.cpuSeconds / (run.exit.wallMs / 1000)) * 100, 0),
    load,
    sustained: failures.length === 0,
    failures,
  };
}

/** The section's tables. */
export function renderMaxRate(r: MaxRateResult): string {
  const steps = renderTable(
    [
      'target/s',
      'expected',
      'recorded',
      'skipped',
      'failed',
      'at server',
      'achieved/s',
      'achieved %',
      'worst s dev %',
      'conns',
      'late p99 ms',
      'late max',
      'CPU %',
      'nginx %',
      'others %',
      'steal ms',
      'sustained',
      'why not',
    ],
    r.steps.map((s) => [
      s.rate,
      s.expected,
      s.totalRequests,
      s.skipped,
      s.errors,
      s.serverArrivals,
      s.achievedRate,
      s.achievedPct,
      s.worstSecondDeviationPct,
      s.connections,
      s.latenessMs.p99,
      s.latenessMs.max,
      s.cpuPct,
      s.load.serverPct,
      s.load.othersPct,
      s.load.stealMs,
      s.sustained ? 'yes' : 'no',
      s.failures.join(', ') || '',
    ]),
  );
  const a = r.autocannon;
  const summary = renderTable(
    ['figure', 'value'],
    [
      ['zerodown: highest sustained rate (/s)', r.maxSustainedRate],
      ['zerodown: connections it used there', r.connectionsAtMax],
      [
        `autocannon unpaced -c ${a?.connections ?? '?'}: median second at server (/s)`,
        a?.serverRate,
      ],
      [
        'autocannon: mean / best second at server (/s)',
        a ? `${a.serverMeanRate} / ${a.serverBestSecond}` : null,
      ],
      ['autocannon: its own requests.average (/s)', a?.reportedAverage],
      ['autocannon: errors', a?.errors],
      [
        'autocannon: CPU % / nginx % / others %',
        a ? `${a.cpuPct}/${a.load.serverPct}/${a.load.othersPct}` : null,
      ],
      ['ratio zerodown sustained / autocannon unpaced', r.ratio],
      ['aim: ratio ≥ 1.0', r.ratio === null ? 'FAIL' : verdict(r.ratio >= 1)],
    ],
  );
  const notes = [
    `Each step runs ${STEP_SECONDS} s (rates doubled from 5000/s until one fails, then bisected ${BISECTIONS}×).`,
    'Sustained = no skipped probe, no failed probe, nginx saw ≥ 99% of the target per second on',
    'average, zerodown recorded at least every probe due (floor(duration × rate) + 1) and nginx',
    'logged exactly as many requests as zerodown recorded plus its start-up requests (engine.primed). conns = distinct nginx $connection',
    'serials in the access log during the step; autocannon then runs unpaced with that many.',
    "autocannon's rate is the median of its whole seconds at nginx (its first seconds include",
    'opening thousands of connections); the ratio divides by it.',
    'CPU % / nginx % / others %: as in section 1 (% of one core; others = the rest of the machine).',
  ];
  return [steps, '', summary, '', ...notes].join('\n');
}

function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const v = [...values].sort((a, b) => a - b);
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid]! : Math.round((v[mid - 1]! + v[mid]!) / 2);
}
