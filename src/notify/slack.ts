/**
 * Slack incoming webhooks: a compact message with the verdict, the worst windows and a link to
 * the report. The webhook URL is a secret: it never appears in logs.
 */
import type { NotifyConfig } from '../config/resolve.ts';
import { formatDuration } from '../config/duration.ts';
import { decideOutcome, describeDeploy } from '../outcome.ts';
import {
  badgeLabel,
  badgeOf,
  incidentCount,
  incidentSpan,
  incidentWhat,
  oneLine,
  worstIncidents,
  type Badge,
} from '../report/common.ts';
import { apiOf } from '../report/text.ts';
import type { ResultDocument } from '../result.ts';
import { post } from './deliver.ts';

/** Incidents listed in a Slack message at most. */
export const SLACK_MAX_INCIDENTS = 5;

const ICON: Record<Badge, string> = {
  pass: ':white_check_mark:',
  fail: ':x:',
  degraded: ':large_yellow_circle:',
  blocked: ':no_entry:',
  'rolled-back': ':leftwards_arrow_with_hook:',
  'deploy-failed': ':warning:',
  inconclusive: ':grey_question:',
  interrupted: ':black_square_for_stop:',
  running: ':hourglass:',
};

/** The message posted to Slack (Block Kit, with `text` as the notification's fallback). */
export function slackMessage(
  doc: ResultDocument,
  reportUrl: string | undefined,
): { text: string; blocks: object[] } {
  const outcome = decideOutcome(doc);
  const title = `zerodown ${badgeLabel(outcome)}: ${outcome.headline}`;
  const facts = [`*API:* ${mrkdwn(apiOf(doc))}`, `*Run time:* ${formatDuration(doc.durationMs)}`];
  if (doc.deploy) facts.push(`*Deploy:* ${mrkdwn(describeDeploy(doc.deploy))}`);
  if (doc.blocked) facts.push(`*Blocked:* ${mrkdwn(doc.blocked.reason)}`);
  const blocks: object[] = [
    section(`${ICON[badgeOf(outcome)]} *${mrkdwn(title)}*\n${mrkdwn(outcome.sentence)}`),
    { type: 'context', elements: [{ type: 'mrkdwn', text: facts.join('  ·  ') }] },
  ];
  const worst = worstIncidents(doc, SLACK_MAX_INCIDENTS);
  if (worst.length > 0) {
    const total = incidentCount(doc);
    const lines = worst.map(
      ({ endpoint, incident }) =>
        `• *${mrkdwn(endpoint.name)}* ${mrkdwn(incidentSpan(incident))}: ${mrkdwn(incidentWhat(incident))}`,
    );
    const more = total > worst.length ? `\n…and ${total - worst.length} more` : '';
    blocks.push(
      section(
        `*${worst.length === total ? 'Incidents' : 'Longest incidents'}*\n${lines.join('\n')}${more}`,
      ),
    );
  }
  if (reportUrl) blocks.push(section(`<${linkUrl(reportUrl)}|Open the report>`));
  return { text: `${title}: ${outcome.sentence}`, blocks };
}

/** Posts the message to the Slack webhook. */
export async function sendSlack(
  doc: ResultDocument,
  slack: NonNullable<NotifyConfig['slack']>,
  notify: NotifyConfig,
): Promise<void> {
  const body = JSON.stringify(slackMessage(doc, notify.reportUrl));
  await post(slack.webhookUrl, body, { 'content-type': 'application/json' }, notify.timeoutMs);
}

function section(text: string): object {
  return { type: 'section', text: { type: 'mrkdwn', text: text.slice(0, 3000) } };
}

/** Escapes user text for Slack's mrkdwn (the three characters Slack asks to escape). */
export function mrkdwn(text: string): string {
  return oneLine(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A URL that cannot break out of `<url|label>`. */
function linkUrl(url: string): string {
  return url.replace(/\|/g, '%7C').replace(/>/g, '%3E').replace(/</g, '%3C');
}
