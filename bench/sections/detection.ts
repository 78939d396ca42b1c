/**
 * Section 4 — detection: three 1000 ms outages (503, refused, reset) of a scripted node target
 * (bench/outage-server.ts), probed at 100/s by zerodown, autocannon and loadtest in turn. The
 * server's own record of each outage is the reference.
 */
import { join } from 'node:path';
import { delay, SERVER_CPU, startChild } from '../lib/proc.ts';
import { fix, renderTable, type Cell } from '../lib/table.ts';
import { ROOT, runAutocannon, runLoadtest, runZerodown } from '../lib/tools.ts';

const RATE = 100;
const OUTAGE_MS = 1000;
/** The outage starts this long after the server's first request. */
const AFTER_MS = 1500;
const RUN_SECONDS = 4;
const MODES = ['503', 'refuse', 'reset'] as const;
const TOOLS = ['zerodown', 'autocannon', 'loadtest'] as const;

/** The server's record of the outage and what it did. */
export interface ServerRecord {
  outageStartMs: number | null;
  outageEndMs: number | null;
  outageMs: number | null;
  requests: number;
  ok: number;
  answered503: number;
  resets: number;
  duringOutage: number;
}

/** One tool against one outage. */
export interface DetectionTrial {
  mode: (typeof MODES)[number];
  tool: (typeof TOOLS)[number];
  server: ServerRecord;
  /** Requests / responses the tool counted. */
  total: number;
  failed: number;
  /** What the failures were, as the tool names them. */
  codes: Record<string, number>;
  /** zerodown only: its windows. */
  windows?: {
    count: number;
    durationMs: number | null;
    totalMs: number;
    /** Window start minus the server's outage start, ms (absolute clocks). */
    startOffsetMs: number | null;
    /** Window end minus the server's outage end, ms. */
    endOffsetMs: number | null;
    /** Window duration minus the server's outage length, ms. */
    errorMs: number | null;
  };
}

/** Results of section 4. */
export interface DetectionResult {
  rate: number;
  outageMs: number;
  trials: DetectionTrial[];
}

/** Runs section 4. */
export async function runDetection(log: (t: string) => void): Promise<DetectionResult> {
  const trials: DetectionTrial[] = [];
  for (const mode of MODES) {
    for (const tool of TOOLS) {
      log(`  ${mode} outage, ${tool}…`);
      trials.push(await trial(mode, tool));
      await delay(200);
    }
  }
  return { rate: RATE, outageMs: OUTAGE_MS, trials };
}

async function trial(
  mode: DetectionTrial['mode'],
  tool: DetectionTrial['tool'],
): Promise<DetectionTrial> {
  const server = startChild(
    process.execPath,
    [
      join(ROOT, 'bench', 'outage-server.ts'),
      '--mode',
      mode,
      '--outage-ms',
      String(OUTAGE_MS),
      '--after-ms',
      String(AFTER_MS),
      '--life-ms',
      String((RUN_SECONDS + 30) * 1000),
    ],
    { cpu: SERVER_CPU, limitMs: (RUN_SECONDS + 40) * 1000 },
  );
  const events: Record<string, Record<string, unknown>> = {};
  let onListening: (port: number) => void = () => undefined;
  const listening = new Promise<number>((resolve) => (onListening = resolve));
  server.onLine((line) => {
    if (!line.startsWith('{')) return;
    const e = JSON.parse(line) as { event: string; port?: number };
    events[e.event] = e;
    if (e.event === 'listening') onListening(e.port!);
  });
  const port = await Promise.race([listening, delay(10_000).then(() => undefined)]);
  if (port === undefined) {
    server.child.kill('SIGTERM');
    const f = await server.done;
    throw new Error(`outage server did not start: ${f.stderr.trim()}`);
  }
  const url = `http://127.0.0.1:${port}/`;
  let result: Omit<DetectionTrial, 'server' | 'windows'>;
  let zdWindow: { startEpochMs: number; endEpochMs: number; durationMs: number } | undefined;
  let zdWindows: { count: number; totalMs: number } | undefined;
  if (tool === 'zerodown') {
    const run = await runZerodown({ url, rate: RATE, durationMs: RUN_SECONDS * 1000 });
    const ep = run.result.endpoints[0]!;
    const origin = Date.parse(run.result.startedAt);
    const w = ep.downtime.windows[0];
    if (w) {
      zdWindow = {
        startEpochMs: origin + w.startMs,
        endEpochMs: origin + w.endMs,
        durationMs: w.durationMs,
      };
    }
    zdWindows = { count: ep.downtime.windows.length, totalMs: ep.downtime.totalMs };
    result = {
      mode,
      tool,
      total: ep.totalRequests,
      failed: ep.totalErrors,
      codes: ep.errorCodes,
    };
  } else if (tool === 'autocannon') {
    const r = (await runAutocannon({ url, rate: RATE, durationS: RUN_SECONDS })).report;
    const codes: Record<string, number> = {};
    if (r.non2xx) codes.non2xx = r.non2xx;
    if (r.errors) codes.errors = r.errors;
    if (r.timeouts) codes.timeouts = r.timeouts;
    if (r.resets) codes.resets = r.resets;
    result = {
      mode,
      tool,
      total: r['2xx'] + r.non2xx + r.errors,
      failed: r.non2xx + r.errors + r.timeouts,
      codes,
    };
  } else {
    const r = (await runLoadtest({ url, rate: RATE, durationS: RUN_SECONDS })).report;
    result = { mode, tool, total: r.completed, failed: r.errors, codes: r.errorCodes };
  }
  server.child.kill('SIGTERM');
  await server.done;
  const s = (events.summary ?? {}) as unknown as ServerRecord;
  const record: ServerRecord = {
    outageStartMs: s.outageStartMs ?? null,
    outageEndMs: s.outageEndMs ?? null,
    outageMs: fix(s.outageMs, 3),
    requests: s.requests ?? 0,
    ok: s.ok ?? 0,
    answered503: s.answered503 ?? 0,
    resets: s.resets ?? 0,
    duringOutage: s.duringOutage ?? 0,
  };
  const out: DetectionTrial = { ...result, server: record };
  if (zdWindows) {
    const w = zdWindow;
    const start = record.outageStartMs;
    const end = record.outageEndMs;
    out.windows = {
      count: zdWindows.count,
      totalMs: zdWindows.totalMs,
      durationMs: w?.durationMs ?? null,
      startOffsetMs: w && start !== null ? fix(w.startEpochMs - start, 1) : null,
      endOffsetMs: w && end !== null ? fix(w.endEpochMs - end, 1) : null,
      errorMs:
        zdWindow && record.outageMs !== null ? fix(zdWindow.durationMs - record.outageMs, 1) : null,
    };
  }
  return out;
}

/** The section's table. */
export function renderDetection(r: DetectionResult): string {
  const interval = 1000 / r.rate;
  const rows: Cell[][] = r.trials.map((t) => [
    t.mode,
    t.server.outageMs === null ? null : fix(t.server.outageMs, 1),
    t.tool,
    t.windows ? t.windows.count : 'no windows',
    t.windows ? t.windows.durationMs : null,
    t.windows ? t.windows.errorMs : null,
    t.windows ? t.windows.startOffsetMs : null,
    t.windows ? t.windows.endOffsetMs : null,
    t.total,
    t.failed,
    t.windows ? null : fix(t.failed * interval, 0),
    Object.entries(t.codes)
      .map(([c, n]) => `${c}×${n}`)
      .join(' '),
    t.mode === '503'
      ? `503×${t.server.answered503}`
      : t.mode === 'reset'
        ? `reset×${t.server.resets}`
        : 'refused by kernel',
  ]);
  const table = renderTable(
    [
      'outage',
      'server ms',
      'tool',
      'windows',
      'window ms',
      'error ms',
      'start off',
      'end off',
      'requests',
      'failed',
      `failed×${interval}ms`,
      'failures as the tool reports them',
      'server did',
    ],
    rows,
  );
  const notes = [
    `Outage target: bench/outage-server.ts (a child on the server core), down for ${r.outageMs} ms starting`,
    `${AFTER_MS} ms after its first request; "server ms" is the length it logged (switch to switch,`,
    `sub-ms clock). Each tool probes at ${r.rate}/s for ${RUN_SECONDS} s. zerodown's window: duration, its error`,
    'against the server, and the offsets of its start/end from the server-logged switch times',
    '(zerodown startedAt + window.startMs, epoch ms; both processes read the same system clock).',
    `autocannon and loadtest have no downtime windows: only counts. "failed×${interval}ms" is what those`,
    'counts would mean if every failure were one consecutive probe interval — an estimate, not a',
    'measurement (autocannon counts connection errors, not requests, and reconnects at once).',
  ];
  return [table, '', ...notes].join('\n');
}
