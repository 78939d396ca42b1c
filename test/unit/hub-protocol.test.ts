/** The hub's messages and URLs (src/hub/protocol.ts, connect.ts) and an agent's view (agent-view.ts). */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { AgentView } from '../../src/hub/agent-view.ts';
import { connectOptions, redactHub } from '../../src/hub/connect.ts';
import { parseBatch, parseControl, type Batch } from '../../src/hub/protocol.ts';
import { probeRecord } from '../../src/probe/record.ts';
import { endpointConfig } from '../helpers/config.ts';

test('a control message keeps only run, agents, state and phase: a target in it is dropped', () => {
  const c = parseControl({
    type: 'control',
    run: 'r1',
    agents: ['eu'],
    state: 'running',
    phase: 'deploy',
    phaseIndex: 1,
    url: 'http://169.254.169.254/latest/meta-data',
    endpoints: [{ url: 'http://10.0.0.1/' }],
  });
  assert.deepEqual(c, {
    type: 'control',
    run: 'r1',
    agents: ['eu'],
    state: 'running',
    phase: 'deploy',
    phaseIndex: 1,
  });
  assert.equal(
    parseControl({ type: 'control', run: '../x', agents: [], state: 'running' }),
    undefined,
  );
  assert.equal(
    parseControl({
      type: 'control',
      run: 'r',
      agents: ['a'],
      state: 'go',
      phase: 'p',
      phaseIndex: 0,
    }),
    undefined,
  );
  assert.equal(parseControl('nope'), undefined);
});

test('hub URLs: user and password, tls://, several servers, creds file; bad ones are ZD_USAGE', () => {
  const o = connectOptions({ url: 'nats://zd:s3cret@127.0.0.1:4333,nats://[::1]' });
  assert.deepEqual(o.servers, ['127.0.0.1:4333', '[::1]:4222']);
  assert.equal(o.user, 'zd');
  assert.equal(o.pass, 's3cret');
  assert.equal(o.tls, undefined);
  assert.deepEqual(connectOptions({ url: 'tls://hub:4222' }).tls, {});
  assert.throws(() => connectOptions({ url: 'http://hub' }), {
    code: 'ZD_USAGE',
    message: /nats:\/\/ or tls:\/\//,
  });
  assert.throws(() => connectOptions({ url: 'nats://hub', creds: '/nonexistent/x.creds' }), {
    code: 'ZD_USAGE',
    message: /--hub-creds: cannot read/,
  });
  const dir = mkdtempSync(join(tmpdir(), 'zd-creds-'));
  writeFileSync(join(dir, 'u.creds'), 'not really creds');
  assert.equal(
    typeof connectOptions({ url: 'nats://hub', creds: join(dir, 'u.creds') }).authenticator,
    'function',
  );
  assert.equal(redactHub('nats://zd:s3cret@h:1'), 'nats://zd:***@h:1');
});

function batch(n: number, seqs: number[], extra: Partial<Batch> = {}): Batch {
  const records = seqs.map((s) =>
    probeRecord(
      {
        endpoint: 0,
        seq: s,
        scheduledMs: s * 100,
        sentMs: s * 100,
        latencyMs: 2,
        ok: s !== 3,
        skipped: false,
        code: s === 3 ? '503' : '200',
        status: s === 3 ? 503 : 200,
        retried: false,
        check: undefined,
        version: undefined,
        protocol: undefined,
      },
      '/health',
      'eu',
    ),
  );
  return parseBatch(
    JSON.parse(
      JSON.stringify({
        type: 'batch',
        run: 'r1',
        agent: 'eu',
        batch: n,
        startedAt: '2026-01-01T00:00:00.000Z',
        nowMs: (seqs.at(-1) ?? 0) * 100 + 100,
        phases: [],
        records,
        dropped: 0,
        final: false,
        ...extra,
      }),
    ),
  );
}

test('an agent view counts each batch once, whatever order and however often it comes', () => {
  const v = new AgentView('eu', endpointConfig('http://127.0.0.1:9/health'));
  assert.equal(v.add(batch(1, [3, 4, 5])), true);
  assert.equal(v.add(batch(0, [0, 1, 2])), true);
  assert.equal(v.add(batch(1, [3, 4, 5])), false); // a resend
  assert.equal(v.add(batch(2, [6], { final: true })), true);
  const doc = v.document(false);
  assert.equal(doc.endpoints[0]!.totalRequests, 7);
  assert.equal(doc.endpoints[0]!.totalErrors, 1);
  assert.equal(doc.endpoints[0]!.downtime.windows.length, 1);
  assert.equal(doc.interrupted, undefined);
  assert.equal(v.why(), undefined);
});

test('an agent view: records of an unknown endpoint are ignored; a drop or no final batch is incomplete', () => {
  const v = new AgentView('eu', endpointConfig('http://127.0.0.1:9/other'));
  v.add(batch(0, [0, 1]));
  assert.equal(v.unknown, 2);
  assert.equal(v.records, 0);
  assert.match(v.why()!, /sent no final batch/);
  assert.equal(v.document(false).interrupted, true);
  const d = new AgentView('us', endpointConfig('http://127.0.0.1:9/health'));
  d.add(batch(0, [0, 1], { dropped: 12, final: true }));
  assert.match(d.why()!, /dropped 12 records/);
});
