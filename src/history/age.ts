/**
 * Ages for history commands (`--since 7d`, `--older-than 90d`): a duration, or a number of days
 * (`d`) or weeks (`w`). Pure.
 */
import { parseDuration } from '../config/duration.ts';

const DAY_MS = 86_400_000;
const PATTERN = /^\s*(\d+(?:\.\d+)?)\s*(d|w)\s*$/;

/** Parses an age into milliseconds; undefined when it is not one. */
export function parseAge(text: string): number | undefined {
  const m = PATTERN.exec(text);
  if (m) return Number(m[1]) * (m[2] === 'w' ? 7 : 1) * DAY_MS;
  return parseDuration(text);
}
