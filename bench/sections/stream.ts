/**
 * Section 7 — the cost of the probe stream (`--out`): zerodown at 1000/s and 10 000/s against
 * nginx, with and without `--out`, for `seconds` each: the CLI's CPU, its peak RSS, the stream's
 * size per probe, its own send lateness, and the time `report --from-probes` takes to rebuild
 * the document (which must equal the run's `--json`, byte for byte).
 */
import { CpuMeter, waitForQuiet, type CpuLoad } from '../lib/cpu.ts';
import type { Nginx } from '../lib/nginx.ts';
import { fix, mib, renderTable } from '../lib/table.ts';
import { runZerodown } from '../lib/tools.ts';

/** One trial. */
export interface StreamTrial {
  rate: number;
  out: boolean;
  seconds: number;
  probes: number;
  skipped: number;
  cpuPct: number | null;
  peakRssMiB: number | null;
  latenessP99Ms: number;
  bytes: number | null;
  bytesPerProbe: number | null;
  rebuildMs: number | null;
  rebuiltEqual: boolean | null;
  load: CpuLoad;
}

/** Runs section 7. */
export async function runStream(
  nginx: Nginx,
  seconds: number,
  log: (t: string) => void,
): Promise<StreamTrial[]> {
  const trials: StreamTrial[] = [];
  for (const rate of [1000, 10_000]) {
    for (const out of [false, true]) {
      await waitForQuiet(5_000);
      log(`  ${rate}/s for ${seconds} s ${out ? 'with --out' : 'without --out'}…`);
      const meter = new CpuMeter(() => nginx.pids());
      meter.start();
      const durationMs = seconds * 1000;
      // RSS read just before the end: VmHWM then is the run's peak.
      const run = await runZerodown({
        url: nginx.url,
        rate,
        durationMs,
        rssEveryMs: durationMs,
        out,
      });
      const load = meter.stop(run.exit.cpuSeconds);
      const ep = run.result.endpoints[0]!;
      const probes = ep.totalRequests + ep.skipped;
      trials.push({
        rate,
        out,
        seconds,
        probes: ep.totalRequests,
        skipped: ep.skipped,
        cpuPct: fix((run.exit.cpuSeconds / (run.exit.wallMs / 1000)) * 100, 0),
        peakRssMiB: mib(run.peakRssBytes),
        latenessP99Ms: run.result.engine.latenessMs.p99,
        bytes: run.stream?.bytes ?? null,
        bytesPerProbe: run.stream ? fix(run.stream.bytes / Math.max(1, probes), 0) : null,
        rebuildMs: run.stream?.rebuildMs ?? null,
        rebuiltEqual: run.stream?.rebuiltEqual ?? null,
        load,
      });
    }
  }
  return trials;
}

/** The section's table. */
export function renderStream(trials: readonly StreamTrial[]): string {
  const table = renderTable(
    [
      'rate/s',
      '--out',
      'probes',
      'skipped',
      'CPU % of a core',
      'peak RSS MiB',
      'lateness p99 ms',
      'stream MiB',
      'bytes/probe',
      'rebuild s',
      'rebuilt = --json',
      'others %',
    ],
    trials.map((t) => [
      t.rate,
      t.out ? 'yes' : 'no',
      t.probes,
      t.skipped,
      t.cpuPct,
      t.peakRssMiB,
      t.latenessP99Ms,
      mib(t.bytes),
      t.bytesPerProbe,
      t.rebuildMs === null ? null : fix(t.rebuildMs / 1000, 2),
      t.rebuiltEqual === null ? '' : t.rebuiltEqual ? 'yes' : 'NO',
      t.load.othersPct,
    ]),
  );
  const notes = [
    'CPU % = the CLI child’s user+system time over its wall time (start-up, priming and report',
    'included); peak RSS = its VmHWM just before the end; "rebuild s" = `report --from-probes` in a',
    'child of its own (Node start-up included), whose --json must equal the run’s byte for byte.',
  ];
  return [table, '', ...notes].join('\n');
}
