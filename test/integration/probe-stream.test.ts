/**
 * The probe stream against a real local server with a real outage: the stream a run writes
 * rebuilds the very document the run made (deep-equal, every field), a cut stream rebuilds
 * what it can and is marked interrupted, and a slow reader never grows memory without bound.
 */
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { SessionHistory } from '../../src/history/plan.ts';
import { decideOutcome } from '../../src/outcome.ts';
import { runProbe } from '../../src/run.ts';
import { readProbeStream } from '../../src/stream/read.ts';
import { ProbeStreamWriter } from '../../src/stream/writer.ts';
import { endpointConfig } from '../helpers/config.ts';
import { FaultServer, sleep } from '../helpers/fault-server.ts';

const dir = mkdtempSync(join(tmpdir(), 'zd-stream-'));

describe('probe stream round trip', () => {
  let server: FaultServer;
  before(async () => (server = await FaultServer.start()));
  after(() => server.close());

  test('a run with an outage rebuilds to the same document', async () => {
    const config = endpointConfig(server.url('/'), { rate: 200, timeout: '300ms' });
    const file = join(dir, 'run.ndjson');
    const out = new ProbeStreamWriter(file, config);
    const run = runProbe({ config, durationMs: 1500, out, agent: 'here' });
    await sleep(400);
    await server.outage({ kind: 'status', status: 503 }, 300);
    const { result } = await run;
    await out.close();
    assert.equal(result.verdict, 'fail');
    const { result: rebuilt, notes } = await readProbeStream(file);
    assert.deepEqual(notes, []);
    // Compared as written (JSON): the document a run saves and the one rebuilt.
    assert.deepEqual(JSON.parse(JSON.stringify(rebuilt)), JSON.parse(JSON.stringify(result)));
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    assert.equal((JSON.parse(lines[0]!) as { type: string }).type, 'run');
    assert.equal((JSON.parse(lines.at(-1)!) as { type: string }).type, 'end');
    assert.equal(lines.length, 3 + result.endpoints[0]!.totalRequests, 'run, phase, probes, end');

    // Cut: no end line and half a last line, as a killed writer leaves it.
    const cut = join(dir, 'cut.ndjson');
    writeFileSync(cut, `${lines.slice(0, 200).join('\n')}\n${lines[200]!.slice(0, 40)}`);
    const partial = await readProbeStream(cut);
    assert.equal(partial.result.verdict, 'interrupted');
    assert.equal(partial.result.endedBy, 'stream-cut');
    assert.equal(partial.result.endpoints[0]!.totalRequests, 198);
    assert.match(decideOutcome(partial.result).sentence, /probe stream ends without the end line/);
    assert.match(partial.notes.join('\n'), /last line \(201\) was cut short/);

    // An end line that says probe lines were dropped: rebuilt, but never as the run's verdict.
    const end = JSON.parse(lines.at(-1)!) as { dropped: number };
    end.dropped = 7;
    const lossy = join(dir, 'lossy.ndjson');
    writeFileSync(lossy, `${[...lines.slice(0, -1), JSON.stringify(end)].join('\n')}\n`);
    const dropped = await readProbeStream(lossy);
    assert.equal(dropped.result.verdict, 'interrupted');
    assert.equal(dropped.result.endedBy, 'stream-dropped');
    assert.match(dropped.notes.join('\n'), /dropped 7 probe lines/);
  });

  test('learned budgets, a latency baseline and a trend travel in the run line', async () => {
    const config = endpointConfig(server.url('/'), { rate: 100 });
    const key = 'service=t endpoint=/ agent=here connection=keepalive';
    // As history/plan.ts makes them: learned (no budget at all: maxDowntimeMs undefined), a
    // baseline far below this target's latency (so the endpoint turns degraded), a trend.
    const history: SessionHistory = {
      budgets: [
        {
          maxDowntimeMs: undefined,
          source: { kind: 'learned', runs: 30, percentile: 99, key, maxDowntimeMs: null, days: 21 },
        },
      ],
      latency: [
        {
          key,
          runs: 30,
          sampleMs: Array.from({ length: 50 }, () => 0.001),
          rule: { ratio: 1.01, minMs: 0, alpha: 0.5 },
        },
      ],
      trend: [[{ startedAt: '2026-01-01T00:00:00.000Z', downtimeMs: 12, verdict: 'pass' }]],
    };
    const file = join(dir, 'learned.ndjson');
    const out = new ProbeStreamWriter(file, config);
    const { result } = await runProbe({ config, durationMs: 400, out, history });
    await out.close();
    const e = result.endpoints[0]!;
    assert.equal(e.budgetSource?.kind, 'learned');
    assert.equal(e.verdict, 'degraded', e.reason);
    const { result: rebuilt } = await readProbeStream(file);
    assert.deepEqual(JSON.parse(JSON.stringify(rebuilt)), JSON.parse(JSON.stringify(result)));
  });

  test('a malformed line names its line number and field', async () => {
    const config = endpointConfig(server.url('/'), { rate: 50 });
    const file = join(dir, 'short.ndjson');
    const out = new ProbeStreamWriter(file, config);
    await runProbe({ config, durationMs: 200, out });
    await out.close();
    const lines = readFileSync(file, 'utf8').split('\n');
    const bad = JSON.parse(lines[3]!) as Record<string, unknown>;
    bad.scheduledMs = 'soon';
    lines[3] = JSON.stringify(bad);
    writeFileSync(file, lines.join('\n'));
    await assert.rejects(readProbeStream(file), {
      code: 'ZD_PROBES_INVALID',
      message: /short\.ndjson:4: scheduledMs: expected a finite number/,
    });
  });

  test('a reader that never reads: probe lines drop (counted), the probe loop is not held', async () => {
    // A FIFO whose reader sleeps and never reads: the pipe (64 KiB) fills at once.
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const reader = spawn('sh', ['-c', `exec 3<"${fifo}"; exec sleep 4`], { stdio: 'ignore' });
    const config = endpointConfig(server.url('/'), { rate: 1000, timeout: '300ms' });
    const warnings: string[] = [];
    const out = new ProbeStreamWriter(fifo, config, {
      maxPendingBytes: 64 * 1024,
      warn: (l) => warnings.push(l),
    });
    const { result } = await runProbe({ config, durationMs: 1500, out });
    const e = result.endpoints[0]!;
    // 1000/s for 1.5 s: every probe sent and counted, however stuck the stream is.
    assert.ok(e.totalRequests >= 1450, `${e.totalRequests} probes`);
    assert.equal(e.skipped, 0);
    assert.ok(out.droppedLines > 500, `${out.droppedLines} dropped`);
    assert.match(
      warnings.join('\n'),
      /reader is too slow \(64 KiB waiting\); dropping probe lines/,
    );
    // The reader still does not read: close() gives up after its wait instead of hanging.
    const t0 = performance.now();
    await out.close(1000);
    const waited = performance.now() - t0;
    assert.ok(waited >= 900 && waited < 3000, `close() took ${waited} ms`);
    assert.match(
      warnings.join('\n'),
      /took more than 1 s; \d+ bytes of the stream are not written/,
    );
    reader.kill('SIGKILL');
  });
});
