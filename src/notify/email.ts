/**
 * Email over SMTP with nodemailer: the text report as the body, a link to the report when one
 * is configured, and the HTML report attached.
 */
import nodemailer, { type SendMailOptions } from 'nodemailer';
import type { NotifyConfig } from '../config/resolve.ts';
import { formatDuration } from '../config/duration.ts';
import { decideOutcome } from '../outcome.ts';
import { oneLine } from '../report/common.ts';
import { renderHtml } from '../report/html.ts';
import { renderText } from '../report/text.ts';
import type { ResultDocument } from '../result.ts';
import { DeliveryError } from './deliver.ts';

type EmailConfig = NonNullable<NotifyConfig['email']>;

/**
 * The default subject: `zerodown FAIL: downtime on health, orders (1.05 s)`; for any other
 * outcome its label and headline (`zerodown BLOCKED: Blocked: the deploy was not started`).
 */
export function emailSubject(doc: ResultDocument): string {
  const outcome = decideOutcome(doc);
  const failed = doc.endpoints.filter((e) => e.verdict === 'fail');
  if (outcome.verdict === 'fail') {
    const longest = Math.max(...failed.map((e) => e.downtime.totalMs));
    const names = failed.map((e) => oneLine(e.name)).join(', ');
    return `zerodown FAIL: downtime on ${names.length > 80 ? `${failed.length} endpoints` : names} (${formatDuration(longest)})`;
  }
  return `zerodown ${outcome.label}: ${oneLine(outcome.headline)}`;
}

/** The message nodemailer sends. */
export function emailMessage(
  doc: ResultDocument,
  email: EmailConfig,
  reportUrl: string | undefined,
): SendMailOptions {
  const link = reportUrl ? `Report: ${reportUrl}\n\n` : '';
  return {
    from: email.from,
    to: [...email.to],
    subject: email.subject ?? emailSubject(doc),
    text: `${link}${renderText(doc)}`,
    attachments: [
      {
        filename: 'zerodown-report.html',
        content: renderHtml(doc),
        contentType: 'text/html; charset=utf-8',
      },
    ],
  };
}

/** Sends the email; SMTP 4xx and network errors are worth another try, 5xx are not. */
export async function sendEmail(
  doc: ResultDocument,
  email: EmailConfig,
  notify: NotifyConfig,
): Promise<void> {
  const transport = nodemailer.createTransport({
    host: email.host,
    port: email.port,
    secure: email.secure,
    requireTLS: email.requireTLS,
    auth: email.user === undefined ? undefined : { user: email.user, pass: email.pass ?? '' },
    connectionTimeout: notify.timeoutMs,
    greetingTimeout: notify.timeoutMs,
    socketTimeout: notify.timeoutMs,
  });
  try {
    await transport.sendMail(emailMessage(doc, email, notify.reportUrl));
  } catch (err) {
    const e = err as { message?: string; responseCode?: number };
    const permanent = e.responseCode !== undefined && e.responseCode >= 500;
    throw new DeliveryError(oneLine(e.message ?? String(err)), !permanent);
  } finally {
    transport.close();
  }
}
