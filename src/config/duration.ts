/**
 * Durations: a number with a unit (`ms`, `s`, `m`, `h`, `d`), or several in a row from the
 * largest unit down (`1m30s`, `1h5m`, `2s500ms`). A bare number is refused, except `0`: people
 * coming from hey, curl and k6 type seconds, and `-t 1` must not silently mean 1 millisecond.
 */

const UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};
const PART = /(\d+(?:\.\d+)?|\.\d+)(ms|s|m|h|d)/y;
const BARE = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*$/;

/** The longest duration any setting takes: 30 days (a long soak; past it, a typo). */
export const MAX_DURATION_MS = 30 * 86_400_000;

/** Why a text is not a duration, or the duration in milliseconds. */
export type DurationParse = { ms: number } | { error: string };

/**
 * Parses a duration into milliseconds, or says why it is not one (`"5" has no unit: did you
 * mean 5s?`). Numbers from YAML/JSON follow the same rule: only `0` is unit-less.
 */
export function readDuration(value: string | number): DurationParse {
  if (typeof value === 'number') {
    if (value === 0) return { ms: 0 };
    return { error: noUnit(String(value)) };
  }
  const text = value.replace(/\s+/g, '');
  const bare = BARE.exec(text);
  if (bare) return Number(bare[1]) === 0 ? { ms: 0 } : { error: noUnit(bare[1]!) };
  let total = 0;
  let last = Infinity;
  PART.lastIndex = 0;
  while (PART.lastIndex < text.length) {
    const start = PART.lastIndex;
    const m = PART.exec(text);
    if (!m || m.index !== start) return { error: notDuration(value) };
    const unit = UNITS[m[2]!]!;
    if (unit >= last)
      return { error: `${JSON.stringify(value)}: units go from largest to smallest (e.g. 1m30s)` };
    last = unit;
    total += Number(m[1]) * unit;
  }
  if (text === '') return { error: notDuration(value) };
  const ms = Math.round(total * 1000) / 1000;
  if (ms > MAX_DURATION_MS) return { error: `${JSON.stringify(value)} is longer than 30 days` };
  return { ms };
}

/** Parses a duration into milliseconds; undefined when the text is not a duration. */
export function parseDuration(value: string | number): number | undefined {
  const r = readDuration(value);
  return 'ms' in r ? r.ms : undefined;
}

function noUnit(n: string): string {
  return `${JSON.stringify(n)} has no unit: did you mean ${n}s? (durations take a unit: 500ms, 2s, 1m30s; only 0 may go without)`;
}

function notDuration(value: string | number): string {
  return `not a duration: ${JSON.stringify(value)} (use e.g. 500ms, 2s, 1m30s, 1h)`;
}

/** Formats milliseconds for people: `850 ms`, `1.25 s`, `2 m 5 s`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${trim(ms / 1000)} s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1000);
  if (minutes < 60) return seconds ? `${minutes} m ${seconds} s` : `${minutes} m`;
  const hours = Math.floor(minutes / 60);
  return `${hours} h ${minutes % 60} m`;
}

function trim(n: number): string {
  return n.toFixed(n < 10 ? 2 : 1).replace(/\.?0+$/, '');
}
