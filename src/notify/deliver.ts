/**
 * Delivering one notification: an HTTP POST with a deadline, and the error that says whether
 * another attempt may help.
 */

/** A failed delivery attempt; `retryable` when trying again may help (5xx, 429, network). */
export class DeliveryError extends Error {
  override readonly name = 'DeliveryError';
  readonly retryable: boolean;

  constructor(message: string, retryable: boolean) {
    super(message);
    this.retryable = retryable;
  }
}

/** POSTs `body` to `url`; resolves on a 2xx answer, else throws a `DeliveryError`. */
export async function post(
  url: string,
  body: string,
  headers: Readonly<Record<string, string>>,
  timeoutMs: number,
): Promise<void> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      body,
      headers,
      redirect: 'error',
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    throw new DeliveryError(networkReason(err, timeoutMs), true);
  }
  const text = await res.text().catch(() => '');
  if (res.ok) return;
  const retryable = res.status >= 500 || res.status === 429 || res.status === 408;
  const detail = text.trim().slice(0, 200).replace(/\s+/g, ' ');
  throw new DeliveryError(`HTTP ${res.status}${detail ? `: ${detail}` : ''}`, retryable);
}

function networkReason(err: unknown, timeoutMs: number): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
  return e.cause?.code ?? e.cause?.message ?? e.message ?? String(err);
}

/** The origin of a URL, for logs (a webhook's path and query may hold its secret). */
export function originOf(url: string): string {
  return new URL(url).origin;
}
