/**
 * The rendered reports: golden files for Markdown and JUnit (JUnit also checked against the
 * common JUnit schema with xmllint), escaping of hostile names in every format, the GitHub
 * annotations, and the HTML report's size and speed on a long run.
 *
 * Update the goldens after an intended change with `UPDATE_GOLDEN=1 node --test test/unit/reports.test.ts`
 * and review the diff. (Markdown goldens end in `.golden` so the formatter leaves them as rendered.)
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';
import { renderGithubAnnotations } from '../../src/report/github.ts';
import { REPORT_JS } from '../../src/report/html-client.ts';
import { jsonForScript, renderHtml } from '../../src/report/html.ts';
import { LiveFeed } from '../../src/report/html-model.ts';
import { parseResult } from '../../src/report/json.ts';
import { renderJunit } from '../../src/report/junit.ts';
import { md, renderMarkdown, sparklines } from '../../src/report/markdown.ts';
import type { ResultDocument } from '../../src/result.ts';
import { HOSTILE_NAME, syntheticResult } from '../helpers/result-doc.ts';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const FIXTURE = here('../fixtures/result-downtime.json');
const XSD = here('../fixtures/junit.xsd');
const fixture = (): ResultDocument => parseResult(readFileSync(FIXTURE, 'utf8'), FIXTURE);

/** Compares with a golden file, or rewrites it under UPDATE_GOLDEN=1. */
function golden(name: string, actual: string): void {
  const file = here(`../golden/${name}`);
  if (process.env.UPDATE_GOLDEN === '1') {
    writeFileSync(file, actual);
    return;
  }
  assert.equal(actual, readFileSync(file, 'utf8'), `${name} differs (UPDATE_GOLDEN=1 to accept)`);
}

function validateJunit(xml: string): void {
  const file = join(mkdtempSync(join(tmpdir(), 'zd-junit-')), 'report.xml');
  writeFileSync(file, xml);
  // Throws (non-zero exit) with xmllint's message when the report breaks the schema.
  execFileSync('xmllint', ['--noout', '--schema', XSD, file], { stdio: 'pipe' });
}

/** A copy of the fixture with every user-controlled string made hostile. */
function hostile(): ResultDocument {
  const doc = fixture();
  const e = doc.endpoints[0]!;
  e.name = HOSTILE_NAME;
  e.url = `https://x.example/?q=${HOSTILE_NAME}`;
  e.downtime.windows[0]!.errorCodes = { [`<b>${HOSTILE_NAME}`]: 3 };
  e.versions = [
    { version: HOSTILE_NAME, firstMs: 0, lastMs: 10, probes: 1 },
    { version: 'v2</script>', firstMs: 20, lastMs: 30, probes: 1 },
  ];
  doc.deploy!.command = HOSTILE_NAME;
  return doc;
}

describe('Markdown report', () => {
  test('golden: a run with downtime, phases and versions', () => {
    golden('result-downtime.md.golden', renderMarkdown(fixture()));
  });

  test('golden: a clean run', () => {
    const doc = syntheticResult({ seconds: 30, rate: 10, endpoints: [{ name: 'health' }] });
    golden('result-pass.md.golden', renderMarkdown(doc));
  });

  test('user strings cannot add markup, HTML, table cells or mentions', () => {
    const out = renderMarkdown(hostile());
    // The fenced timeline shows names as plain text; everywhere else they are escaped.
    const outside = out.replace(/```text[\s\S]*?```/, '');
    assert.doesNotMatch(outside, /<script|<img|<b>/);
    assert.doesNotMatch(outside, /@team/);
    // Every table row keeps its column count: no `|` from a name starts a cell.
    const rows = out.split('\n').filter((l) => l.startsWith('| '));
    const cells = (l: string) => l.replace(/\\\|/g, '').split('|').length;
    const header = out.split('\n').find((l) => l.startsWith('| | Endpoint'))!;
    for (const row of rows.filter((r) => r.includes('✅') || r.includes('❌'))) {
      assert.equal(cells(row), cells(header), row);
    }
    assert.equal(md('a|b*c_d`e[f]'), 'a\\|b\\*c\\_d\\`e\\[f\\]');
    // Inside the fenced timeline, a name cannot close the fence.
    const fence = out.slice(out.indexOf('```text'));
    assert.equal(fence.split('```').length, 3);
  });

  test('the sparkline marks where probes failed, in proportion', () => {
    const doc = syntheticResult({
      seconds: 60,
      rate: 10,
      endpoints: [{ name: 'a', windows: [[30, 6, '503']] }, { name: 'b' }],
    });
    const lines = sparklines(doc, 60);
    const row = (name: string) => lines.find((l) => l.startsWith(name))!.slice(8);
    assert.equal(row('a').length, 60);
    assert.equal(row('a').slice(30, 36), '██████');
    assert.equal(row('a').slice(0, 30), '▁'.repeat(30));
    assert.equal(row('b'), '▁'.repeat(60));
    assert.match(
      lines.find((l) => l.startsWith('phases'))!,
      /warmup\s*\|deploy\s+\|settle/,
    );
  });
});

describe('JUnit report', () => {
  test('golden, and valid against the common JUnit schema', () => {
    const xml = renderJunit(fixture());
    golden('result-downtime.junit.xml', xml);
    validateJunit(xml);
  });

  test('one test case per endpoint, failed with its incidents; a clean run passes', () => {
    const xml = renderJunit(fixture());
    assert.equal(xml.match(/<testcase /g)!.length, 3, 'two endpoints and the deploy');
    assert.match(xml, /<testcase name="health"[^>]*>\s*<failure message="2 windows, 1\.05 s down/);
    // Two windows 400 ms apart: one incident (the fixture predates incidents: grouped from windows).
    assert.match(
      xml,
      /incident 1: \+2\.65 s → \+4\.10 s, 1\.45 s partial outage during deploy: 72 % of 29 probes failed \(503 x14, timeout x7\) in 2 windows/,
    );
    assert.doesNotMatch(xml, /incident 2:/);
    assert.match(xml, /<testcase name="orders" classname="zerodown" time="[\d.]+"\/>/);
    const clean = renderJunit(syntheticResult({ seconds: 5, rate: 1, endpoints: [{ name: 'a' }] }));
    assert.match(clean, /failures="0" errors="0"/);
    validateJunit(clean);
  });

  test('a blocked run: the deploy is an error; hostile names stay valid XML', () => {
    const doc = hostile();
    doc.blocked = { reason: `warm-up failed on ${HOSTILE_NAME}` };
    delete doc.deploy;
    const xml = renderJunit(doc);
    validateJunit(xml);
    assert.match(xml, /<error message="blocked: warm-up failed on &lt;\/script&gt;/);
    assert.doesNotMatch(xml, /<script|<img/);
  });
});

describe('GitHub annotations', () => {
  test('an ::error per endpoint over budget, a ::warning within it, none without downtime', () => {
    const doc = fixture();
    assert.equal(
      renderGithubAnnotations(doc),
      // %25 is the workflow-command escape of %.
      '::error title=Downtime::health (GET https://staging.example.com/health): 2 windows, 1.05 s down (503 x14, timeout x7); longest: +2.65 s → +4.10 s, 1.45 s partial outage during deploy: 72 %25 of 29 probes failed (503 x14, timeout x7) in 2 windows\n',
    );
    // Downtime with no window left in a hand-edited document: still one line, no crash.
    const bare = fixture();
    bare.endpoints[0]!.downtime.windows = [];
    assert.match(
      renderGithubAnnotations(bare),
      /^::error title=Downtime::health .*\(503 x14, timeout x7\)\n$/,
    );
    doc.endpoints[0]!.verdict = 'pass';
    assert.match(renderGithubAnnotations(doc), /^::warning title=Downtime \(within budget\)::/);
    const clean = syntheticResult({ seconds: 5, rate: 1, endpoints: [{ name: 'a' }] });
    assert.equal(renderGithubAnnotations(clean), '');
  });

  test('a name cannot start another workflow command', () => {
    const out = renderGithubAnnotations(hostile());
    assert.equal(out.split('\n').length, 2, 'one line and the final newline');
    assert.match(out, /%0A::error::injected/);
  });
});

describe('HTML report', () => {
  test('self-contained: the chart library inlined, nothing to fetch, CSP forbids fetching', () => {
    const html = renderHtml(fixture());
    assert.match(html, /^<!doctype html>/);
    assert.match(html, /var uPlot=function/);
    assert.doesNotMatch(html, /<(script|link|img|iframe)[^>]+(src|href)=/i);
    assert.match(html, /connect-src 'none'/);
    assert.match(html, /script-src 'sha256-[^']+' 'sha256-[^']+';/);
  });

  test('the page script is valid JavaScript (it is a string in TypeScript)', () => {
    assert.doesNotThrow(() => new Script(REPORT_JS, { filename: 'report.js' }));
  });

  test('hostile strings are escaped in the summary and in the embedded data', () => {
    const html = renderHtml(hostile());
    const scripts = html.match(/<script/g)!.length;
    assert.equal(scripts, 3, 'only the data block, the chart library and the page script');
    assert.doesNotMatch(html, /<img src=x/);
    assert.ok(html.includes('&lt;/script&gt;&lt;script&gt;window.__pwned=1'));
    assert.equal(jsonForScript({ a: '</script><!--' }), '{"a":"\\u003c/script>\\u003c!--"}');
  });

  test('a 1-hour run at 1000 probes/s with 2 endpoints renders fast and stays small', () => {
    const doc = syntheticResult({
      seconds: 3600,
      rate: 1000,
      endpoints: [
        {
          name: 'health',
          windows: [
            [1200, 2.5, '503'],
            [2000, 0.4, 'timeout'],
          ],
        },
        {
          name: 'orders',
          versions: [
            ['v1', 0],
            ['v2', 1500],
          ],
        },
      ],
    });
    renderHtml(doc); // the chart library is read once
    const t0 = performance.now();
    const html = renderHtml(doc);
    const ms = performance.now() - t0;
    const kib = Buffer.byteLength(html) / 1024;
    console.log(
      `# 1 h at 1000/s, 2 endpoints: rendered in ${ms.toFixed(1)} ms, ${kib.toFixed(0)} KiB`,
    );
    // Generous bounds for a loaded 2-core machine; typically ~30 ms and ~420 KiB.
    assert.ok(ms < 1000, `${ms} ms`);
    assert.ok(kib < 1024, `${kib} KiB`);
  });
});

describe('live dashboard feed', () => {
  test('sends the whole run first, then only new points and the last (incomplete) one', () => {
    const feed = new LiveFeed();
    const doc = syntheticResult({ seconds: 10, rate: 5, endpoints: [{ name: 'a' }] });
    doc.running = true;
    const render = () => ({ title: 't', summaryHtml: 's' });
    const first = feed.next(doc, ['up'], render)!;
    assert.equal(first.reset, true);
    assert.equal(first.endpoints![0]!.t.length, 10);
    assert.equal(feed.next(doc, ['up'], render), undefined, 'nothing changed: nothing sent');
    const later = structuredClone(doc);
    later.durationMs += 2000;
    later.endpoints[0]!.timeline.points.push(
      { startMs: 10_000, ok: 5, failed: 0, p50Ms: 1, p99Ms: 2, maxMs: 2 },
      { startMs: 11_000, ok: 1, failed: 2, p50Ms: 1, p99Ms: 2, maxMs: 2 },
    );
    const next = feed.next(later, ['down'], render)!;
    assert.equal(next.reset, false);
    assert.equal(next.endpoints![0]!.from, 9);
    assert.deepEqual(next.endpoints![0]!.t, [9000, 10_000, 11_000]);
    assert.equal(next.endpoints![0]!.state, 'down');
    const other = structuredClone(later);
    other.startedAt = '2026-11-21T11:00:00.000Z';
    assert.equal(feed.next(other, [], render)!.reset, true, 'a new run starts over');
  });
});

describe('degraded and rolled-back runs', () => {
  test('every format says so; JUnit fails a degraded endpoint only when it fails the pipeline', () => {
    const doc = fixture();
    doc.verdict = 'degraded';
    const e = doc.endpoints[0]!;
    e.verdict = 'degraded';
    e.reason = 'no downtime; degraded: p99 301 ms over 250 ms';
    assert.match(renderMarkdown(doc), /^## 🟡 [\s\S]*\| 🟡 \| \*\*health\*\*/);
    assert.match(renderGithubAnnotations(doc), /^::warning title=Degraded::health/);
    assert.match(renderHtml(doc), /<span class="zd-badge">DEGRADED<\/span>/);
    const lenient = renderJunit(doc);
    assert.match(lenient, /failures="0"/);
    validateJunit(lenient);
    doc.guard = { blockers: [], aborted: false, failOnDegraded: true };
    const strict = renderJunit(doc);
    assert.match(strict, /<failure message="no downtime; degraded: [^"]*" type="degraded">/);
    validateJunit(strict);
  });

  test('an aborted, rolled-back deploy fails the deploy test case', () => {
    const doc = fixture();
    doc.guard = {
      blockers: [],
      aborted: true,
      reason: 'downtime over 500 ms during the deploy',
      abortedAtMs: 3200,
      rollback: {
        command: './rollback.sh',
        exitCode: 0,
        signal: null,
        startMs: 3300,
        endMs: 4000,
        output: '',
      },
      rollbacks: [
        {
          command: './rollback.sh',
          exitCode: 0,
          signal: null,
          startMs: 3300,
          endMs: 4000,
          output: '',
        },
      ],
      recovered: true,
      recoveredAtMs: 4100,
    };
    const xml = renderJunit(doc);
    validateJunit(xml);
    assert.match(
      xml,
      /<testcase name="deploy"[^>]*>\s*<failure message="aborted and rolled back: downtime over 500 ms during the deploy" type="aborted">/,
    );
    assert.match(
      renderMarkdown(doc),
      /^## ↩️ [\s\S]*\*\*ROLLED BACK\*\*[\s\S]*- \*\*Rollback:\*\* /,
    );
    assert.match(renderHtml(doc), /<span class="zd-badge">ROLLED BACK<\/span>/);
  });
});
