/**
 * The guard with a real Prometheus (Debian package) on loopback scraping a test service: a firing
 * alarm query blocks a deploy; a counter that drops to zero during a deploy triggers the rollback.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runDeploy } from '../../src/run.ts';
import { configOf } from '../helpers/config.ts';
import { sleep } from '../helpers/fault-server.ts';
import { freePort } from '../helpers/serve.ts';

/** A service that counts orders while it works, and exposes the counters to Prometheus. */
let orders = 0;
let errors = 0;
let working = true;
const service = http.createServer((req, res) => {
  if (req.url === '/metrics') {
    res.setHeader('content-type', 'text/plain; version=0.0.4');
    res.end(
      `# TYPE orders_total counter\norders_total ${orders}\n# TYPE order_errors_total counter\norder_errors_total ${errors}\n`,
    );
  } else if (req.url === '/stop-working') {
    working = false;
    res.end('stopped');
  } else if (req.url === '/start-working') {
    working = true;
    res.end('working');
  } else res.end('ok');
});
const ticker = setInterval(() => working && (orders += 5), 100);
let prom: ChildProcess;
let promUrl: string;
let svcUrl: string;

before(async () => {
  service.listen(0, '127.0.0.1');
  await once(service, 'listening');
  svcUrl = `http://127.0.0.1:${(service.address() as AddressInfo).port}`;
  const dir = mkdtempSync(join(tmpdir(), 'zd-prom-guard-'));
  writeFileSync(
    join(dir, 'prometheus.yml'),
    `global: { scrape_interval: 500ms, evaluation_interval: 1s }\nscrape_configs:\n  - job_name: svc\n    static_configs: [ { targets: ["${new URL(svcUrl).host}"] } ]\n`,
  );
  const port = await freePort();
  promUrl = `http://127.0.0.1:${port}`;
  prom = spawn(
    'prometheus',
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    {
      stdio: 'ignore',
    },
  );
  // Ready once a rate over the counter has data.
  const until = Date.now() + 45_000;
  for (;;) {
    try {
      const r = await fetch(
        `${promUrl}/api/v1/query?query=${encodeURIComponent('rate(orders_total[3s])')}`,
      );
      const body = (await r.json()) as { data: { result: { value: [number, string] }[] } };
      if (Number(body.data.result[0]?.value[1]) > 0) break;
    } catch {
      // starting
    }
    if (Date.now() > until) throw new Error('Prometheus did not get data in time');
    await sleep(500);
  }
});
after(async () => {
  clearInterval(ticker);
  prom.kill('SIGTERM');
  await once(prom, 'exit');
  service.close();
});

const quiet = { stdout: () => undefined, stderr: () => undefined };

test('a firing alarm query blocks the deploy (exit 4)', async () => {
  errors = 7;
  await sleep(1500); // two scrapes
  const config = configOf({
    endpoints: [{ url: `${svcUrl}/` }],
    phases: { warmup: '200ms', settle: '200ms' },
    guard: {
      blockers: {
        alarms: [
          {
            name: 'order errors',
            prometheus: { url: promUrl, query: 'order_errors_total', condition: '> 0' },
          },
        ],
      },
    },
  });
  const { result, exitCode } = await runDeploy({ config, command: ['true'], output: quiet });
  errors = 0;
  assert.equal(exitCode, 4);
  assert.match(result.blocked!.reason, /order errors: firing: value 7 > 0/);
});

test('a counter that drops to zero during the deploy triggers the rollback (exit 5)', async () => {
  const config = configOf({
    endpoints: [{ url: `${svcUrl}/` }],
    phases: { warmup: '300ms', settle: '500ms' },
    guard: {
      rollback: `curl -s ${svcUrl}/start-working`,
      thresholds: [
        {
          prometheus: {
            name: 'orders flowing',
            url: promUrl,
            query: 'rate(orders_total[2s])',
            condition: '== 0',
            interval: '500ms',
          },
        },
      ],
    },
  });
  const { result, exitCode } = await runDeploy({
    config,
    command: ['sh', '-c', `curl -s ${svcUrl}/stop-working; sleep 60`],
    output: quiet,
  });
  assert.equal(exitCode, 5, JSON.stringify(result.guard));
  assert.equal(result.guard!.breach!.threshold, 'prometheus:orders flowing');
  assert.equal(result.guard!.rollback!.exitCode, 0);
  assert.equal(working, true, 'the rollback restarted the work');
  assert.ok(result.guard!.rollback!.startMs - result.guard!.breach!.measurableAtMs < 1000);
});
