/**
 * Section 3 — zerodown's memory over a long run at 1000 probes/s: the CLI child's VmRSS read
 * from /proc every 10 s.
 */
import { analyzeArrivals } from '../lib/arrivals.ts';
import { CpuMeter, waitForQuiet, type CpuLoad } from '../lib/cpu.ts';
import type { Nginx } from '../lib/nginx.ts';
import { fix, mib, renderTable } from '../lib/table.ts';
import { runZerodown, type RssSample } from '../lib/tools.ts';

const RATE = 1000;
const SAMPLE_MS = 10_000;

/** Results of section 3. */
export interface MemoryResult {
  rate: number;
  minutes: number;
  samples: RssSample[];
  /** The minute of the early reading: 2, or half the run when it is shorter than 4 min. */
  earlyMinute: number;
  earlyRssMiB: number | null;
  finalMinute: number;
  finalRssMiB: number | null;
  growthMiB: number | null;
  growthMiBPerMinute: number | null;
  peakRssMiB: number | null;
  totalRequests: number;
  expected: number;
  serverArrivals: number;
  /** Distinct connections nginx saw from zerodown over the whole run. */
  connections: number;
  skipped: number;
  errors: number;
  stalls: number;
  latenessMs: { p50: number; p99: number; max: number };
  cpuPct: number | null;
  load: CpuLoad;
}

/** Runs section 3. */
export async function runMemory(
  nginx: Nginx,
  minutes: number,
  log: (t: string) => void,
): Promise<MemoryResult> {
  const durationMs = Math.round(minutes * 60_000);
  await waitForQuiet(5_000);
  const offset = await nginx.mark();
  const meter = new CpuMeter(() => nginx.pids());
  meter.start();
  log(`  zerodown at ${RATE}/s for ${minutes} min, VmRSS every ${SAMPLE_MS / 1000} s…`);
  const run = await runZerodown({
    url: nginx.url,
    rate: RATE,
    durationMs,
    rssEveryMs: SAMPLE_MS,
    onRss: (s) => {
      if (s.tMs % 60_000 < SAMPLE_MS / 2 || s.tMs % 60_000 > 60_000 - SAMPLE_MS / 2) {
        log(`    t=${(s.tMs / 60_000).toFixed(1)} min  RSS ${mib(s.rssBytes)} MiB`);
      }
    },
  });
  const load = meter.stop(run.exit.cpuSeconds);
  const server = analyzeArrivals(await nginx.arrivalsSince(offset), RATE);
  const earlyMinute = minutes >= 4 ? 2 : minutes / 2;
  const early = nearest(run.rss, earlyMinute * 60_000);
  const final = nearest(run.rss, durationMs);
  const growth =
    early && final && final !== early ? (final.rssBytes - early.rssBytes) / 1048576 : null;
  const e = run.result.engine;
  const ep = run.result.endpoints[0]!;
  return {
    rate: RATE,
    minutes,
    samples: run.rss,
    earlyMinute: fix(early ? early.tMs / 60_000 : earlyMinute, 2)!,
    earlyRssMiB: mib(early?.rssBytes),
    finalMinute: fix(final ? final.tMs / 60_000 : minutes, 2)!,
    finalRssMiB: mib(final?.rssBytes),
    growthMiB: fix(growth, 1),
    growthMiBPerMinute:
      growth !== null && early && final
        ? fix(growth / ((final.tMs - early.tMs) / 60_000), 2)
        : null,
    peakRssMiB: mib(run.peakRssBytes),
    totalRequests: ep.totalRequests,
    expected: Math.floor((durationMs * RATE) / 1000) + 1,
    serverArrivals: server.arrivals,
    connections: server.connections,
    skipped: e.skipped,
    errors: ep.totalErrors,
    stalls: e.stalls.length,
    latenessMs: e.latenessMs,
    cpuPct: fix((run.exit.cpuSeconds / (run.exit.wallMs / 1000)) * 100, 0),
    load,
  };
}

function nearest(samples: readonly RssSample[], tMs: number): RssSample | undefined {
  let best: RssSample | undefined;
  for (const s of samples) {
    if (!best || Math.abs(s.tMs - tMs) < Math.abs(best.tMs - tMs)) best = s;
  }
  return best;
}

/** The section's tables. */
export function renderMemory(r: MemoryResult): string {
  const everyMinute = r.samples.filter(
    (s, i) => i === 0 || s.tMs % 60_000 < SAMPLE_MS / 2 || s.tMs % 60_000 > 60_000 - SAMPLE_MS / 2,
  );
  const series = renderTable(
    ['t (min)', 'RSS MiB'],
    everyMinute.map((s) => [fix(s.tMs / 60_000, 2), mib(s.rssBytes)]),
  );
  const summary = renderTable(
    ['figure', 'value'],
    [
      [`RSS at minute ${r.earlyMinute} (MiB)`, r.earlyRssMiB],
      [`RSS at minute ${r.finalMinute} (MiB)`, r.finalRssMiB],
      ['growth between them (MiB)', r.growthMiB],
      ['growth per minute (MiB/min)', r.growthMiBPerMinute],
      ['peak RSS, VmHWM (MiB)', r.peakRssMiB],
      ['probes recorded / due', `${r.totalRequests} / ${r.expected}`],
      ['requests nginx logged', r.serverArrivals],
      ['connections nginx saw (distinct $connection)', r.connections],
      ['skipped / failed / stalls', `${r.skipped} / ${r.errors} / ${r.stalls}`],
      [
        'send lateness p50/p99/max (ms)',
        `${r.latenessMs.p50}/${r.latenessMs.p99}/${r.latenessMs.max}`,
      ],
      ['zerodown CPU % of one core', r.cpuPct],
      ['nginx % / others % (rest of the machine)', `${r.load.serverPct} / ${r.load.othersPct}`],
      ['steal (hypervisor) ms', r.load.stealMs],
    ],
  );
  const notes = [
    `RSS = VmRSS of the zerodown CLI child (/proc/PID/status), read every ${SAMPLE_MS / 1000} s from its`,
    'start (the series above shows one reading per minute; latest.json has all of them).',
  ];
  return [series, '', summary, '', ...notes].join('\n');
}
