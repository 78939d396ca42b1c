/**
 * Config value types shared by every config section: durations and HTTP status lists.
 */
import { z } from 'zod';
import { readDuration } from './duration.ts';

/**
 * A duration: `500ms`, `2s`, `1m30s`, `1h`; a bare number only when it is 0 (see duration.ts).
 * Parsed to ms.
 */
export const durationSchema = z
  .union([z.number(), z.string()], { error: 'expected a duration such as 500ms, 2s or 1m30s' })
  .transform((value, ctx) => {
    const r = readDuration(value);
    if ('error' in r) {
      ctx.addIssue({ code: 'custom', message: r.error });
      return z.NEVER;
    }
    return r.ms;
  });

const STATUS_ITEM = /^\s*(?:([1-5])xx|(\d{3})(?:\s*-\s*(\d{3}))?)\s*$/i;

/** An inclusive range of HTTP status codes. */
export type StatusRange = readonly [number, number];

function parseStatusItem(item: string | number): StatusRange | undefined {
  if (typeof item === 'number') {
    return Number.isInteger(item) && item >= 100 && item <= 599 ? [item, item] : undefined;
  }
  const m = STATUS_ITEM.exec(item);
  if (!m) return undefined;
  if (m[1]) return [Number(m[1]) * 100, Number(m[1]) * 100 + 99];
  const lo = Number(m[2]);
  const hi = m[3] ? Number(m[3]) : lo;
  return lo >= 100 && hi <= 599 && lo <= hi ? [lo, hi] : undefined;
}

/** Accepted statuses: `200`, `"200-299"`, `"2xx"`, or a list of those. Parsed to ranges. */
export const statusSchema = z
  .union([z.number(), z.string(), z.array(z.union([z.number(), z.string()]))], {
    error: 'expected a status, a range such as 200-299 or 2xx, or a list of those',
  })
  .transform((value, ctx) => {
    const items = Array.isArray(value) ? value : [value];
    const ranges: StatusRange[] = [];
    for (const item of items) {
      const range = parseStatusItem(item);
      if (!range) {
        ctx.addIssue({
          code: 'custom',
          message: `not a status or range: ${JSON.stringify(item)} (use e.g. 200, 200-299, 2xx)`,
        });
        return z.NEVER;
      }
      ranges.push(range);
    }
    if (ranges.length === 0) {
      ctx.addIssue({ code: 'custom', message: 'at least one status is needed' });
      return z.NEVER;
    }
    return ranges;
  });
