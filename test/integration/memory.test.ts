/**
 * The command line's memory settings (src/probe/memory.ts), seen from inside a real `zerodown
 * probe` process: at a modest rate V8's young generation stays small for the whole run; above
 * LEAN_MAX_RATE it grows as V8 decides. A hook loaded with --import reads the heap before zerodown
 * loads and again as the process exits. Node's own start-up may already double the young
 * generation once before zerodown's first line runs (1 → 2 MiB here); left alone, a probing run
 * takes it to 16 MiB.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { LEAN_MAX_RATE } from '../../src/probe/memory.ts';
import { runCli } from '../helpers/cli.ts';
import { FaultServer } from '../helpers/fault-server.ts';

const HOOK = `
import { getHeapSpaceStatistics } from 'node:v8';
const newSpace = () => getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size;
const initial = newSpace();
process.on('exit', () => process.stderr.write('NEWSPACE ' + JSON.stringify({ initial, final: newSpace() }) + '\\n'));
`;

describe('memory settings of the command line', () => {
  let server: FaultServer;
  let dir: string;
  before(async () => {
    server = await FaultServer.start();
    dir = mkdtempSync(join(tmpdir(), 'zd-memory-'));
    writeFileSync(join(dir, 'hook.mjs'), HOOK);
  });
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function youngGeneration(rate: number): Promise<{ initial: number; final: number }> {
    const run = await runCli(
      ['probe', '-u', server.url('/'), '-r', String(rate), '--duration', '3s', '--no-progress'],
      { env: { NODE_OPTIONS: `--import=${join(dir, 'hook.mjs')}` }, timeoutMs: 30_000 },
    );
    assert.equal(run.code, 0, run.stderr);
    const line = /NEWSPACE (.*)/.exec(run.stderr);
    assert.ok(line, run.stderr);
    return JSON.parse(line[1]!) as { initial: number; final: number };
  }

  test('at a modest rate the young generation stays small', async () => {
    const { initial, final } = await youngGeneration(1000);
    assert.ok(1000 <= LEAN_MAX_RATE);
    assert.ok(final <= 2 * initial, `new space ${initial} → ${final} bytes`);
  });

  test('above the lean rate it may grow (so the test above can fail)', async () => {
    const rate = 3000;
    assert.ok(rate > LEAN_MAX_RATE);
    const { initial, final } = await youngGeneration(rate);
    assert.ok(final >= 4 * initial, `new space ${initial} → ${final} bytes`);
  });
});
