/**
 * The scenario harness itself: every process a scenario starts ends with it, whether the test
 * ends it, a deploy script started it, or the test process dies without cleaning up.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { alive, registered } from './harness/processes.ts';
import { DEPLOY_DIR, Scenario } from './harness/scenario.ts';

async function waitUntil(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return check();
}

describe('scenario harness', () => {
  const sc = Scenario.create('harness');
  after(() => sc.end());

  test('end() ends nginx, its workers, and backends a deploy script started', async () => {
    const app = await sc.backend({ name: 'app', version: 'v1' });
    const nginx = await sc.nginx({ upstream: [app.port] });
    const extra = await sc.port('extra');
    // As a deploy script does: lib.sh's start_backend, in the background, then the shell exits.
    const r = spawnSync(
      'bash',
      ['-c', `source ${join(DEPLOY_DIR, 'lib.sh')}; start_backend extra ${extra} v9`],
      {
        env: {
          ...process.env,
          SCENARIO_DIR: sc.dir,
          ZD_NODE: process.execPath,
          BACKEND_TS: join(DEPLOY_DIR, '..', 'harness', 'backend.ts'),
          ZD_PARENT_PID: String(process.pid),
        },
      },
    );
    assert.equal(r.status, 0, r.stderr.toString());
    await sc.waitForEvent((e) => e.name === 'extra', 'listening');
    const nginxMaster = registered(sc.dir).find((p) => p.label.includes('nginx'))!.pid;
    const workers = spawnSync('ps', ['--ppid', String(nginxMaster), '-o', 'pid='])
      .stdout.toString()
      .trim()
      .split(/\s+/)
      .map(Number);
    const pids = [...registered(sc.dir).map((p) => p.pid), ...workers];
    assert.ok(pids.length >= 4, `registered: ${pids.join(', ')}`);
    await sc.end();
    assert.deepEqual(
      pids.filter((p) => alive(p)),
      [],
    );
    await assert.rejects(fetch(nginx.url('/')));
  });

  test('the watchdog ends them when the test process is killed', async () => {
    const scenarioTs = new URL('./harness/scenario.ts', import.meta.url).href;
    const script = `
      import { Scenario } from ${JSON.stringify(scenarioTs)};
      const sc = Scenario.create('orphans');
      const app = await sc.backend({ name: 'app', version: 'v1' });
      await sc.nginx({ upstream: [app.port] });
      const { registered } = await import(${JSON.stringify(new URL('./harness/processes.ts', import.meta.url).href)});
      console.log(JSON.stringify(registered(sc.dir).map((p) => p.pid)));
      setInterval(() => {}, 1000);
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const [line] = (await once(child.stdout, 'data')) as [Buffer];
    const pids = JSON.parse(line.toString()) as number[];
    assert.ok(pids.length >= 2 && pids.every((p) => alive(p)), `started: ${pids.join(', ')}`);
    child.kill('SIGKILL');
    // The watchdog polls every 300 ms; the backends' own parent check every 500 ms.
    assert.ok(await waitUntil(() => pids.every((p) => !alive(p)), 3000), 'all gone');
  });
});
