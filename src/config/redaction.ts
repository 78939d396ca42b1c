/**
 * The redactor of one resolved config: the names `redact:` adds, and every secret value the config
 * holds (secret query values and user-info of the probed URLs, secret request headers, the Slack
 * webhook URL, the webhook's secret and headers, the SMTP password), so free text can be cleaned
 * of them too. Pure.
 */
import { Redactor, secretsOfUrl, type RedactNames } from '../redact.ts';
import type { NotifyConfig } from './resolve.ts';

/** Builds the redactor of a config from its parts. */
export function redactorFor(parts: {
  names: RedactNames | undefined;
  baseUrl: string | undefined;
  endpoints: readonly { url: string; headers: Readonly<Record<string, string>> }[];
  notify: NotifyConfig | undefined;
}): Redactor {
  const names = parts.names ?? {};
  const probe = new Redactor(names);
  const secrets: string[] = [];
  const fromUrl = (url: string | undefined) => {
    if (url !== undefined) secrets.push(...secretsOfUrl(url, names.query));
  };
  const fromHeaders = (headers: Readonly<Record<string, string>>) => {
    for (const [name, value] of Object.entries(headers)) {
      if (!probe.isSecretHeader(name)) continue;
      secrets.push(value);
      // `Bearer abc`: the credential alone may also appear.
      const credential = /^\s*\S+\s+(\S+)\s*$/.exec(value)?.[1];
      if (credential !== undefined) secrets.push(credential);
    }
  };
  fromUrl(parts.baseUrl);
  for (const e of parts.endpoints) {
    fromUrl(e.url);
    fromHeaders(e.headers);
  }
  const n = parts.notify;
  if (n?.slack) secrets.push(n.slack.webhookUrl, new URL(n.slack.webhookUrl).pathname);
  if (n?.webhook) {
    fromUrl(n.webhook.url);
    fromHeaders(n.webhook.headers);
    if (n.webhook.secret !== undefined) secrets.push(n.webhook.secret);
  }
  if (n?.email?.pass !== undefined) secrets.push(n.email.pass);
  return new Redactor(names, secrets);
}
