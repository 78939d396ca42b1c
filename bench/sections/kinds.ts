/**
 * Section 7 — what a probe costs by kind (contract §9): one zerodown process at 1000 probes/s
 * for `SECONDS` against each kind of target (HTTP/1.1, gRPC health, WebSocket, TCP connect),
 * its CPU and peak RSS side by side; then the highest gRPC health rate one process sustains
 * (doubling), beside a plain grpc-js client loop kept unpaced over one channel (ghz, the usual
 * gRPC load tool, is neither a Debian nor an npm package). The targets run in one child process
 * on the server core (bench/kinds-target.ts).
 */
import { join } from 'node:path';
import { CpuMeter, waitForQuiet, type CpuLoad } from '../lib/cpu.ts';
import { delay, SERVER_CPU, startChild, TOOL_CPU, type Started } from '../lib/proc.ts';
import { fix, mib, renderTable, verdict } from '../lib/table.ts';
import { ROOT, runZerodown } from '../lib/tools.ts';

const RATE = 1000;
const SECONDS = 10;
const GRPC_STEP_SECONDS = 5;
const GRPC_RATES = [2000, 4000, 8000, 16_000, 32_000];
const LOOP_CONCURRENCY = 64;
/** A step is sustained only if probes went out on time: p99 send lateness at most this (ms). */
const MAX_LATE_P99_MS = 50;

/** One kind at 1000/s. */
export interface KindCost {
  kind: string;
  url: string;
  expected: number;
  totalRequests: number;
  errors: number;
  skipped: number;
  latenessP99Ms: number;
  p50LatencyMs: number | null;
  cpuPct: number | null;
  peakRssMiB: number | null;
  load: CpuLoad;
}

/** One gRPC rate step. */
export interface GrpcStep {
  rate: number;
  expected: number;
  totalRequests: number;
  skipped: number;
  errors: number;
  errorCodes: Record<string, number>;
  rps: number;
  latenessP99Ms: number;
  cpuPct: number | null;
  sustained: boolean;
}

/** Results of section 7. */
export interface KindsResult {
  rate: number;
  seconds: number;
  kinds: KindCost[];
  grpcSteps: GrpcStep[];
  grpcMaxSustained: number | null;
  grpcLoop: {
    concurrency: number;
    seconds: number;
    perSecond: number;
    failed: number;
    cpuPct: number | null;
  } | null;
}

/** Runs section 7. */
export async function runKinds(log: (t: string) => void): Promise<KindsResult> {
  const target = startChild(process.execPath, [join(ROOT, 'bench', 'kinds-target.ts')], {
    cpu: SERVER_CPU,
    limitMs: 15 * 60_000,
  });
  try {
    const ports = await portsOf(target);
    const urls: [string, string][] = [
      ['http/1.1', `http://127.0.0.1:${ports.http}/`],
      ['grpc', `grpc://127.0.0.1:${ports.grpc}`],
      ['ws', `ws://127.0.0.1:${ports.ws}/`],
      ['tcp', `tcp://127.0.0.1:${ports.tcp}`],
    ];
    const kinds: KindCost[] = [];
    for (const [kind, url] of urls) {
      log(`  ${kind}: zerodown at ${RATE}/s for ${SECONDS} s…`);
      await waitForQuiet(5_000);
      const meter = new CpuMeter(() => [target.pid]);
      meter.start();
      const run = await runZerodown({
        url,
        rate: RATE,
        durationMs: SECONDS * 1000,
        rssEveryMs: 1000,
      });
      const load = meter.stop(run.exit.cpuSeconds);
      const ep = run.result.endpoints[0]!;
      kinds.push({
        kind,
        url,
        expected: SECONDS * RATE + 1,
        totalRequests: ep.totalRequests,
        errors: ep.totalErrors,
        skipped: run.result.engine.skipped,
        latenessP99Ms: run.result.engine.latenessMs.p99,
        p50LatencyMs: ep.percentiles['50'] ?? null,
        cpuPct: fix((run.exit.cpuSeconds / (run.exit.wallMs / 1000)) * 100, 0),
        peakRssMiB: mib(run.peakRssBytes),
        load,
      });
      await delay(300);
    }
    const grpcUrl = `grpc://127.0.0.1:${ports.grpc}`;
    const grpcSteps: GrpcStep[] = [];
    for (const rate of GRPC_RATES) {
      log(`  grpc: zerodown at ${rate}/s for ${GRPC_STEP_SECONDS} s…`);
      await waitForQuiet(5_000);
      const run = await runZerodown({ url: grpcUrl, rate, durationMs: GRPC_STEP_SECONDS * 1000 });
      const ep = run.result.endpoints[0]!;
      const e = run.result.engine;
      const expected = GRPC_STEP_SECONDS * rate + 1;
      const s: GrpcStep = {
        rate,
        expected,
        totalRequests: ep.totalRequests,
        skipped: e.skipped,
        errors: ep.totalErrors,
        errorCodes: ep.errorCodes,
        rps: ep.rps,
        latenessP99Ms: e.latenessMs.p99,
        cpuPct: fix((run.exit.cpuSeconds / (run.exit.wallMs / 1000)) * 100, 0),
        sustained:
          e.skipped === 0 &&
          ep.totalErrors === 0 &&
          ep.totalRequests >= expected &&
          ep.rps >= rate * 0.99 &&
          e.latenessMs.p99 <= MAX_LATE_P99_MS,
      };
      grpcSteps.push(s);
      await delay(300);
      if (!s.sustained) break;
    }
    log(
      `  grpc: a plain grpc-js client loop, ${LOOP_CONCURRENCY} calls in flight, ${GRPC_STEP_SECONDS} s…`,
    );
    await waitForQuiet(5_000);
    const loop = startChild(
      process.execPath,
      [
        join(ROOT, 'bench', 'grpc-loop.ts'),
        `127.0.0.1:${ports.grpc}`,
        String(GRPC_STEP_SECONDS),
        String(LOOP_CONCURRENCY),
      ],
      { cpu: TOOL_CPU, limitMs: 60_000 },
    );
    const done = await loop.done;
    let grpcLoop: KindsResult['grpcLoop'] = null;
    try {
      const r = JSON.parse(done.stdout.trim().split('\n').at(-1) ?? '') as {
        perSecond: number;
        failed: number;
      };
      grpcLoop = {
        concurrency: LOOP_CONCURRENCY,
        seconds: GRPC_STEP_SECONDS,
        perSecond: r.perSecond,
        failed: r.failed,
        cpuPct: fix((done.cpuSeconds / (done.wallMs / 1000)) * 100, 0),
      };
    } catch {
      log(`  grpc loop gave no figures: ${done.stderr.trim()}`);
    }
    const best = grpcSteps.filter((s) => s.sustained).at(-1);
    return {
      rate: RATE,
      seconds: SECONDS,
      kinds,
      grpcSteps,
      grpcMaxSustained: best?.rate ?? null,
      grpcLoop,
    };
  } finally {
    target.child.kill('SIGTERM');
    await target.done;
  }
}

function portsOf(
  target: Started,
): Promise<{ http: number; grpc: number; ws: number; tcp: number }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error('bench/kinds-target.ts did not start')),
      15_000,
    );
    target.onLine((line) => {
      clearTimeout(timer);
      resolve(JSON.parse(line) as { http: number; grpc: number; ws: number; tcp: number });
    });
    void target.done.then((f) => reject(new Error(`kinds-target exited: ${f.stderr}`)));
  });
}

/** The section's tables. */
export function renderKinds(r: KindsResult): string {
  const kinds = renderTable(
    [
      'kind',
      'recorded / due',
      'failed',
      'skipped',
      'late p99 ms',
      'p50 ms',
      'CPU % (zerodown)',
      'peak RSS MiB',
      'target %',
      'others %',
    ],
    r.kinds.map((k) => [
      k.kind,
      `${k.totalRequests} / ${k.expected}`,
      k.errors,
      k.skipped,
      k.latenessP99Ms,
      k.p50LatencyMs,
      k.cpuPct,
      k.peakRssMiB,
      k.load.serverPct,
      k.load.othersPct,
    ]),
  );
  const steps = renderTable(
    [
      'grpc target/s',
      'recorded / due',
      'skipped',
      'failed',
      'achieved/s',
      'late p99 ms',
      'CPU %',
      'sustained',
      'failures',
    ],
    r.grpcSteps.map((s) => [
      s.rate,
      `${s.totalRequests} / ${s.expected}`,
      s.skipped,
      s.errors,
      s.rps,
      s.latenessP99Ms,
      s.cpuPct,
      verdict(s.sustained),
      Object.entries(s.errorCodes)
        .map(([c, n]) => `${c}×${n}`)
        .join(' '),
    ]),
  );
  const loop = r.grpcLoop
    ? `plain grpc-js loop (${r.grpcLoop.concurrency} in flight, unpaced, one channel): ${r.grpcLoop.perSecond} calls/s, ${r.grpcLoop.failed} failed, CPU ${r.grpcLoop.cpuPct}%`
    : 'plain grpc-js loop: no figures';
  return [
    kinds,
    '',
    steps,
    '',
    `highest sustained gRPC health rate of one zerodown process (no skip, no failure, late p99 ≤ ${MAX_LATE_P99_MS} ms): ${r.grpcMaxSustained ?? 'none'}/s`,
    loop,
    'A ws probe checks a connection held open (no ping): it costs a lookup, not a round trip;',
    'tcp opens and closes a connection per probe. h2 is not in the table (it needs a TLS target).',
  ].join('\n');
}
