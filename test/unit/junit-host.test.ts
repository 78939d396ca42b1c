/**
 * The JUnit report's `hostname`: the result document's `host` (the machine that probed, set when
 * the document is assembled), or `localhost` for documents written before it existed.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { parseResult } from '../../src/report/json.ts';
import { renderJunit } from '../../src/report/junit.ts';

const FIXTURE = fileURLToPath(new URL('../fixtures/result-downtime.json', import.meta.url));
const fixture = () => parseResult(readFileSync(FIXTURE, 'utf8'), FIXTURE);
const hostname = (xml: string) => /<testsuite [^>]*hostname="([^"]*)"/.exec(xml)?.[1];

test('hostname is the document host, escaped; localhost for a document without one', () => {
  const doc = fixture();
  assert.equal(doc.host, undefined, 'the fixture predates host');
  assert.equal(hostname(renderJunit(doc)), 'localhost');
  assert.equal(hostname(renderJunit({ ...doc, host: 'ci-runner-7' })), 'ci-runner-7');
  assert.equal(hostname(renderJunit({ ...doc, host: 'a"<b>&c' })), 'a&quot;&lt;b&gt;&amp;c');
});
