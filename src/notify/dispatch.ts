/**
 * Sending a final result's notifications: each configured channel whose `on` matches (only when
 * the run did not pass, or always), at once, each retried a bounded number of times with
 * exponential backoff. Failures are logged and returned, never thrown: a notification never
 * changes the verdict or the exit code.
 */
import type { NotifyConfig } from '../config/resolve.ts';
import { formatDuration } from '../config/duration.ts';
import { decideOutcome } from '../outcome.ts';
import type { ResultDocument } from '../result.ts';
import { sleep } from '../util/sleep.ts';
import { DeliveryError, originOf } from './deliver.ts';
import { sendSlack } from './slack.ts';
import { sendWebhook } from './webhook.ts';

/** How one channel fared. */
export interface NotifyOutcome {
  channel: 'slack' | 'webhook' | 'email';
  ok: boolean;
  attempts: number;
  error?: string;
}

/** Options of `sendNotifications`. */
export interface NotifyOptions {
  /** Where progress and failures are told (default: stderr). */
  log?: (line: string) => void;
  /** Wait before the first retry, doubled for each further one (default 1 s). */
  backoffMs?: number;
}

/** Sends the notifications `notify` asks for about a final result. Never rejects. */
export async function sendNotifications(
  doc: ResultDocument,
  notify: NotifyConfig | undefined,
  options: NotifyOptions = {},
): Promise<NotifyOutcome[]> {
  if (!notify) return [];
  const log = options.log ?? ((line: string) => void process.stderr.write(`${line}\n`));
  // `on: failure`: any outcome but a clean pass (degraded included, although it exits 0).
  const failure = decideOutcome(doc).verdict !== 'pass';
  const due = (on: 'failure' | 'always') => on === 'always' || failure;
  const jobs: { channel: NotifyOutcome['channel']; where: string; send: () => Promise<void> }[] =
    [];
  const { slack, webhook, email } = notify;
  if (slack && due(slack.on)) {
    jobs.push({ channel: 'slack', where: 'Slack', send: () => sendSlack(doc, slack, notify) });
  }
  if (webhook && due(webhook.on)) {
    jobs.push({
      channel: 'webhook',
      where: originOf(webhook.url),
      send: () => sendWebhook(doc, webhook, notify),
    });
  }
  if (email && due(email.on)) {
    jobs.push({
      channel: 'email',
      where: `${email.host}:${email.port}`,
      // nodemailer is loaded only when email is configured: it is heavy.
      send: async () => (await import('./email.ts')).sendEmail(doc, email, notify),
    });
  }
  return Promise.all(
    jobs.map((job) => withRetries(job, notify.retries + 1, options.backoffMs ?? 1000, log)),
  );
}

async function withRetries(
  job: { channel: NotifyOutcome['channel']; where: string; send: () => Promise<void> },
  attempts: number,
  backoffMs: number,
  log: (line: string) => void,
): Promise<NotifyOutcome> {
  const name = `zerodown: notify ${job.channel} (${job.where})`;
  for (let attempt = 1; ; attempt++) {
    try {
      await job.send();
      log(`${name}: sent${attempt > 1 ? ` on attempt ${attempt}` : ''}`);
      return { channel: job.channel, ok: true, attempts: attempt };
    } catch (err) {
      const e =
        err instanceof DeliveryError ? err : new DeliveryError((err as Error).message, true);
      if (!e.retryable || attempt >= attempts) {
        const tries = attempt === 1 ? '' : ` after ${attempt} attempts`;
        log(`${name}: failed${tries}: ${e.message} (the verdict and exit code are unchanged)`);
        return { channel: job.channel, ok: false, attempts: attempt, error: e.message };
      }
      const waitMs = backoffMs * 2 ** (attempt - 1);
      log(
        `${name}: attempt ${attempt} of ${attempts} failed: ${e.message}; retrying in ${formatDuration(waitMs)}`,
      );
      await sleep(waitMs);
    }
  }
}
