/**
 * A control server without a token against web pages on the same machine (the README's threat
 * model): a real Chromium opens a foreign page that tries `<img src=…/start>`, a cross-site form
 * POST and a no-cors fetch; a DNS-rebinding request carries a foreign Host. None starts a run or
 * reads a result, while curl's plain `GET /start` (the original split-job flow) still works and
 * the server's own dashboard still opens.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { openBrowser, type TestBrowser } from '../helpers/browser.ts';
import { FaultServer } from '../helpers/fault-server.ts';
import { startServe, type ServeProcess } from '../helpers/serve.ts';

/** A raw request with exactly these headers (fetch would not let a test set Host). */
function raw(
  url: string,
  method: string,
  headers: Record<string, string>,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('a control server without a token, and the browser on the same machine', () => {
  let target: FaultServer;
  let serve: ServeProcess;
  let browser: TestBrowser;
  let evil: http.Server;
  let evilUrl: string;

  before(async () => {
    target = await FaultServer.start();
    serve = await startServe(['-u', target.url('/x'), '-r', '20']);
    browser = await openBrowser();
    const start = `${serve.url}/start`;
    // A page somewhere else (another origin on this machine) that tries everything it can.
    evil = http.createServer((_req, res) => {
      res.setHeader('content-type', 'text/html');
      res.end(`<!doctype html><body>
<img src="${start}">
<iframe name="sink"></iframe>
<form id="f" method="POST" action="${start}" target="sink"></form>
<script>
  document.getElementById('f').submit();
  fetch('${start}', { method: 'POST', mode: 'no-cors' }).catch(() => {});
  fetch('${serve.url}/stats').then((r) => r.text()).then((t) => (window.stolen = t), () => {});
</script></body>`);
    });
    evil.listen(0, 'localhost');
    await once(evil, 'listening');
    evilUrl = `http://localhost:${(evil.address() as AddressInfo).port}/`;
  });
  after(async () => {
    await browser.close();
    evil.close();
    await serve.stop();
    await target.close();
  });

  test('a foreign page starts nothing and reads nothing', async () => {
    const { page } = await browser.page();
    await page.goto(evilUrl);
    await page.waitForTimeout(1500);
    assert.equal(await page.evaluate('window.stolen'), undefined, 'CORS keeps /stats unreadable');
    await page.close();
    const stats = await fetch(`${serve.url}/stats`);
    assert.equal(stats.status, 404, 'no run was started');
    assert.equal(target.requests, 0, 'nothing probed the target');
  });

  test('cross-site, opaque-origin and foreign-Host requests are refused with 403', async () => {
    const cases: [string, string, Record<string, string>][] = [
      ['POST', '/start', { 'sec-fetch-site': 'cross-site', origin: 'http://evil.example' }],
      ['POST', '/start', { origin: 'null' }],
      ['GET', '/start', { 'sec-fetch-mode': 'no-cors', 'sec-fetch-site': 'same-site' }],
      ['GET', '/start', { 'sec-fetch-dest': 'image', 'sec-fetch-site': 'same-origin' }],
      ['GET', '/start', { referer: 'http://localhost:1/page' }],
      ['GET', '/stats', { host: 'rebound.evil.example:8080' }],
      ['POST', '/start', { host: 'rebound.evil.example' }],
    ];
    for (const [method, path, headers] of cases) {
      const r = await raw(`${serve.url}${path}`, method, headers);
      assert.equal(r.status, 403, `${method} ${path} ${JSON.stringify(headers)}: ${r.body}`);
      assert.equal((JSON.parse(r.body) as { code: string }).code, 'ZD_FORBIDDEN');
    }
    assert.equal((await fetch(`${serve.url}/stats`)).status, 404, 'still no run');
    // Node's fetch (sec-fetch-mode: cors, nothing else) is a script, not a page.
    assert.equal((await fetch(`${serve.url}/stats`)).status, 404);
    const health = await raw(`${serve.url}/healthz`, 'GET', { host: 'anything.example' });
    assert.equal(health.status, 200, '/healthz answers any probe (Kubernetes uses the pod IP)');
  });

  test("curl's GET /start works, and the server's own dashboard opens and follows the run", async () => {
    const { stdout } = await promisify(execFile)('curl', ['-sf', `${serve.url}/start`]);
    assert.match(stdout, /^Started load at \d+ towards http:\/\/127\.0\.0\.1:\d+\/x/);
    const { page, errors } = await browser.page();
    await page.goto(`${serve.url}/`);
    await page.waitForSelector('.zd-card[data-name="/x"]', { timeout: 5000 });
    assert.deepEqual(errors, []);
    await page.close();
    const stop = await fetch(`${serve.url}/stop`, { method: 'POST' });
    assert.equal(stop.status, 200);
  });
});
