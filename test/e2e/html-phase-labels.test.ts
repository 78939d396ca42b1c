/**
 * Phase labels on the report's and the dashboard's charts (src/report/html-client.ts): short
 * phases must not run their names together ("probedeploysettle"). Each label stays within its own
 * phase, cut to an initial or left out when even that does not fit. Headless Chromium.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { renderHtml } from '../../src/report/html.ts';
import { openBrowser, type TestBrowser } from '../helpers/browser.ts';
import { syntheticResult } from '../helpers/result-doc.ts';

const RESULTS = fileURLToPath(new URL('../../test-results/', import.meta.url));

interface Label {
  phase: string;
  fit: string;
  text: string;
  left: number;
  right: number;
  phaseLeft: number;
  nextLeft: number | null;
}

describe('phase labels in Chromium', () => {
  let browser: TestBrowser;
  before(async () => (browser = await openBrowser()));
  after(() => browser.close());

  for (const width of [1280, 390]) {
    test(`short phases at ${width}px: labels stay in their phase and never overlap`, async () => {
      // A 30 s run probed mostly before a quick deploy: the deploy and settle are a few pixels.
      const doc = syntheticResult({ seconds: 30, rate: 2, endpoints: [{ name: 'api' }] });
      doc.phases = [
        { name: 'probe', startMs: 0, endMs: 27_000 },
        { name: 'deploy', startMs: 27_000, endMs: 27_600 },
        { name: 'settle', startMs: 27_600, endMs: 27_700 },
        { name: 'verify', startMs: 27_700, endMs: 30_000 },
      ];
      mkdirSync(RESULTS, { recursive: true });
      const file = join(RESULTS, `report-short-phases-${width}.html`);
      writeFileSync(file, renderHtml(doc));
      const { page, errors } = await browser.page({ width, height: 800 });
      await page.goto(pathToFileURL(file).href);
      await page.waitForSelector('body[data-ready]');
      // Browser-side code as a string: this project's TypeScript has no DOM types.
      const labels = await page.evaluate<Label[]>(`(() => {
        const phases = [...document.querySelectorAll('.zd-card .zd-phase')];
        return phases.map((p, i) => {
          const label = p.querySelector('.zd-phase-label');
          const r = label ? label.getBoundingClientRect() : null;
          const next = phases[i + 1];
          return {
            phase: p.dataset.phase,
            fit: p.dataset.label,
            text: label ? label.textContent : '',
            left: r ? r.left : NaN,
            right: r ? r.right : NaN,
            phaseLeft: p.getBoundingClientRect().left,
            nextLeft: next ? next.getBoundingClientRect().left : null,
          };
        });
      })()`);
      await page.screenshot({ path: join(RESULTS, `report-short-phases-${width}.png`) });
      assert.deepEqual(
        labels.map((l) => l.phase),
        ['probe', 'deploy', 'settle', 'verify'],
      );
      const shown = labels.filter((l) => l.text !== '');
      for (const [i, l] of shown.entries()) {
        assert.ok(l.left >= l.phaseLeft, `${l.phase}: starts in its phase`);
        if (l.nextLeft !== null) {
          assert.ok(
            l.right <= l.nextLeft,
            `${l.phase}: ends before the next phase (${JSON.stringify(l)})`,
          );
        }
        const before = shown[i - 1];
        if (before) assert.ok(before.right <= l.left, `${before.phase} and ${l.phase} overlap`);
        assert.ok([l.phase, l.phase[0]].includes(l.text), `${l.phase}: its name or initial`);
        assert.equal(l.fit, l.text === l.phase ? 'full' : 'initial');
      }
      for (const l of labels.filter((x) => x.text === '')) assert.equal(l.fit, 'none');
      // The long phase keeps its full name; the 100 ms one is too narrow for any.
      assert.equal(labels[0]!.text, 'probe');
      assert.equal(labels[2]!.fit, 'none');
      assert.deepEqual(errors, []);
      await page.close();
    });
  }
});
