/**
 * Hostile and broken targets: each must show up as failures in the result, never as a crash,
 * a hang of zerodown itself, or unbounded memory.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { runProbe } from '../../src/run.ts';
import { endpointConfig } from '../helpers/config.ts';
import { OK_RESPONSE, onRequests, RawServer } from '../helpers/raw-server.ts';

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
    const chunk = Buffer.alloc(64 * 1024, 'x');
    const s = await serve((socket) => {
      onRequests(socket, () => {
        socket.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n');
        const pump = () => {
          while (
            !socket.destroyed &&
            socket.write(`${chunk.length.toString(16)}\r\n${chunk.toString()}\r\n`)
          );
        };
        socket.on('drain', pump);
        pump();
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
