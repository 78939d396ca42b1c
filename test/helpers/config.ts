/** Building resolved configs for tests without files. */
import { resolveConfig, type ZerodownConfig } from '../../src/config/resolve.ts';
import { validateConfig } from '../../src/config/load.ts';

/** A resolved config from a raw config tree (as a YAML file would give). */
export function configOf(raw: Record<string, unknown>): ZerodownConfig {
  return resolveConfig(validateConfig(raw));
}

/** One endpoint at `rate`/s with `timeout` and extra endpoint settings. */
export function endpointConfig(
  url: string,
  settings: Record<string, unknown> = {},
  top: Record<string, unknown> = {},
): ZerodownConfig {
  return configOf({ endpoints: [{ url, ...settings }], ...top });
}
