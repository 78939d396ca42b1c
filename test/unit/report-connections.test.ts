/**
 * ws:// connection facts in reports: the text, Markdown and HTML reports all say how many
 * connections drained and dropped, from the document's `connections` (one sentence, common.ts);
 * a saved document with them validates, and one with a malformed lane does not.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { connectionsText } from '../../src/report/common.ts';
import { renderHtml } from '../../src/report/html.ts';
import { parseResult } from '../../src/report/json.ts';
import { renderMarkdown } from '../../src/report/markdown.ts';
import { renderText } from '../../src/report/text.ts';
import type { ConnectionLane, ResultDocument } from '../../src/result.ts';

const file = fileURLToPath(new URL('../fixtures/result-downtime.json', import.meta.url));

function docWith(lanes: ConnectionLane[]): ResultDocument {
  const doc = parseResult(readFileSync(file, 'utf8'), file);
  doc.endpoints[0]!.connections = lanes;
  return doc;
}

const window = {
  startMs: 1000,
  endMs: 2040,
  durationMs: 1040,
  open: false,
  failures: 26,
  errorCodes: { 'ws:1006': 1, ECONNREFUSED: 25 },
};
const lane = (n: number, over: Partial<ConnectionLane>): ConnectionLane => ({
  lane: n,
  probes: 100,
  failures: 0,
  drops: 0,
  drained: 0,
  closeCodes: {},
  windows: [],
  ...over,
});

describe('connections in reports', () => {
  test('drained connections: every renderer says no downtime', () => {
    const doc = docWith([0, 1].map((n) => lane(n, { drained: 1, closeCodes: { '1001': 1 } })));
    const sentence =
      '2 connections held open; 2 drained (closed gracefully, reconnected at once: no downtime); close codes 1001 x2';
    assert.equal(connectionsText(doc.endpoints[0]!), sentence);
    assert.ok(renderText(doc).includes(sentence));
    assert.match(
      renderMarkdown(doc),
      /### Connections\n\n- \*\*[^*]+:\*\* 2 connections held open; 2 drained/,
    );
    assert.match(
      renderHtml(doc),
      /<h2>Connections<\/h2><ul class="zd-connections"><li><strong>[^<]+<\/strong>: 2 connections held open; 2 drained/,
    );
  });
  test('dropped connections: how many were down and the longest window', () => {
    const doc = docWith(
      [0, 1, 2].map((n) =>
        lane(n, { drops: 1, failures: 26, closeCodes: { '1006': 1 }, windows: [window] }),
      ),
    );
    assert.equal(
      connectionsText(doc.endpoints[0]!),
      '3 connections held open; 3 dropped; 3 connections down, longest 1.04 s; close codes 1006 x3',
    );
    assert.equal(connectionsText(docWith([]).endpoints[0]!), '');
  });
  test('saved documents with connections validate; a malformed lane does not', () => {
    const doc = docWith([lane(0, { drops: 1, closeCodes: { '1006': 1 }, windows: [window] })]);
    assert.deepEqual(
      parseResult(JSON.stringify(doc)).endpoints[0]!.connections,
      doc.endpoints[0]!.connections,
    );
    const bad = JSON.parse(JSON.stringify(doc)) as { endpoints: { connections: unknown[] }[] };
    bad.endpoints[0]!.connections = [{ lane: 0, drops: 'many' }];
    assert.throws(() => parseResult(JSON.stringify(bad)), /connections/);
  });
});
