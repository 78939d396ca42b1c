/**
 * The JUnit XML report, so any CI shows downtime as a failed test: one test case per endpoint,
 * failed (type `downtime`) with its windows as the message, in the common Ant/Jenkins JUnit
 * format (one `testsuite` inside `testsuites`; suite properties; the text report as the suite's
 * output). A `deploy` test case is added when the run had a deploy command. A merged document
 * (contract §7) adds a test case per endpoint × agent (`/health @ eu`, class `zerodown.eu`) and
 * an `agent <name>` error case for each agent missing or stopped early. Pure: (doc) => string.
 */
import { incidentsOf } from '../analysis/incidents.ts';
import { decideOutcome, describeDeploy, deployFailed } from '../outcome.ts';
import type { AgentSummary, EndpointResult, ResultDocument } from '../result.ts';
import { agentLanes, agentText, incidentSpan, incidentWhat, mergeGapOf } from './common.ts';
import { guardLines } from './guard-text.ts';
import { apiOf, phasesText, renderText } from './text.ts';

/** Renders a result document as JUnit XML. */
export function renderJunit(doc: ResultDocument): string {
  const failDegraded = doc.guard?.failOnDegraded === true;
  const cases = doc.endpoints.flatMap((e) => [
    endpointCase(e, failDegraded, mergeGapOf(doc)),
    ...agentLanes(e).map((l) =>
      endpointCase(l.endpoint, failDegraded, mergeGapOf(doc), l.agent, e.name),
    ),
  ]);
  cases.push(...(doc.agents ?? []).filter((a) => !a.complete).map(agentCase));
  const deploy = deployCase(doc);
  if (deploy) cases.push(deploy);
  const tests = cases.length;
  const failures = cases.filter((c) => c.kind === 'failure').length;
  const errors = cases.filter((c) => c.kind === 'error').length;
  const time = seconds(doc.durationMs / 1000);
  const counts = `tests="${tests}" failures="${failures}" errors="${errors}" time="${time}"`;
  const out = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="zerodown" ${counts}>`,
    `  <testsuite name="zerodown" package="zerodown" id="0" ${counts} timestamp="${attr(doc.startedAt.slice(0, 19))}" hostname="${attr(doc.host ?? 'localhost')}">`,
    '    <properties>',
    ...properties(doc).map(
      ([name, value]) => `      <property name="${attr(name)}" value="${attr(value)}"/>`,
    ),
    '    </properties>',
    ...cases.flatMap((c) => c.xml),
    `    <system-out>${text(renderText(doc))}</system-out>`,
    '    <system-err></system-err>',
    '  </testsuite>',
    '</testsuites>',
    '',
  ];
  return out.join('\n');
}

interface Case {
  kind: 'pass' | 'failure' | 'error';
  xml: string[];
}

function endpointCase(
  e: EndpointResult,
  failDegraded: boolean,
  mergeGapMs: number,
  agent?: string,
  name = e.name,
): Case {
  const testName = agent === undefined ? name : `${name} @ ${agent}`;
  const className = agent === undefined ? 'zerodown' : `zerodown.${agent}`;
  const open = `    <testcase name="${attr(testName)}" classname="${attr(className)}" time="${seconds(e.totalTimeSeconds)}"`;
  // Degraded fails the test only where it fails the pipeline (guard.degraded.fail).
  if (e.verdict === 'pass' || (e.verdict === 'degraded' && !failDegraded)) {
    return { kind: 'pass', xml: [`${open}/>`] };
  }
  const body = [
    `${e.method} ${e.url}`,
    `${e.totalRequests} requests at ${e.rate}/s, ${e.totalErrors} failed`,
    ...incidentsOf(e, mergeGapMs).map(
      (incident, i) => `incident ${i + 1}: ${incidentSpan(incident)}, ${incidentWhat(incident)}`,
    ),
  ].join('\n');
  return {
    kind: 'failure',
    xml: [
      `${open}>`,
      `      <failure message="${attr(e.reason)}" type="${e.verdict === 'fail' ? 'downtime' : 'degraded'}">${text(body)}</failure>`,
      '    </testcase>',
    ],
  };
}

/** An agent missing or stopped early: an error (the measurement, not the service, failed). */
function agentCase(a: AgentSummary): Case {
  const reason = a.reason ?? a.gap ?? 'incomplete';
  return {
    kind: 'error',
    xml: [
      `    <testcase name="${attr(`agent ${a.name}`)}" classname="zerodown.${attr(a.name)}" time="${seconds(a.durationMs / 1000)}">`,
      `      <error message="${attr(`agent ${a.name} incomplete: ${reason}`)}" type="inconclusive">${text(agentText(a))}</error>`,
      '    </testcase>',
    ],
  };
}

function deployCase(doc: ResultDocument): Case | undefined {
  const open = (ms: number) =>
    `    <testcase name="deploy" classname="zerodown" time="${seconds(ms / 1000)}"`;
  if (doc.blocked) {
    return {
      kind: 'error',
      xml: [
        `${open(0)}>`,
        `      <error message="${attr(`blocked: ${doc.blocked.reason}`)}" type="blocked">${text('The deploy command was not started.')}</error>`,
        '    </testcase>',
      ],
    };
  }
  const d = doc.deploy;
  if (!d) return undefined;
  if (doc.guard?.aborted) {
    return {
      kind: 'failure',
      xml: [
        `${open(d.durationMs)}>`,
        `      <failure message="${attr(`aborted and rolled back: ${doc.guard.reason ?? ''}`)}" type="aborted">${text(guardLines(doc.guard).join('\n'))}</failure>`,
        '    </testcase>',
      ],
    };
  }
  if (!deployFailed(d)) return { kind: 'pass', xml: [`${open(d.durationMs)}/>`] };
  return {
    kind: 'failure',
    xml: [
      `${open(d.durationMs)}>`,
      `      <failure message="${attr(describeDeploy(d))}" type="deploy">${text(d.command)}</failure>`,
      '    </testcase>',
    ],
  };
}

function properties(doc: ResultDocument): [string, string][] {
  const props: [string, string][] = [
    ['verdict', decideOutcome(doc).verdict],
    ['zerodown.version', doc.tool.version],
    ['api', apiOf(doc)],
    ['startedAt', doc.startedAt],
    ['durationMs', String(doc.durationMs)],
  ];
  const phases = phasesText(doc).replace(/^ \(|\)$/g, '');
  if (phases) props.push(['phases', phases]);
  if (doc.deploy) props.push(['deploy.command', doc.deploy.command]);
  if (doc.budget.maxDowntimeMs !== null) {
    props.push(['budget.maxDowntimeMs', String(doc.budget.maxDowntimeMs)]);
  }
  if (doc.interrupted) props.push(['interrupted', 'true']);
  if (doc.agent !== undefined) props.push(['agent', doc.agent]);
  if (doc.agents) props.push(['agents', doc.agents.map((a) => a.name).join(',')]);
  return props;
}

function seconds(s: number): string {
  return s.toFixed(3);
}

/** Drops what XML 1.0 cannot carry at all (most control characters, lone surrogates). */
function xmlSafe(s: string): string {
  return s.replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '\uFFFD');
}

/** Escapes text content. */
function text(s: string): string {
  return xmlSafe(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Escapes an attribute value (line breaks kept as references, not normalised to spaces). */
function attr(s: string): string {
  return text(s)
    .replace(/"/g, '&quot;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;')
    .replace(/\t/g, '&#9;');
}
