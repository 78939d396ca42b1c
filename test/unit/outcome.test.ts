import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { slackMessage } from '../../src/notify/slack.ts';
import { emailSubject } from '../../src/notify/email.ts';
import { decideOutcome } from '../../src/outcome.ts';
import { renderHtml } from '../../src/report/html.ts';
import { renderJunit } from '../../src/report/junit.ts';
import { renderMarkdown } from '../../src/report/markdown.ts';
import { renderText } from '../../src/report/text.ts';
import type { ResultDocument } from '../../src/result.ts';
import { syntheticResult } from '../helpers/result-doc.ts';

/** A finished run: `down` gives the first endpoint a window (over the default budget). */
function run(down: boolean): ResultDocument {
  return syntheticResult({
    seconds: 10,
    rate: 10,
    endpoints: [{ name: 'api', windows: down ? [[4, 1, '503']] : [] }, { name: 'web' }],
  });
}

const failedDeploy = {
  command: './deploy.sh',
  exitCode: 2,
  signal: null,
  durationMs: 5,
  startMs: 1,
};

/** Every outcome of the table in src/outcome.ts, with the facts that make it. */
const CASES: [string, () => ResultDocument, string, number, string, RegExp][] = [
  ['pass', () => run(false), 'pass', 0, 'PASS', /^No downtime happened$/],
  [
    'downtime within budget',
    () => ({
      ...run(true),
      endpoints: run(true).endpoints.map((e) => ({ ...e, verdict: 'pass' })),
    }),
    'pass',
    0,
    'PASS',
    /^Downtime within budget$/,
  ],
  ['fail', () => run(true), 'fail', 1, 'FAIL', /^Downtime happened$/],
  [
    'fail although the deploy failed too',
    () => ({ ...run(true), deploy: failedDeploy }),
    'fail',
    1,
    'FAIL',
    /^Downtime happened$/,
  ],
  [
    'deploy failed, no downtime',
    () => ({ ...run(false), deploy: failedDeploy }),
    'deploy-failed',
    3,
    'DEPLOY FAILED',
    /^The deploy command failed$/,
  ],
  [
    'deploy could not start',
    () => ({ ...run(false), deploy: { ...failedDeploy, exitCode: null, error: 'spawn ENOENT' } }),
    'deploy-failed',
    3,
    'DEPLOY FAILED',
    /^The deploy command failed$/,
  ],
  [
    'degraded',
    () => degraded(run(false), false),
    'degraded',
    0,
    'DEGRADED',
    /^No downtime, but degraded$/,
  ],
  [
    'degraded where degraded fails the pipeline',
    () => degraded(run(false), true),
    'degraded',
    1,
    'DEGRADED',
    /^No downtime, but degraded$/,
  ],
  [
    'blocked (a blocked run that saw failures in warm-up is still blocked)',
    () => ({ ...run(true), deploy: undefined, blocked: { reason: 'warm-up failed' } }),
    'blocked',
    4,
    'BLOCKED',
    /^Blocked: the deploy was not started$/,
  ],
  [
    'rolled back',
    () => ({
      ...run(true),
      guard: { blockers: [], aborted: true, reason: 'downtime over 500 ms', abortedAtMs: 5000 },
    }),
    'rolled-back',
    5,
    'ROLLED BACK',
    /^Deploy aborted and rolled back$/,
  ],
  [
    'inconclusive: an endpoint got no probe',
    () => {
      const doc = run(false);
      doc.endpoints[1] = { ...doc.endpoints[1]!, totalRequests: 0 };
      return doc;
    },
    'inconclusive',
    6,
    'INCONCLUSIVE',
    /^Inconclusive: part of the measurement is missing$/,
  ],
  [
    'interrupted with downtime so far',
    () => ({ ...run(true), interrupted: true }),
    'interrupted',
    130,
    'INTERRUPTED',
    /^Interrupted: partial result$/,
  ],
];

function degraded(doc: ResultDocument, fails: boolean): ResultDocument {
  doc.endpoints[0] = { ...doc.endpoints[0]!, verdict: 'degraded', reason: 'p99 latency over' };
  doc.guard = { blockers: [], aborted: false, failOnDegraded: fails };
  return doc;
}

describe('one outcome, decided once', () => {
  for (const [name, make, verdict, exitCode, label, headline] of CASES) {
    test(`${name} → ${verdict}, exit ${exitCode}`, () => {
      const doc = make();
      // The stored verdict is not an input: a stale one changes nothing.
      doc.verdict = 'pass';
      const o = decideOutcome(doc);
      assert.equal(o.verdict, verdict);
      assert.equal(o.exitCode, exitCode);
      assert.equal(o.label, label);
      assert.match(o.headline, headline);
      assert.equal(o.failed, exitCode !== 0);
      assert.ok(o.sentence.length > 10 && o.sentence.endsWith('.'), o.sentence);
    });
  }

  test('every report says the same outcome', () => {
    for (const [name, make] of CASES) {
      const doc = make();
      const o = decideOutcome(doc);
      const text = renderText(doc).trimEnd().split('\n');
      assert.equal(text[0], `zerodown 0.1.0: ${o.headline}`, name);
      assert.equal(text.at(-1), `Verdict: ${o.label} — ${o.sentence}`, name);
      assert.ok(renderMarkdown(doc).includes(`**${o.label}** — `), name);
      assert.ok(renderHtml(doc).includes(`data-verdict="${o.verdict}"`), name);
      assert.ok(renderJunit(doc).includes(`<property name="verdict" value="${o.verdict}"/>`), name);
      assert.ok(slackMessage(doc, undefined).text.startsWith(`zerodown ${o.label}: `), name);
      assert.ok(emailSubject(doc).startsWith(`zerodown ${o.label}: `), name);
    }
  });

  test('a running run: the verdict so far, never inconclusive for lack of probes yet', () => {
    const doc = { ...run(false), running: true };
    doc.endpoints[1] = { ...doc.endpoints[1]!, totalRequests: 0 };
    const o = decideOutcome(doc);
    assert.equal(o.verdict, 'pass');
    assert.equal(o.running, true);
    assert.match(o.headline, /still running/);
    assert.equal(decideOutcome({ ...run(true), running: true }).verdict, 'fail');
  });
});
