/**
 * A small JSON path evaluator for `version: { json }` and `expect: { json }`: a root `$`
 * followed by member names (`.status`, `['content-type']`, `["a b"]`) and array indexes (`[0]`,
 * `[-1]` from the end). No wildcards, filters or recursive descent: one path names one value.
 * Pure.
 *
 *   $.build.version      → body.build.version
 *   $.items[0].id        → body.items[0].id
 *   $['x-ready']         → body['x-ready']
 */

/** One step of a path: a member name or an array index. */
export type JsonPathStep = { kind: 'member'; name: string } | { kind: 'index'; index: number };

/** A parsed path: its text (as written) and its steps. */
export interface JsonPath {
  readonly text: string;
  readonly steps: readonly JsonPathStep[];
}

/** Why a path could not be parsed: a message naming the offending position. */
export class JsonPathError extends Error {
  override readonly name = 'JsonPathError';
}

const NAME = /^[A-Za-z_$][A-Za-z0-9_$-]*/;
const INDEX = /^\[\s*(-?\d+)\s*\]/;

/** Parses `text` (e.g. `$.status`) into a path; throws `JsonPathError` when it is not one. */
export function parseJsonPath(text: string): JsonPath {
  if (!text.startsWith('$')) {
    throw new JsonPathError(
      `a JSON path starts with $ (e.g. $.status), got ${JSON.stringify(text)}`,
    );
  }
  const steps: JsonPathStep[] = [];
  let rest = text.slice(1);
  while (rest.length > 0) {
    const at = text.length - rest.length;
    if (rest.startsWith('.')) {
      const m = NAME.exec(rest.slice(1));
      if (!m) throw new JsonPathError(`expected a member name after "." at position ${at + 1}`);
      steps.push({ kind: 'member', name: m[0] });
      rest = rest.slice(1 + m[0].length);
      continue;
    }
    const index = INDEX.exec(rest);
    if (index) {
      steps.push({ kind: 'index', index: Number(index[1]) });
      rest = rest.slice(index[0].length);
      continue;
    }
    const quoted = /^\[\s*('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")\s*\]/.exec(rest);
    if (quoted) {
      steps.push({ kind: 'member', name: unquote(quoted[1]!) });
      rest = rest.slice(quoted[0].length);
      continue;
    }
    throw new JsonPathError(
      `unexpected ${JSON.stringify(rest[0])} at position ${at} (use .name, ['name'] or [0])`,
    );
  }
  return { text, steps };
}

function unquote(q: string): string {
  return q.slice(1, -1).replace(/\\(.)/g, '$1');
}

/** The value the path names in `root`, or `undefined` when there is none. */
export function evaluateJsonPath(path: JsonPath, root: unknown): unknown {
  let value = root;
  for (const step of path.steps) {
    if (step.kind === 'index') {
      if (!Array.isArray(value)) return undefined;
      const i = step.index < 0 ? value.length + step.index : step.index;
      value = (value as unknown[])[i];
    } else {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
      if (!Object.hasOwn(value, step.name)) return undefined;
      value = (value as Record<string, unknown>)[step.name];
    }
    if (value === undefined) return undefined;
  }
  return value;
}

/** A JSON value as text for comparisons and versions: strings as they are, the rest as JSON. */
export function jsonValueText(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** A body parsed as JSON once, shared by every check that needs it. */
export type ParsedBody = { ok: true; value: unknown } | { ok: false };

/** Parses a body prefix as JSON; a truncated or non-JSON body is `{ ok: false }`. */
export function parseJsonBody(text: string): ParsedBody {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}
