/**
 * Reports of a merged document (contract §7): golden text, Markdown and JUnit with per-agent rows,
 * windows and incidents naming their agents, the JUnit valid against the common schema, the
 * saved document accepted by the result schema, the HTML chart lanes, and `/metrics` by agent.
 *
 * Update the goldens after an intended change with
 * `UPDATE_GOLDEN=1 node --test test/unit/merge-reports.test.ts` and review the diff.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Registry } from 'prom-client';
import { mergeResults } from '../../src/analysis/merge.ts';
import { chartModel, LiveFeed } from '../../src/report/html-model.ts';
import { renderSummaryHtml } from '../../src/report/html-summary.ts';
import { parseResult, renderJson } from '../../src/report/json.ts';
import { renderJunit } from '../../src/report/junit.ts';
import { renderMarkdown } from '../../src/report/markdown.ts';
import { renderText } from '../../src/report/text.ts';
import type { ResultDocument } from '../../src/result.ts';
import { addAgentMetrics } from '../../src/server/metrics.ts';
import { agentDoc } from '../helpers/agent-doc.ts';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const ok = (n: number): string => '.'.repeat(n);
const latency = (i: number) => 1 + (i % 7) * 0.5;

/** eu fails /a for 1 s, us 200 ms later for 0.5 s overlapping it; ap is clean; sg is missing. */
function merged(): ResultDocument {
  const docs = [
    agentDoc({
      agent: 'eu',
      latency,
      patterns: { a: ok(20) + 'x'.repeat(10) + ok(30), b: ok(60) },
    }),
    agentDoc({
      agent: 'us',
      startMs: 200,
      latency: (i) => latency(i) * 3,
      patterns: { a: ok(25) + 'x'.repeat(5) + ok(28), b: ok(58) },
    }),
    agentDoc({ agent: 'ap', startMs: 100, latency, patterns: { a: ok(59), b: ok(59) } }),
  ];
  const doc = mergeResults(docs, { expectAgents: ['eu', 'us', 'ap', 'sg'] });
  doc.tool.version = '0.1.0'; // goldens do not change with each release
  return doc;
}

function golden(name: string, actual: string): void {
  const file = here(`../golden/${name}`);
  if (process.env.UPDATE_GOLDEN === '1') {
    writeFileSync(file, actual);
    return;
  }
  assert.equal(actual, readFileSync(file, 'utf8'), `${name} differs (UPDATE_GOLDEN=1 to accept)`);
}

describe('reports of a merged document', () => {
  test('the merged facts the reports render', () => {
    const doc = merged();
    const a = doc.endpoints[0]!;
    assert.equal(a.downtime.windows.length, 1);
    assert.deepEqual(a.downtime.windows[0]!.agents, ['eu', 'us']);
    assert.equal(a.downtime.windows[0]!.startMs, 2000);
    assert.equal(a.downtime.windows[0]!.endMs, 3200); // us's window ends at 3.0 s + 200 ms
    assert.equal(doc.verdict, 'fail');
  });

  test('golden text: agents fact, per-agent rows, incidents naming their agents', () => {
    const text = renderText(merged());
    golden('merged.txt.golden', text);
    assert.match(text, /@ eu\s+✗ 60 requests, 10 failed/);
    assert.match(text, /@ ap\s+✓ 59 requests, 0 failed/);
    assert.match(text, /seen by eu, us/);
    assert.match(text, /sg MISSING — incomplete: expected, but no result came/);
  });

  test('golden Markdown: an agents table and an endpoint × agent table', () => {
    const md = renderMarkdown(merged());
    golden('merged.md.golden', md);
    assert.match(md, /\| ❔ \| \*\*sg\*\* \| MISSING \|/);
    assert.match(md, /\| ❌ \| a \| \*\*eu\*\* \| 60 \| 10 \|/);
    assert.match(md, /^a @us\s+/m);
  });

  test('golden JUnit: a case per endpoint × agent and per incomplete agent; schema-valid', () => {
    const xml = renderJunit(merged());
    golden('merged.junit.xml', xml);
    assert.equal(xml.match(/<testcase /g)!.length, 2 + 2 * 3 + 1);
    assert.match(xml, /<testcase name="a @ eu" classname="zerodown.eu"[^>]*>\s*<failure /);
    assert.match(xml, /<testcase name="b @ ap" classname="zerodown.ap"[^>]*\/>/);
    assert.match(xml, /<testcase name="agent sg"[^>]*>\s*<error message="agent sg incomplete/);
    const file = join(mkdtempSync(join(tmpdir(), 'zd-junit-')), 'merged.xml');
    writeFileSync(file, xml);
    execFileSync('xmllint', ['--noout', '--schema', here('../fixtures/junit.xsd'), file], {
      stdio: 'pipe',
    });
  });

  test('the saved merged document passes the result schema and renders the same again', () => {
    const doc = merged();
    const again = parseResult(renderJson(doc), 'merged.json');
    assert.equal(renderText(again), renderText(doc));
    const broken = JSON.parse(renderJson(doc)) as { agents: { complete: unknown }[] };
    broken.agents[0]!.complete = 'yes';
    assert.throws(() => parseResult(JSON.stringify(broken)), /agents\[0\]\.complete/);
  });

  test('HTML: a chart lane per agent after each endpoint; the summary lists agents', () => {
    const doc = merged();
    const model = chartModel(doc);
    assert.deepEqual(
      model.endpoints.map((e) => [e.name, e.agent]),
      [
        ['a', null],
        ['a @ eu', 'eu'],
        ['a @ us', 'us'],
        ['a @ ap', 'ap'],
        ['b', null],
        ['b @ eu', 'eu'],
        ['b @ us', 'us'],
        ['b @ ap', 'ap'],
      ],
    );
    assert.equal(model.endpoints[0]!.windows[0]!.agents, 'eu, us');
    assert.equal(model.endpoints[2]!.windows[0]!.startMs, 2700, 'us lane on the merged clock');
    assert.equal(model.endpoints[3]!.windows.length, 0);
    const live = new LiveFeed().next(doc, [], () => ({ title: '', summaryHtml: '' }));
    assert.equal(live!.endpoints!.length, 8);
    const html = renderSummaryHtml(doc);
    assert.match(html, /<table class="zd-agents">/);
    assert.match(html, /data-agent="sg" data-complete="false"/);
    assert.equal(html.match(/zd-agent-row/g)!.length, 6);
  });

  test('/metrics: downtime, probes and completeness labelled by agent', async () => {
    const doc = merged();
    const registry = new Registry();
    addAgentMetrics(registry, { stats: () => doc });
    const text = await registry.metrics();
    assert.match(text, /zerodown_agent_downtime_seconds\{endpoint="a",agent="eu"\} 1\n/);
    assert.match(text, /zerodown_agent_downtime_seconds\{endpoint="a",agent="us"\} 0\.5\n/);
    assert.match(text, /zerodown_agent_downtime_seconds\{endpoint="a",agent="ap"\} 0\n/);
    assert.match(text, /zerodown_agent_probes\{endpoint="a",agent="eu",result="fail"\} 10\n/);
    assert.match(text, /zerodown_agent_complete\{agent="sg"\} 0\n/);
    assert.match(text, /zerodown_agent_complete\{agent="eu"\} 1\n/);
    const single = new Registry();
    addAgentMetrics(single, { stats: () => agentDoc({ agent: 'eu', patterns: { a: ok(5) } }) });
    assert.doesNotMatch(await single.metrics(), /agent="/);
  });
});
