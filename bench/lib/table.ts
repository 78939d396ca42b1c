/**
 * Plain-text tables for the benchmark's output. Pure.
 */

/** A cell: text is left-aligned, numbers right-aligned; null/undefined print as `–`. */
export type Cell = string | number | null | undefined;

/** Renders a table with a header row and a rule under it. */
export function renderTable(
  headers: readonly string[],
  rows: readonly (readonly Cell[])[],
): string {
  const text = rows.map((r) => r.map(cellText));
  const widths = headers.map((h, i) => Math.max(h.length, ...text.map((r) => (r[i] ?? '').length)));
  const numeric = headers.map((_, i) => rows.some((r) => typeof r[i] === 'number'));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...text.map(line)].join('\n');
}

function cellText(c: Cell): string {
  if (c === null || c === undefined) return '–';
  if (typeof c === 'number') return Number.isFinite(c) ? String(c) : '–';
  return c;
}

/** Rounds to `digits` decimals (null/undefined/NaN stay null). */
export function fix(n: number | null | undefined, digits = 1): number | null {
  if (n === null || n === undefined || !Number.isFinite(n)) return null;
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** Bytes to MiB, 1 decimal. */
export function mib(bytes: number | null | undefined): number | null {
  return bytes === null || bytes === undefined ? null : fix(bytes / 1048576, 1);
}

/** `PASS`/`FAIL` for a check. */
export function verdict(ok: boolean): string {
  return ok ? 'PASS' : 'FAIL';
}
