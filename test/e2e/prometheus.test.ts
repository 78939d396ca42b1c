/**
 * A real Prometheus (Debian package) on loopback scrapes `zerodown serve`'s /metrics; a query over
 * its HTTP API returns the probe counters.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { FaultServer, sleep } from '../helpers/fault-server.ts';
import { freePort, startServe, type ServeProcess } from '../helpers/serve.ts';

let target: FaultServer;
let serve: ServeProcess;
before(async () => {
  target = await FaultServer.start();
  serve = await startServe([
    '-u',
    target.url('/p'),
    '--rate',
    '20',
    '--data-dir',
    mkdtempSync(join(tmpdir(), 'zd-')),
  ]);
});
after(async () => {
  await serve.stop();
  await target.close();
});

interface QueryAnswer {
  status: string;
  data: { result: { metric: Record<string, string>; value: [number, string] }[] };
}

test('Prometheus scrapes /metrics and answers for zerodown_probes_total', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'zd-prom-'));
  const config = join(dir, 'prometheus.yml');
  writeFileSync(
    config,
    [
      'global: { scrape_interval: 1s }',
      'scrape_configs:',
      '  - job_name: zerodown',
      `    static_configs: [ { targets: ["${new URL(serve.url).host}"] } ]`,
    ].join('\n'),
  );
  await fetch(`${serve.url}/start`, { method: 'POST' });
  await target.outage({ kind: 'status', status: 503 }, 300);
  const port = await freePort();
  const prom = spawn(
    'prometheus',
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  prom.stderr.on('data', (c: Buffer) => (log += c.toString()));
  try {
    const until = Date.now() + 45_000;
    let series: QueryAnswer['data']['result'] = [];
    while (Date.now() < until) {
      try {
        const res = await fetch(
          `http://127.0.0.1:${port}/api/v1/query?query=zerodown_probes_total`,
        );
        if (res.ok) {
          series = ((await res.json()) as QueryAnswer).data.result;
          if (series.some((s) => s.metric.outcome === '503')) break;
        }
      } catch {
        // Prometheus still starting
      }
      await sleep(500);
    }
    assert.ok(series.length > 0, `no series; prometheus said:\n${log.slice(-2000)}`);
    const ok = series.find((s) => s.metric.outcome === '200');
    const failed = series.find((s) => s.metric.outcome === '503');
    assert.equal(ok?.metric.endpoint, '/p');
    assert.equal(ok?.metric.result, 'ok');
    assert.ok(Number(ok.value[1]) > 0);
    assert.equal(failed?.metric.result, 'fail');
    assert.ok(Number(failed.value[1]) >= 4, `503 count ${failed.value[1]}`);
    const up = await fetch(`http://127.0.0.1:${port}/api/v1/query?query=zerodown_endpoint_up`);
    const upSeries = ((await up.json()) as QueryAnswer).data.result;
    assert.equal(upSeries[0]?.value[1], '1');
  } finally {
    prom.kill('SIGTERM');
    await new Promise((r) => prom.once('exit', r));
  }
});
