/**
 * Section 7 — merge overhead of a hub run: 10 agents × 1000 probes/s into one coordinator over
 * a real nats-server (JetStream, file store in a temp folder). The agents are in-process
 * publishers of real probe records in one child process (bench/hub-publishers.ts: ten probing
 * processes would measure the 2-core machine, not the merge); the coordinator is this process:
 * a `HubCoordinator` reading the stream, rebuilding each agent's endpoint results and building
 * the merged document once a second as `/stats` would.
 *
 * Figures: the coordinator's CPU (user + system over the steady window, % of one core) and the
 * delay from a probe's completion (its agent's wall clock) to the moment the coordinator counted
 * it (p50, p99, max), beside the reporting intervals of k6-operator and Locust.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { HubCoordinator } from '../../src/hub/coordinator.ts';
import { fix, renderTable } from '../lib/table.ts';
import { endpointConfig } from '../../test/helpers/config.ts';
import { startNats } from '../../test/helpers/nats.ts';
import { ROOT } from '../lib/tools.ts';

const AGENTS = 10;
const RATE = 1000;
const SECONDS = 15;
/** The first seconds are start-up (JIT, consumer creation): not in the CPU figure. */
const STEADY_FROM_S = 3;

/** The section's figures. */
export interface HubFigures {
  agents: number;
  ratePerAgent: number;
  seconds: number;
  publishers: 'in-process publishers in one child process';
  recordsExpected: number;
  recordsMerged: number;
  coordinatorCpuPercent: number | null;
  delayMs: { p50: number | null; p99: number | null; max: number | null };
  mergedDocumentMs: { p50: number | null; max: number | null };
  verdict: string;
}

/** Runs the section. */
export async function runHub(log: (line: string) => void): Promise<HubFigures> {
  const nats = await startNats();
  const names = Array.from({ length: AGENTS }, (_, i) => `a${i}`);
  const config = endpointConfig('http://127.0.0.1:9/health');
  const c = new HubCoordinator(config, { url: nats.url }, names, () => undefined);
  const delays: number[] = [];
  c.onBatch = (b) => {
    const zero = Date.parse(b.startedAt);
    const now = Date.now();
    for (const r of b.records) delays.push(now - (zero + r.scheduledMs + r.latencyMs));
  };
  try {
    await c.connect();
    const child = spawn(
      process.execPath,
      [
        join(ROOT, 'bench', 'hub-publishers.ts'),
        nats.url,
        c.run,
        String(AGENTS),
        String(RATE),
        String(SECONDS),
      ],
      { stdio: ['pipe', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', r));
    while (!out.includes('ready')) await new Promise((r) => setTimeout(r, 20));
    await c.waitForAgents(10_000);
    await c.start('probe');
    child.stdin.end('go\n');
    log(`  ${AGENTS} agents × ${RATE}/s for ${SECONDS} s over ${nats.url}`);
    const buildMs: number[] = [];
    let cpu0: NodeJS.CpuUsage | undefined;
    let t0 = 0;
    let cpuPercent: number | null = null;
    const startMs = performance.now();
    const steadyTo = (SECONDS - 0.5) * 1000;
    while (performance.now() - startMs < steadyTo) {
      await new Promise((r) => setTimeout(r, 1000));
      const b0 = performance.now();
      c.merged(undefined, true);
      buildMs.push(performance.now() - b0);
      const since = performance.now() - startMs;
      if (cpu0 === undefined && since >= STEADY_FROM_S * 1000) {
        cpu0 = process.cpuUsage();
        t0 = performance.now();
      }
    }
    if (cpu0) {
      const used = process.cpuUsage(cpu0);
      cpuPercent = ((used.user + used.system) / 1000 / (performance.now() - t0)) * 100;
    }
    await exited;
    const doc = await c.finish(undefined);
    const merged = doc.endpoints[0]?.totalRequests ?? 0;
    delays.sort((a, b) => a - b);
    buildMs.sort((a, b) => a - b);
    return {
      agents: AGENTS,
      ratePerAgent: RATE,
      seconds: SECONDS,
      publishers: 'in-process publishers in one child process',
      recordsExpected: AGENTS * RATE * SECONDS,
      recordsMerged: merged,
      coordinatorCpuPercent: fix(cpuPercent),
      delayMs: {
        p50: fix(percentileOf(delays, 50)),
        p99: fix(percentileOf(delays, 99)),
        max: fix(delays.at(-1)),
      },
      mergedDocumentMs: { p50: fix(percentileOf(buildMs, 50)), max: fix(buildMs.at(-1)) },
      verdict: doc.verdict,
    };
  } finally {
    await c.close();
    await nats.stop();
  }
}

/** The section's table. */
export function renderHub(f: HubFigures): string {
  return renderTable(
    ['', 'reporting interval', 'probe → merged view p50', 'p99', 'max'],
    [
      [
        `zerodown hub (${f.agents} × ${f.ratePerAgent}/s)`,
        '200 ms batches',
        `${f.delayMs.p50} ms`,
        `${f.delayMs.p99} ms`,
        `${f.delayMs.max} ms`,
      ],
      ['k6-operator (documented)', '5 s', '—', '—', '—'],
      ['Locust workers (documented)', '3 s', '—', '—', '—'],
    ],
  ).concat(
    `\ncoordinator CPU: ${f.coordinatorCpuPercent}% of one core; merged document built in ${f.mergedDocumentMs.p50} ms (p50), ${f.mergedDocumentMs.max} ms (max)` +
      `\nrecords merged: ${f.recordsMerged} of ${f.recordsExpected} published (each once); verdict ${f.verdict}`,
  );
}

/** The p-th percentile (nearest rank) of sorted values; null when there are none. */
function percentileOf(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}
