/**
 * `${VAR}` and `${VAR:-default}` interpolation over every string of a parsed config tree, so
 * secrets stay out of the file. `$${` is a literal `${`.
 */
import { configError } from '../errors.ts';

const REF = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/** Replaces references in one string; `field` names it in errors. */
export function interpolateString(
  text: string,
  env: Readonly<Record<string, string | undefined>>,
  field: string,
): string {
  return text.replace(REF, (whole, name: string | undefined, fallback: string | undefined) => {
    if (whole === '$${') return '${';
    const value = env[name!];
    if (value !== undefined && value !== '') return value;
    if (fallback !== undefined) return fallback;
    throw configError(field, `environment variable ${name} is not set (use \${${name}:-default})`);
  });
}

/** Returns a copy of a parsed YAML/JSON tree with every string interpolated. */
export function interpolateTree(
  node: unknown,
  env: Readonly<Record<string, string | undefined>>,
  path = '',
): unknown {
  if (typeof node === 'string') return interpolateString(node, env, path);
  if (Array.isArray(node))
    return node.map((item, i) => interpolateTree(item, env, `${path}[${i}]`));
  if (node !== null && typeof node === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(node)) {
      out[key] = interpolateTree(value, env, path ? `${path}.${key}` : key);
    }
    return out;
  }
  return node;
}
