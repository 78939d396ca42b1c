/**
 * A generic webhook: a POST of the result document (contract §3) as JSON. With a secret, the
 * body is signed as GitHub signs its webhooks: `x-zerodown-signature-256: sha256=<hex>`, the
 * HMAC-SHA256 of the exact body bytes with the secret as key.
 */
import { createHmac } from 'node:crypto';
import type { NotifyConfig } from '../config/resolve.ts';
import { renderJson } from '../report/json.ts';
import type { ResultDocument } from '../result.ts';
import { post } from './deliver.ts';

/** The header carrying the signature. */
export const SIGNATURE_HEADER = 'x-zerodown-signature-256';

/** The request to send: the body and its headers (the configured ones, then zerodown's). */
export function webhookRequest(
  doc: ResultDocument,
  webhook: NonNullable<NotifyConfig['webhook']>,
): { body: string; headers: Record<string, string> } {
  const body = renderJson(doc);
  const headers: Record<string, string> = {
    ...webhook.headers,
    'content-type': 'application/json',
    'user-agent': `zerodown/${doc.tool.version}`,
    'x-zerodown-event': 'result',
    'x-zerodown-verdict': doc.verdict,
  };
  if (webhook.secret !== undefined) headers[SIGNATURE_HEADER] = sign(body, webhook.secret);
  return { body, headers };
}

/** `sha256=<hex HMAC-SHA256 of body>`. */
export function sign(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

/** POSTs the result document to the webhook. */
export async function sendWebhook(
  doc: ResultDocument,
  webhook: NonNullable<NotifyConfig['webhook']>,
  notify: NotifyConfig,
): Promise<void> {
  const { body, headers } = webhookRequest(doc, webhook);
  await post(webhook.url, body, headers, notify.timeoutMs);
}
