/**
 * Agents and a live hub (contract §7) end to end: a real nats-server with JetStream, three real
 * `zerodown agent` processes each probing its own loopback target, and a coordinating
 * `zerodown probe --hub --agents`. Only eu's target has a 1 s outage.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { connect } from '@nats-io/transport-node';
import type { ResultDocument } from '../../src/result.ts';
import { CLI, runCli } from '../helpers/cli.ts';
import { FaultServer, sleep } from '../helpers/fault-server.ts';
import { freePort, startNats, type NatsServer } from '../helpers/nats.ts';
import { startServe } from '../helpers/serve.ts';
import { makeTestCerts } from '../helpers/tls-certs.ts';

const dir = mkdtempSync(join(tmpdir(), 'zerodown-hub-'));
const read = (f: string) => JSON.parse(readFileSync(f, 'utf8')) as ResultDocument;

interface AgentProcess {
  child: ChildProcess;
  stderr: () => string;
}

function startAgent(
  name: string,
  hub: string,
  target: FaultServer,
  env: NodeJS.ProcessEnv = {},
): AgentProcess {
  const config = join(dir, `${name}.yml`);
  writeFileSync(config, `defaults:\n  rate: 20\nendpoints:\n  - url: ${target.url('/health')}\n`);
  const child = spawn(
    process.execPath,
    [CLI, 'agent', '--hub', hub, '--name', name, '-c', config],
    { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } },
  );
  let err = '';
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  return { child, stderr: () => err };
}

async function waitFor(what: string, ok: () => boolean, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

describe('zerodown agent + probe --hub: three agents, one coordinator', () => {
  let nats: NatsServer;
  const targets = new Map<string, FaultServer>();
  const agents = new Map<string, AgentProcess>();
  const names = ['eu', 'us', 'ap'];

  before(async () => {
    nats = await startNats();
    for (const n of [...names, 'hq']) targets.set(n, await FaultServer.start());
    for (const n of names) agents.set(n, startAgent(n, nats.url, targets.get(n)!));
    await waitFor('agents connected', () =>
      [...agents.values()].every((a) => a.stderr().includes('waiting for runs')),
    );
  });
  after(async () => {
    for (const a of agents.values()) a.child.kill('SIGKILL');
    for (const s of targets.values()) await s.close();
    await nats.stop();
  });

  const coordinate = (out: string, duration: string, extra: string[] = []) =>
    runCli(
      [
        'probe',
        '-u',
        targets.get('hq')!.url('/health'),
        '--rate',
        '20',
        '--duration',
        duration,
        '--hub',
        nats.url,
        '--agents',
        names.join(','),
        '--agent',
        'hq',
        '--json',
        out,
        '--no-progress',
        ...extra,
      ],
      { timeoutMs: 40_000 },
    );

  test('merged verdict: fails, the window names exactly eu, every probe counted once', async (t) => {
    const before = new Map([...targets].map(([n, s]) => [n, s.requests]));
    const out = join(dir, 'merged.json');
    const run = coordinate(out, '4s');
    // Once every agent is probing, eu's target goes down for 1 s.
    await waitFor('agents probing', () =>
      names.every((n) => targets.get(n)!.requests - before.get(n)! > 12),
    );
    const outage = await targets.get('eu')!.outage({ kind: 'status', status: 503 }, 1000);
    const r = await run;
    assert.equal(r.code, 1, r.stderr);
    const doc = read(out);
    assert.deepEqual(
      doc.agents!.map((a) => [a.name, a.verdict, a.complete]),
      [
        ['hq', 'pass', true],
        ['eu', 'fail', true],
        ['us', 'pass', true],
        ['ap', 'pass', true],
      ],
    );
    const e = doc.endpoints[0]!;
    assert.equal(e.downtime.windows.length, 1);
    assert.deepEqual(e.downtime.windows[0]!.agents, ['eu']);
    const w = e.byAgent!.eu!.downtime.windows[0]!;
    t.diagnostic(`eu window ${w.durationMs} ms, real outage ${outage.durationMs.toFixed(1)} ms`);
    assert.ok(Math.abs(w.durationMs - outage.durationMs) <= 150, `window ${w.durationMs} ms`);
    for (const n of ['us', 'ap', 'hq']) assert.equal(e.byAgent![n]!.downtime.windows.length, 0);
    // Exactly once: what the targets logged = every vantage's probes + its unrecorded primers.
    const logged = [...targets].reduce((n, [name, s]) => n + s.requests - before.get(name)!, 0);
    assert.equal(e.totalRequests + (doc.engine.primed ?? 0), logged);
    assert.equal(
      e.totalRequests,
      doc.agents!.reduce((n, a) => n + a.totalRequests, 0),
    );
  });

  test('kill -9 of an agent mid-run: inconclusive, exit 6, naming it and from when', async () => {
    const out = join(dir, 'killed.json');
    const base = targets.get('ap')!.requests;
    const run = coordinate(out, '6s');
    await waitFor('ap probing', () => targets.get('ap')!.requests - base > 20);
    agents.get('ap')!.child.kill('SIGKILL');
    const killedAt = Date.now();
    const r = await run;
    assert.equal(r.code, 6, r.stderr);
    const ap = read(out).agents!.find((a) => a.name === 'ap')!;
    assert.equal(ap.complete, false);
    assert.match(ap.reason!, /^heartbeat lost at \d{4}-\d\d-\d\dT[\d:.]+Z/);
    const lostAt = Date.parse(/lost at (\S+)/.exec(ap.reason!)![1]!);
    assert.ok(Math.abs(lostAt - killedAt) < 1000, `lost at ${lostAt - killedAt} ms from the kill`);
    assert.match(r.stdout, /ap/);
    assert.match(r.stderr, /agent ap: heartbeat lost/);
    agents.set('ap', startAgent('ap', nats.url, targets.get('ap')!));
    await waitFor('ap back', () => agents.get('ap')!.stderr().includes('waiting for runs'));
  });

  test('run --hub: a breach seen only by agent eu aborts the deploy and rolls back (exit 5)', async () => {
    const out = join(dir, 'guarded.json');
    const eu = targets.get('eu')!;
    const r = await runCli(
      [
        'run',
        '-u',
        targets.get('hq')!.url('/health'),
        '--rate',
        '20',
        '--warmup',
        '1s',
        '--settle',
        '1s',
        '--hub',
        nats.url,
        '--agents',
        names.join(','),
        '--agent',
        'hq',
        '--abort-on-downtime',
        '300ms',
        '--rollback',
        'echo rolled back',
        '--json',
        out,
        '--no-progress',
        '--',
        'sh',
        '-c',
        `curl -s '${eu.controlUrl(503, 1500)}' >/dev/null; sleep 8`,
      ],
      { timeoutMs: 40_000 },
    );
    assert.equal(r.code, 5, r.stdout + r.stderr);
    const doc = read(out);
    assert.equal(doc.guard!.aborted, true);
    assert.match(
      doc.guard!.breach!.reason,
      /^agent eu: \d+ ms of downtime on \/health during the deploy \(max 300 ms\)/,
    );
    assert.equal(doc.guard!.rollback!.exitCode, 0);
    // Aborted well before the 8 s deploy command would have ended.
    assert.ok(doc.deploy!.durationMs < 4000, `deploy ran ${doc.deploy!.durationMs} ms`);
    assert.deepEqual(
      doc.endpoints[0]!.downtime.windows.map((w) => w.agents),
      [['eu']],
    );
  });

  test('guard.stages[].agents: a stage is judged only by the agents it names', async () => {
    const eu = targets.get('eu')!;
    const staged = (judges: string) => {
      const file = join(dir, `staged-${judges}.yml`);
      writeFileSync(
        file,
        [
          'defaults:',
          '  rate: 20',
          'endpoints:',
          `  - url: ${targets.get('hq')!.url('/health')}`,
          'guard:',
          '  abortOnDowntime: 300ms',
          '  stages:',
          '    - name: wave',
          `      command: "curl -s '${eu.controlUrl(503, 1200)}' >/dev/null; sleep 2.5"`,
          '      rollback: echo undo',
          `      agents: [${judges}]`,
          '',
        ].join('\n'),
      );
      return runCli(
        [
          'run',
          '-c',
          file,
          '--warmup',
          '1s',
          '--settle',
          '1s',
          '--hub',
          nats.url,
          '--agents',
          names.join(','),
          '--agent',
          'hq',
          '--no-progress',
        ],
        { timeoutMs: 40_000 },
      );
    };
    const notJudged = await staged('us');
    // eu's outage is downtime (exit 1) but not a breach of a stage only us judges.
    assert.equal(notJudged.code, 1, notJudged.stdout + notJudged.stderr);
    const judged = await staged('eu');
    assert.equal(judged.code, 5, judged.stdout + judged.stderr);
    assert.match(judged.stdout, /agent eu: \d+ ms of downtime/);
    const bad = await staged('mars');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /guard\.stages\[0\]\.agents: mars is neither in --agents/);
  });

  test('a hub message naming a target is ignored: the agent probes only its own config', async () => {
    const evil = await FaultServer.start();
    const nc = await connect({ servers: nats.url });
    const base = targets.get('us')!.requests;
    const msg = (state: string) =>
      JSON.stringify({
        type: 'control',
        run: 'ssrf',
        agents: ['us'],
        state,
        phase: 'probe',
        phaseIndex: 0,
        endpoints: [{ url: evil.url('/steal') }],
        url: evil.url('/steal'),
        target: evil.url('/steal'),
      });
    nc.publish('zerodown.control', msg('running'));
    await waitFor('us probing its own target', () => targets.get('us')!.requests - base > 10);
    nc.publish('zerodown.control', msg('ended'));
    await nc.drain();
    await sleep(300);
    assert.equal(evil.requests, 0);
    await evil.close();
  });

  test('a missing agent blocks the run: exit 4 after --agents-timeout, naming it', async () => {
    const r = await runCli(
      [
        'probe',
        '-u',
        targets.get('hq')!.url('/'),
        '--duration',
        '1s',
        '--hub',
        nats.url,
        '--agents',
        'eu,nowhere',
        '--agents-timeout',
        '1s',
        '--agent',
        'hq',
      ],
      { timeoutMs: 20_000 },
    );
    assert.equal(r.code, 4, r.stderr);
    assert.match(r.stderr, /agent nowhere did not join within 1000 ms/);
  });
});

test('an agent started without the hub reachable retries, says so, then joins', async () => {
  const port = await freePort();
  const target = await FaultServer.start();
  const a = startAgent('late', `nats://127.0.0.1:${port}`, target);
  try {
    await waitFor('retry message', () => /not reachable .*retrying/.test(a.stderr()), 10_000);
    const nats = await startNats(port);
    try {
      await waitFor('connected', () => a.stderr().includes('waiting for runs'), 10_000);
    } finally {
      await nats.stop();
    }
  } finally {
    a.child.kill('SIGKILL');
    await target.close();
  }
});

test('serve --hub: a coordinator killed mid-run resumes from the stream; every probe counted once', async (t) => {
  const nats = await startNats();
  const targets = new Map<string, FaultServer>();
  for (const n of ['eu', 'us', 'hq']) targets.set(n, await FaultServer.start());
  const agents = ['eu', 'us'].map((n) => startAgent(n, nats.url, targets.get(n)!));
  const data = mkdtempSync(join(tmpdir(), 'zerodown-hub-serve-'));
  const args = [
    '-u',
    targets.get('hq')!.url('/health'),
    '--hub',
    nats.url,
    '--agents',
    'eu,us',
    '--data-dir',
    data,
  ];
  try {
    await waitFor('agents connected', () => agents.every((a) => a.stderr().includes('waiting')));
    const first = await startServe(args);
    assert.equal((await fetch(`${first.url}/start`, { method: 'POST' })).status, 200);
    await waitFor('agents probing', () => ['eu', 'us'].every((n) => targets.get(n)!.requests > 15));
    await first.stop('SIGKILL');
    const killedWith = targets.get('eu')!.requests + targets.get('us')!.requests;
    const second = await startServe(args);
    await waitFor('resumed', () => /resuming hub run/.test(second.output()));
    // The agents kept probing while no coordinator was there.
    await waitFor(
      'more probes',
      () => targets.get('eu')!.requests + targets.get('us')!.requests > killedWith + 40,
    );
    const stop = await fetch(`${second.url}/stop`, { method: 'POST' });
    assert.equal(stop.status, 200);
    const doc = (await stop.json()) as ResultDocument;
    await second.stop();
    assert.deepEqual(
      doc.agents!.map((a) => [a.name, a.complete]),
      [
        ['eu', true],
        ['us', true],
      ],
    );
    const logged = targets.get('eu')!.requests + targets.get('us')!.requests;
    const e = doc.endpoints[0]!;
    t.diagnostic(
      `${e.totalRequests} probes + ${doc.engine.primed} primers; targets logged ${logged} (${killedWith} before the kill)`,
    );
    assert.equal(e.totalRequests + (doc.engine.primed ?? 0), logged);
    assert.equal(doc.verdict, 'pass');
  } finally {
    for (const a of agents) a.child.kill('SIGKILL');
    for (const s of targets.values()) await s.close();
    await nats.stop();
  }
});

test('a hub with a password: the right one joins, a wrong one is exit 2 (ZD_HUB) without the password', async () => {
  const nats = await startNats(undefined, ['--user', 'zd', '--pass', 's3cret']);
  const target = await FaultServer.start();
  const good = `nats://zd:s3cret@127.0.0.1:${nats.port}`;
  const a = startAgent('auth', good, target);
  try {
    await waitFor('agent connected', () => a.stderr().includes('waiting for runs'), 10_000);
    const r = await runCli(
      [
        'probe',
        '-u',
        target.url('/'),
        '--duration',
        '1s',
        '--hub',
        `nats://zd:wrong@127.0.0.1:${nats.port}`,
        '--agents',
        'auth',
      ],
      { timeoutMs: 30_000 },
    );
    assert.equal(r.code, 2, r.stderr);
    assert.match(
      r.stderr,
      /hub nats:\/\/(zd:)?\*\*\*@127\.0\.0\.1:\d+ refused the connection: .*authorization/i,
    );
    assert.doesNotMatch(r.stderr, /wrong/);
  } finally {
    a.child.kill('SIGKILL');
    await target.close();
    await nats.stop();
  }
});

test('the hub restarting mid-run: agents keep their batches and resend them; each counted once', async (t) => {
  const nats = await startNats();
  const targets = ['eu', 'us'].map(() => FaultServer.start());
  const [eu, us] = await Promise.all(targets);
  const agents = [startAgent('eu', nats.url, eu!), startAgent('us', nats.url, us!)];
  const out = join(dir, 'hub-restart.json');
  try {
    await waitFor('agents connected', () => agents.every((a) => a.stderr().includes('waiting')));
    const hq = await FaultServer.start();
    const run = runCli(
      [
        'probe',
        '-u',
        hq.url('/health'),
        '--rate',
        '20',
        '--duration',
        '6s',
        '--hub',
        nats.url,
        '--agents',
        'eu,us',
        '--agent',
        'hq',
        '--json',
        out,
        '--no-progress',
      ],
      { timeoutMs: 40_000 },
    );
    await waitFor('agents probing', () => eu!.requests > 20 && us!.requests > 20);
    await nats.stop(true);
    await sleep(1200);
    await nats.restart();
    const r = await run;
    const hqLogged = hq.requests;
    await hq.close();
    const doc = read(out);
    t.diagnostic(
      agents
        .map((a) => a.stderr())
        .join('')
        .split('\n')
        .filter((l) => /hub|publish/.test(l))
        .join(' | '),
    );
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const byAgent = doc.endpoints[0]!.byAgent!;
    const logged = eu!.requests + us!.requests;
    const counted = byAgent.eu!.totalRequests + byAgent.us!.totalRequests;
    // Primers (unrecorded, opening connections): the merged engine sums every vantage's; hq's
    // are what its own target logged beyond its probes.
    const agentPrimers = (doc.engine.primed ?? 0) - (hqLogged - byAgent.hq!.totalRequests);
    assert.equal(counted + agentPrimers, logged, `counted ${counted} + ${agentPrimers} primers`);
    assert.ok(agents.every((a) => /publishing to the hub again|reconnected/.test(a.stderr())));
  } finally {
    for (const a of agents) a.child.kill('SIGKILL');
    await eu!.close();
    await us!.close();
    await nats.stop();
  }
});

test('tls:// hub: an agent trusting the CA (NODE_EXTRA_CA_CERTS) joins over TLS', async () => {
  const certs = makeTestCerts();
  writeFileSync(join(certs.dir, 'hub.crt'), certs.valid.cert);
  writeFileSync(join(certs.dir, 'hub.key'), certs.valid.key);
  const nats = await startNats(undefined, [
    '--tls',
    '--tlscert',
    join(certs.dir, 'hub.crt'),
    '--tlskey',
    join(certs.dir, 'hub.key'),
  ]);
  const target = await FaultServer.start();
  const a = startAgent('tls', `tls://127.0.0.1:${nats.port}`, target, {
    NODE_EXTRA_CA_CERTS: certs.caFile,
  });
  const plain = startAgent('plain', `tls://127.0.0.1:${nats.port}`, target);
  try {
    await waitFor('agent connected', () => a.stderr().includes('waiting for runs'), 10_000).catch(
      (err: Error) => {
        throw new Error(`${err.message}: ${a.stderr()}`);
      },
    );
    // Without the CA the certificate is not trusted: it keeps retrying and says why.
    await waitFor('untrusted', () => /not reachable .*certificate/i.test(plain.stderr()), 10_000);
  } finally {
    a.child.kill('SIGKILL');
    plain.child.kill('SIGKILL');
    await target.close();
    await nats.stop();
  }
});
