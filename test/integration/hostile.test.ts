/**
 * Hostile and broken targets: each must show up as failures in the result, never as a crash,
 * a hang of zerodown itself, or unbounded memory.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test, type TestContext } from 'node:test';
import { MAX_BODY_BYTES } from '../../src/probe/http-prober.ts';
import { runProbe } from '../../src/run.ts';
import { endpointConfig } from '../helpers/config.ts';
import { cannotIsolateDns, isolatedDns } from '../helpers/isolated-dns.ts';
import { probeProcess, type ProbeProcess } from '../helpers/probe-process.ts';
import { OK_RESPONSE, onRequests, RawServer } from '../helpers/raw-server.ts';
import { haveOpenssl, makeTestCerts, type KeyPair } from '../helpers/tls-certs.ts';

const servers: RawServer[] = [];
after(async () => Promise.all(servers.map((s) => s.close())));

async function serve(onConnection: Parameters<typeof RawServer.start>[0]): Promise<RawServer> {
  const s = await RawServer.start(onConnection);
  servers.push(s);
  return s;
}

async function probe(url: string, settings: Record<string, unknown> = {}, durationMs = 1500) {
  const config = endpointConfig(url, { rate: 20, timeout: '300ms', ...settings });
  // From time zero (after start-up and priming) to the end: how long probing itself took.
  let started = NaN;
  const { result } = await runProbe({
    config,
    durationMs,
    onSession: () => (started = performance.now()),
  });
  return { e: result.endpoints[0]!, result, tookMs: performance.now() - started };
}

describe('hostile targets', () => {
  test('an endless body fails as timeout, costs no memory, and zerodown stops on time', async () => {
    // 64 KiB every 10 ms: a probe's 300 ms see ~2 MiB, under MAX_BODY_BYTES, so the body is
    // still going at the deadline (a faster one fails by its size: see the 1 GiB bodies below).
    const chunk = `${(64 * 1024).toString(16)}\r\n${'x'.repeat(64 * 1024)}\r\n`;
    assert.ok(((300 / 10) * 64 * 1024) / MAX_BODY_BYTES < 0.5);
    const s = await serve((socket) => {
      onRequests(socket, () => {
        socket.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n');
        const t = setInterval(
          () => (socket.destroyed ? clearInterval(t) : socket.write(chunk)),
          10,
        );
        socket.on('close', () => clearInterval(t));
      });
    });
    const heapBefore = process.memoryUsage().heapUsed;
    const { e, tookMs } = await probe(s.url(), { expect: { bodyContains: 'never' } }, 2000);
    const grewMb = (process.memoryUsage().heapUsed - heapBefore) / 1e6;
    assert.equal(e.totalErrors, e.totalRequests);
    assert.deepEqual(Object.keys(e.errorCodes), ['timeout']);
    assert.ok(tookMs < 2000 + 300 + 500, `stopped after ${tookMs} ms`);
    assert.ok(grewMb < 64, `heap grew ${grewMb.toFixed(1)} MB`);
  });

  test('headers dribbled one byte a second fail as timeout', async () => {
    const s = await serve((socket) => {
      onRequests(socket, () => {
        const text = OK_RESPONSE;
        let i = 0;
        const t = setInterval(() => {
          if (socket.destroyed || i >= text.length) clearInterval(t);
          else socket.write(text[i++]!);
        }, 1000);
        socket.on('close', () => clearInterval(t));
      });
    });
    const { e } = await probe(s.url());
    assert.equal(e.totalErrors, e.totalRequests);
    assert.deepEqual(Object.keys(e.errorCodes), ['timeout']);
  });

  test('malformed HTTP fails with the parser error code', async () => {
    const s = await serve((socket) => onRequests(socket, () => socket.write('SMTP READY\r\n\r\n')));
    const { e } = await probe(s.url());
    assert.equal(e.totalErrors, e.totalRequests);
    const codes = Object.keys(e.errorCodes);
    assert.equal(codes.length, 1);
    assert.match(codes[0]!, /^(HPE_|EPROTO$)/);
  });

  test('a socket that accepts and never answers or closes fails as timeout', async () => {
    const s = await serve(() => undefined);
    const { e, tookMs } = await probe(s.url());
    assert.deepEqual(Object.keys(e.errorCodes), ['timeout']);
    assert.ok(tookMs < 1500 + 300 + 500);
  });

  test('a body shorter than its Content-Length fails, not crashes', async () => {
    const s = await serve((socket) =>
      onRequests(socket, () => socket.end('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort')),
    );
    const { e } = await probe(s.url());
    assert.equal(e.totalErrors, e.totalRequests);
    assert.ok(e.totalRequests >= 25);
  });

  test('a huge header block fails with a code', async () => {
    const big = 'x'.repeat(64 * 1024);
    const s = await serve((socket) =>
      onRequests(socket, () =>
        socket.write(`HTTP/1.1 200 OK\r\nX-Big: ${big}\r\nContent-Length: 2\r\n\r\nok`),
      ),
    );
    const { e } = await probe(s.url());
    assert.equal(e.totalErrors, e.totalRequests);
    assert.ok(!('timeout' in e.errorCodes), JSON.stringify(e.errorCodes));
  });
});

/** A `status` redirect to `location`, with an empty body, keeping the connection open. */
const redirect = (location: string, status = 301) =>
  `HTTP/1.1 ${status} Moved\r\nLocation: ${location}\r\nContent-Length: 0\r\n\r\n`;

/** The request target of a request head (`GET /a HTTP/1.1` → `/a`). */
const targetOf = (head: string) => head.split(' ')[1]!;

describe('redirects', () => {
  test('not followed by default: a 301 is the answer, judged by expect.status', async () => {
    let requests = 0;
    const s = await serve((socket) =>
      onRequests(socket, () => {
        requests++;
        socket.write(redirect('/'));
      }),
    );
    const { e } = await probe(s.url());
    assert.equal(e.totalErrors, 0, 'the default 200-399 accepts a 301');
    const { e: strict } = await probe(s.url(), { expect: { status: '200-299' } });
    assert.deepEqual(strict.errorCodes, { '301': strict.totalRequests });
    // One request per probe (and per primer): none was followed.
    assert.ok(requests <= e.totalRequests + strict.totalRequests + 20, `${requests} requests`);
  });

  test('a redirect to itself fails at once as redirect-loop', async () => {
    let requests = 0;
    const s = await serve((socket) =>
      onRequests(socket, () => {
        requests++;
        socket.write(redirect('/'));
      }),
    );
    const { e } = await probe(s.url(), { maxRedirects: 10 });
    assert.deepEqual(e.errorCodes, { 'redirect-loop': e.totalRequests });
    assert.ok(e.totalRequests >= 29, `${e.totalRequests} probes`);
    // Two requests per probe, the first and the one that came back: not ten.
    assert.ok(requests <= 2 * (e.totalRequests + 10), `${requests} requests`);
  });

  test('a chain longer than maxRedirects fails as too-many-redirects', async () => {
    const seen = new Set<string>();
    const s = await serve((socket) =>
      onRequests(socket, (head) => {
        const n = Number(/^\/r\/(\d+)/.exec(targetOf(head))?.[1] ?? 0);
        seen.add(targetOf(head));
        socket.write(redirect(`/r/${n + 1}`, 302));
      }),
    );
    const { e } = await probe(s.url('/r/0'), { maxRedirects: 3 });
    assert.deepEqual(e.errorCodes, { 'too-many-redirects': e.totalRequests });
    // The first request and three redirects followed; never a fourth.
    assert.deepEqual([...seen].sort(), ['/r/0', '/r/1', '/r/2', '/r/3']);
  });

  test('followed to another origin: the answer there counts, credentials stay behind', async () => {
    const heads: string[] = [];
    const b = await serve((socket) =>
      onRequests(socket, (head) => {
        heads.push(head);
        socket.write(OK_RESPONSE);
      }),
    );
    const a = await serve((socket) =>
      onRequests(socket, (head) => socket.write(redirect(b.url(`/new${targetOf(head)}`), 308))),
    );
    const headers = { authorization: 'Bearer s3cret', 'x-team': 't1' };
    const { e } = await probe(a.url('/old?q=1'), { maxRedirects: 1, headers });
    assert.equal(e.totalErrors, 0, JSON.stringify(e.errorCodes));
    assert.ok(heads.length >= e.totalRequests);
    for (const head of heads) {
      assert.match(head, /^GET \/new\/old\?q=1 HTTP\/1\.1\r\n/);
      assert.match(head, /\r\nx-team: t1/i);
      assert.doesNotMatch(head, /authorization|s3cret/i);
    }
  });
});

/**
 * Targets that attack the client, each probed by the built CLI in a process of its own
 * (test/helpers/probe-process.ts) so that its peak memory is its own: not the test runner's, nor
 * that of the hostile servers here, which also stream from one reused buffer and allocate nothing
 * per byte. Each must be a failure with a code of the contract's errorCodes, never a crash or a
 * hang, and cost little memory beyond a normal run of the same schedule against a well-behaved
 * server (the baseline).
 */
describe('hostile targets, each probed by a zerodown process of its own', () => {
  const TIMEOUT_MS = 1000;
  const DURATION_MS = 3000;
  /**
   * Peak memory a hostile target may add to the baseline run. A probe holds at most a 64 KiB
   * body prefix and what undici reads in one go (one socket read, one header block up to its
   * 16 KiB limit), and at 20 probes/s with everything failing within milliseconds only a few are
   * in flight; what is measured above the baseline (up to ~40 MiB, see each test's diagnostic)
   * is V8 collecting the garbage of fast reads later rather than sooner. 64 MiB keeps that
   * margin, and is far below what reading a 1 GiB body, or 100 000 headers, would hold.
   */
  const MAX_GROWTH_MB = 64;
  const args = (url: string) =>
    ['-u', url, '-r', '20', '-t', `${TIMEOUT_MS}ms`, '--duration', `${DURATION_MS}ms`] as const;
  let baseline: ProbeProcess;

  before(async () => {
    const ok = await serve((socket) => onRequests(socket, () => socket.write(OK_RESPONSE)));
    baseline = await probeProcess(args(ok.url()));
    assert.equal(baseline.code, 0, baseline.stderr);
    assert.equal(baseline.endpoint.totalErrors, 0);
  });

  /** Every probe failed with `code`, well before its deadline, at little cost. */
  function assertClassified(t: TestContext, p: ProbeProcess, code: string): void {
    const e = p.endpoint;
    const growthMb = p.peakRssMb - baseline.peakRssMb;
    t.diagnostic(
      `${JSON.stringify(e.errorCodes)} of ${e.totalRequests} probes, latency mean ${e.meanLatencyMs} ms max ${e.maxLatencyMs} ms; ` +
        `peak RSS ${p.peakRssMb.toFixed(1)} MiB (baseline ${baseline.peakRssMb.toFixed(1)}, +${growthMb.toFixed(1)}); ` +
        `process ${Math.round(p.wallMs)} ms (baseline ${Math.round(baseline.wallMs)})`,
    );
    assert.equal(p.code, 1, p.stderr);
    assert.deepEqual(e.errorCodes, { [code]: e.totalRequests }, p.stderr);
    // 20/s for 3 s: 60 probes, give or take the one on each edge.
    assert.ok(e.totalRequests >= 59, `${e.totalRequests} probes`);
    assert.ok(e.maxLatencyMs! < TIMEOUT_MS, `a probe took ${e.maxLatencyMs} ms`);
    assert.ok(growthMb < MAX_GROWTH_MB, `peak memory grew by ${growthMb.toFixed(1)} MiB`);
    // It stops like a normal run: the same schedule; start-up may differ by the priming request
    // (it waits up to one timeout for the first answer), and 1 s for a loaded 2-core machine.
    assert.ok(
      p.wallMs < baseline.wallMs + TIMEOUT_MS + 1000,
      `the process took ${Math.round(p.wallMs)} ms`,
    );
  }

  describe('TLS', { skip: haveOpenssl() ? false : 'no openssl' }, () => {
    const certs = haveOpenssl() ? makeTestCerts() : undefined;
    const hosts: https.Server[] = [];
    after(() => {
      for (const h of hosts) {
        h.closeAllConnections();
        h.close();
      }
    });
    async function tlsServer(pair: KeyPair): Promise<string> {
      const h = https.createServer(pair, (_req, res) => res.end('ok'));
      hosts.push(h);
      h.listen(0, '127.0.0.1');
      await once(h, 'listening');
      return `https://127.0.0.1:${(h.address() as AddressInfo).port}/`;
    }

    test('a self-signed certificate fails as DEPTH_ZERO_SELF_SIGNED_CERT', async (t) => {
      const p = await probeProcess(args(await tlsServer(certs!.selfSigned)));
      assertClassified(t, p, 'DEPTH_ZERO_SELF_SIGNED_CERT');
    });

    test('an expired certificate of a trusted CA fails as CERT_HAS_EXPIRED', async (t) => {
      // The test CA is trusted (NODE_EXTRA_CA_CERTS): the expiry is the only fault.
      const env = { NODE_EXTRA_CA_CERTS: certs!.caFile };
      const p = await probeProcess(args(await tlsServer(certs!.expired)), { env });
      assertClassified(t, p, 'CERT_HAS_EXPIRED');
      const control = await probeProcess(args(await tlsServer(certs!.valid)), { env });
      assert.equal(control.endpoint.totalErrors, 0, 'a valid leaf of the same CA passes');
    });
  });

  describe('names that do not resolve', { skip: cannotIsolateDns() ?? false }, () => {
    // See test/helpers/isolated-dns.ts: no DNS query can leave the machine.
    test('a name with no address fails as ENOTFOUND', async (t) => {
      const wrap = isolatedDns('no-such-name');
      const p = await probeProcess(args('http://zerodown-test.invalid/'), { wrap });
      assertClassified(t, p, 'ENOTFOUND');
    });

    test('a resolver that cannot be reached fails as EAI_AGAIN', async (t) => {
      const wrap = isolatedDns('resolver-down');
      const p = await probeProcess(args('http://zerodown-test.invalid/'), { wrap });
      assertClassified(t, p, 'EAI_AGAIN');
    });
  });

  test('100 000 response headers fail as UND_ERR_HEADERS_OVERFLOW', async (t) => {
    // Short lines: many headers in each chunk past undici's 16 KiB limit, the case that stalled
    // zerodown for seconds before src/probe/undici-fixes.ts (probes failed as timeout, 3 s late).
    const LINES = 100_000;
    const line = 'X-Hostile: 1\r\n';
    const block = Buffer.from(line.repeat(4096));
    const s = await serve((socket) =>
      onRequests(socket, () => {
        socket.write('HTTP/1.1 200 OK\r\n');
        stream(socket, LINES / 4096, block, () =>
          socket.end(`${line.repeat(LINES % 4096)}Content-Length: 2\r\n\r\nok`),
        );
      }),
    );
    const p = await probeProcess(args(s.url()));
    assertClassified(t, p, 'UND_ERR_HEADERS_OVERFLOW');
  });

  test('a redirect loop fails as redirect-loop (maxRedirects: 10)', async (t) => {
    const s = await serve((socket) => onRequests(socket, () => socket.write(redirect('/'))));
    const dir = mkdtempSync(join(tmpdir(), 'zd-redirects-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const config = join(dir, 'zerodown.json');
    writeFileSync(config, JSON.stringify({ defaults: { maxRedirects: 10 } }));
    const p = await probeProcess(['-c', config, ...args(s.url())]);
    assertClassified(t, p, 'redirect-loop');
  });

  describe('a 1 GiB body, streamed as fast as the socket drains', () => {
    const GIB = 1024 ** 3;
    const chunk = Buffer.alloc(64 * 1024, 'x');
    const frame = Buffer.concat([Buffer.from(`10000\r\n`), chunk, Buffer.from('\r\n')]);

    for (const framing of ['Content-Length', 'chunked'] as const) {
      test(`with ${framing}: read up to ${MAX_BODY_BYTES / 2 ** 20} MiB, then UND_ERR_RES_EXCEEDED_MAX_SIZE`, async (t) => {
        const sent: number[] = [];
        const s = await serve((socket) =>
          onRequests(socket, () => {
            const i = sent.push(0) - 1;
            socket.write(
              framing === 'chunked'
                ? 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n'
                : `HTTP/1.1 200 OK\r\nContent-Length: ${GIB}\r\n\r\n`,
            );
            const body = framing === 'chunked' ? frame : chunk;
            stream(
              socket,
              GIB / chunk.length,
              body,
              () => socket.end('0\r\n\r\n'),
              () => (sent[i]! += chunk.length),
            );
          }),
        );
        const p = await probeProcess(args(s.url()));
        assertClassified(t, p, 'UND_ERR_RES_EXCEEDED_MAX_SIZE');
        // Never downloaded in full: each response stopped at the cap plus what the two
        // sockets' kernel buffers held (a few MiB on loopback).
        const most = Math.max(...sent);
        t.diagnostic(
          `${sent.length} responses, at most ${(most / 2 ** 20).toFixed(1)} MiB written to one`,
        );
        assert.ok(most < MAX_BODY_BYTES + 32 * 2 ** 20, `${most} bytes written to one response`);
      });
    }
  });
});

/**
 * Writes `buffer` `times` times on `socket` as fast as it drains (nothing new is allocated),
 * calling `onWrite` after each, then `done` unless the socket was destroyed first.
 */
function stream(
  socket: Socket,
  times: number,
  buffer: Buffer,
  done: () => void,
  onWrite?: () => void,
): void {
  let left = Math.floor(times);
  const pump = () => {
    while (left > 0 && !socket.destroyed) {
      left--;
      onWrite?.();
      if (!socket.write(buffer)) return;
    }
    if (left === 0 && !socket.destroyed) {
      left = -1;
      done();
    }
  };
  socket.on('drain', pump);
  pump();
}

describe('no false downtime from the client itself', () => {
  test("a server's short keep-alive timeout never produces a window", async () => {
    // The server closes each connection after 100 ms idle and gives no Keep-Alive hint. Probes
    // 100 ms apart race that close: a request goes out on a connection the server is closing.
    let closedIdle = 0;
    const s = await serve((socket) => {
      let idle: NodeJS.Timeout | undefined;
      const arm = () => {
        clearTimeout(idle);
        idle = setTimeout(() => {
          closedIdle++;
          socket.destroy();
        }, 100);
      };
      arm();
      onRequests(socket, () => {
        socket.write(OK_RESPONSE);
        arm();
      });
      socket.on('close', () => clearTimeout(idle));
    });
    const config = endpointConfig(s.url(), { rate: 10, timeout: '1s' }, {});
    const withSecond = endpointConfig(s.url('/b'), { rate: 9.9, timeout: '1s' });
    const [a, b] = await Promise.all([
      runProbe({ config, durationMs: 6000 }),
      runProbe({ config: withSecond, durationMs: 6000 }),
    ]);
    const results = [a.result.endpoints[0]!, b.result.endpoints[0]!];
    assert.ok(closedIdle >= 10, `the server closed ${closedIdle} idle connections`);
    for (const e of results) {
      assert.deepEqual(e.downtime.windows, [], JSON.stringify(e.errorCodes));
      assert.equal(e.totalErrors, 0);
    }
    // Whether a send lands in the instant of a close is chance; the next test makes it certain.
  });

  test('a request on a reused connection that the server has closed is retried, not failed', async () => {
    // The race made certain: each connection answers its first request and, like a server that
    // has just closed it idle, drops the connection on the next without answering.
    let dropped = 0;
    const s = await serve((socket) => {
      let served = 0;
      onRequests(socket, () => {
        if (served++ === 0) socket.write(OK_RESPONSE);
        else {
          dropped++;
          socket.destroy();
        }
      });
    });
    const config = endpointConfig(s.url(), { rate: 20, timeout: '1s' }, {});
    const { result } = await runProbe({ config, durationMs: 1000 });
    const e = result.endpoints[0]!;
    assert.ok(dropped >= 5, `the server dropped ${dropped} reused connections`);
    assert.deepEqual(e.downtime.windows, [], JSON.stringify(e.errorCodes));
    assert.equal(e.totalErrors, 0);
    // Every probe that went out on a reused connection (the primers' included) was retried.
    assert.ok(e.retries >= 5 && e.retries <= dropped, `${e.retries} retries, ${dropped} drops`);
    assert.equal(result.engine.retries, e.retries);
  });
});
