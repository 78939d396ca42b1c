/**
 * What Argo Rollouts and Flagger send and how they read the answer, for the examples' tests: the
 * requests are the controllers' own (method, headers, JSON payload), sent to a real server; only
 * the cluster is missing. Read from Argo Rollouts' web metric provider and Flagger's webhook
 * caller.
 */

/** The in-cluster address of the zerodown Service that the examples call. */
export const SERVICE = 'http://zerodown.zerodown.svc:8080';

/** One measurement of an Argo Rollouts metric: its phase and value. */
export interface Measurement {
  phase: 'Successful' | 'Failed' | 'Error';
  value: string;
}

/** An Argo Rollouts web metric, as an AnalysisTemplate declares it. */
export interface WebMetric {
  name: string;
  successCondition?: string;
  provider: {
    web: {
      url: string;
      method?: 'GET' | 'POST' | 'PUT';
      headers?: { key: string; value: string }[];
      jsonPath?: string;
    };
  };
}

/** Fills `{{args.name}}` placeholders as an AnalysisRun does; a missing argument throws. */
export function fillArgs(text: string, args: Record<string, string>): string {
  return text.replace(/\{\{\s*args\.([\w-]+)\s*\}\}/g, (_m, name: string) => {
    const value = args[name];
    if (value === undefined) throw new Error(`no value for args.${name}`);
    return value;
  });
}

/**
 * Takes one measurement of `metric` the way Argo Rollouts' web provider does: the request with the
 * template's method and headers (to `server` in place of the Service); any answer but 2xx is an
 * Error; a body that is not JSON is Successful with the text as value; otherwise the first value
 * at `jsonPath` (`{$.field}` here) is `result` for `successCondition` (`result == "…"` here).
 */
export async function measure(
  metric: WebMetric,
  args: Record<string, string>,
  server: string,
): Promise<Measurement> {
  const web = metric.provider.web;
  const url = fillArgs(web.url, args).replace(SERVICE, server);
  const headers = Object.fromEntries(
    (web.headers ?? []).map((h) => [h.key, fillArgs(h.value, args)]),
  );
  const res = await fetch(url, { method: web.method ?? 'GET', headers });
  const text = await res.text();
  if (res.status < 200 || res.status >= 300) return { phase: 'Error', value: `${res.status}` };
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return { phase: 'Successful', value: text };
  }
  const field = /^\{\$\.(\w+)\}$/.exec(web.jsonPath ?? '')?.[1];
  const result = field === undefined ? data : (data as Record<string, unknown>)[field];
  const wanted = /^result == "([\w-]+)"$/.exec(metric.successCondition ?? '')?.[1];
  if (wanted === undefined) throw new Error(`condition not modelled: ${metric.successCondition}`);
  return { phase: result === wanted ? 'Successful' : 'Failed', value: JSON.stringify(result) };
}

/** A Flagger webhook, as a Canary declares it. */
export interface Webhook {
  name: string;
  type: string;
  url: string;
  metadata?: Record<string, string>;
}

/** What Flagger posts to a webhook (CanaryWebhookPayload). */
export interface WebhookPayload {
  name: string;
  namespace: string;
  phase: string;
  checksum: string;
  metadata?: Record<string, string>;
}

/**
 * Calls a Flagger webhook as Flagger does: `POST` of the JSON payload with `Content-Type:
 * application/json`, to `server` in place of the Service; user-info in the URL goes as Basic auth
 * (Go's HTTP client does that; fetch refuses such URLs, so the header is made here).
 */
export async function callWebhook(
  hook: Webhook,
  payload: WebhookPayload,
  server: string,
): Promise<{ status: number; text: string }> {
  const target = new URL(hook.url);
  const { username, password } = target;
  target.username = '';
  target.password = '';
  const basic = Buffer.from(`${decodeURIComponent(username)}:${decodeURIComponent(password)}`);
  const res = await fetch(target.href.replace(`${SERVICE}/`, `${server}/`), {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(username === '' ? {} : { authorization: `Basic ${basic.toString('base64')}` }),
    },
    body: JSON.stringify({ ...payload, ...(hook.metadata ? { metadata: hook.metadata } : {}) }),
  });
  return { status: res.status, text: await res.text() };
}
