/**
 * The HTML report of a merged document (contract §7) in headless Chromium: one chart lane per
 * agent under each endpoint's union chart, the downtime shaded only in the lanes of the agents
 * that failed, at the same place on the shared clock, and the windows saying which agents saw
 * them. No console errors. Screenshot in test-results/.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { mergeResults } from '../../src/analysis/merge.ts';
import { renderHtml } from '../../src/report/html.ts';
import { agentDoc } from '../helpers/agent-doc.ts';
import { openBrowser, type TestBrowser } from '../helpers/browser.ts';

const RESULTS = fileURLToPath(new URL('../../test-results/', import.meta.url));
const ok = (n: number): string => '.'.repeat(n);

describe('the HTML report of a merged document in Chromium', () => {
  let browser: TestBrowser;
  before(async () => (browser = await openBrowser()));
  after(() => browser.close());

  test('a lane per agent; the outage shaded in eu lane and the union only', async () => {
    const doc = mergeResults(
      [
        agentDoc({ agent: 'eu', patterns: { api: ok(20) + 'x'.repeat(10) + ok(30) } }),
        agentDoc({ agent: 'us', startMs: 50, patterns: { api: ok(60) } }),
        agentDoc({ agent: 'ap', startMs: 80, patterns: { api: ok(60) } }),
      ],
      { expectAgents: ['eu', 'us', 'ap'] },
    );
    mkdirSync(RESULTS, { recursive: true });
    const file = join(RESULTS, 'report-merged.html');
    writeFileSync(file, renderHtml(doc));
    const { page, errors } = await browser.page({ width: 1280, height: 1200 });
    await page.goto(pathToFileURL(file).href);
    await page.waitForSelector('body[data-ready]');
    assert.equal(await page.locator('.zd-card').count(), 4);
    assert.deepEqual(
      await Promise.all(
        (await page.locator('.zd-card.zd-agent-lane').all()).map((l) =>
          l.getAttribute('data-agent'),
        ),
      ),
      ['eu', 'us', 'ap'],
    );
    const union = page.locator('.zd-card:not(.zd-agent-lane)');
    const eu = page.locator('.zd-card[data-agent="eu"]');
    assert.equal(await union.locator('.zd-window').count(), 1);
    assert.equal(await eu.locator('.zd-window').count(), 1);
    assert.equal(await page.locator('.zd-card[data-agent="us"] .zd-window').count(), 0);
    assert.equal(await page.locator('.zd-card[data-agent="ap"] .zd-window').count(), 0);
    assert.match((await union.locator('.zd-window').getAttribute('title'))!, /seen by eu$/);
    // One clock: the union's window and eu's sit at the same place of their plots (the lanes are
    // indented, so compare as a share of each plot's width).
    const share = async (card: typeof eu) => {
      const [w, plot] = await Promise.all([
        card.locator('.zd-window').boundingBox(),
        card.locator('.u-over').boundingBox(),
      ]);
      return [(w!.x - plot!.x) / plot!.width, w!.width / plot!.width];
    };
    const [u, e] = [await share(union), await share(eu)];
    assert.ok(
      Math.abs(u[0]! - e[0]!) < 0.01 && Math.abs(u[1]! - e[1]!) < 0.01,
      JSON.stringify([u, e]),
    );
    // 2.0 s → 3.0 s of a 6 s axis.
    assert.ok(Math.abs(u[0]! - 2 / 6) < 0.03 && Math.abs(u[1]! - 1 / 6) < 0.03, JSON.stringify(u));
    assert.equal(await page.locator('table.zd-agents tr.zd-agent').count(), 3);
    await page.screenshot({ path: join(RESULTS, 'report-merged.png'), fullPage: true });
    assert.deepEqual(errors, []);
    await page.close();
  });
});
