/**
 * "Did you mean": the known key closest to an unknown one, found by walking the config's zod
 * schema along the unknown key's path. Pure.
 */

/** The parts of a zod 4 schema this walk reads (its definition). */
interface SchemaLike {
  _zod: {
    def: {
      type: string;
      shape?: Record<string, SchemaLike>;
      innerType?: SchemaLike;
      element?: SchemaLike;
      in?: SchemaLike;
      out?: SchemaLike;
      options?: SchemaLike[];
      valueType?: SchemaLike;
    };
  };
}

/** The keys an object in `schema` at `path` accepts (empty when the path leads elsewhere). */
export function keysAt(schema: unknown, path: readonly PropertyKey[]): string[] {
  let node: SchemaLike | undefined = schema as SchemaLike;
  for (const step of path) {
    node = unwrap(node);
    const def = node?._zod.def;
    if (!def) return [];
    if (def.type === 'array') node = def.element;
    else if (def.type === 'record') node = def.valueType;
    else if (def.type === 'object' && typeof step === 'string') node = def.shape?.[step];
    else return [];
  }
  const def = unwrap(node)?._zod.def;
  return def?.type === 'object' && def.shape ? Object.keys(def.shape) : [];
}

/** Past optional, default, pipe and transform wrappers to the schema that holds the shape. */
function unwrap(node: SchemaLike | undefined): SchemaLike | undefined {
  for (let i = 0; node && i < 10; i++) {
    const def = node._zod.def;
    if (def.innerType) node = def.innerType;
    else if (def.type === 'pipe') node = def.in?._zod.def.type === 'transform' ? def.out : def.in;
    else return node;
  }
  return node;
}

/** The known key closest to `key` (edit distance at most 2, or a case slip), if any. */
export function closestKey(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const k of known) {
    const d = k.toLowerCase() === key.toLowerCase() ? 0 : distance(key, k);
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  return best;
}

/** Optimal string alignment distance (Levenshtein with adjacent swaps), up to 64 characters. */
function distance(a: string, b: string): number {
  if (a.length > 64 || b.length > 64) return Infinity;
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        v = Math.min(v, d[i - 2]![j - 2]! + 1);
      }
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}
