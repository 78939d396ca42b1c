/**
 * Durations: a number with a unit (`ms`, `s`, `m`, `h`) or a bare number of milliseconds.
 */

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const PATTERN = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*(ms|s|m|h)?\s*$/;

/** Parses a duration into milliseconds; returns undefined when the text is not a duration. */
export function parseDuration(value: string | number): number | undefined {
  if (typeof value === 'number') {
    return Number.isFinite(value) && value >= 0 ? value : undefined;
  }
  const match = PATTERN.exec(value);
  if (!match) return undefined;
  const amount = Number(match[1]);
  const unit = UNITS[match[2] ?? 'ms'] ?? 1;
  return Math.round(amount * unit * 1000) / 1000;
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
