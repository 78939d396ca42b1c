/**
 * Deploy time windows: days, hours and excluded dates in a time zone. Pure: the clock is an
 * argument.
 */
import type { TimeWindow } from './schema.ts';

const WEEKDAYS: Record<string, string> = {
  Mon: 'mon',
  Tue: 'tue',
  Wed: 'wed',
  Thu: 'thu',
  Fri: 'fri',
  Sat: 'sat',
  Sun: 'sun',
};

/** The local date, weekday and minute of the day of `now` in `timeZone`. */
export function localTime(
  now: Date,
  timeZone: string,
): { date: string; day: string; minute: number } {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    })
      .formatToParts(now)
      .map((p) => [p.type, p.value]),
  );
  return {
    date: `${parts.year}-${parts.month}-${parts.day}`,
    day: WEEKDAYS[parts.weekday!] ?? '?',
    minute: Number(parts.hour) * 60 + Number(parts.minute),
  };
}

/** Whether `now` is inside the window; the reason says why not. */
export function checkTimeWindow(now: Date, w: TimeWindow): { allowed: boolean; reason: string } {
  const t = localTime(now, w.timezone);
  const stamp = `${t.date} ${String(Math.floor(t.minute / 60)).padStart(2, '0')}:${String(t.minute % 60).padStart(2, '0')} ${w.timezone}`;
  if (w.exclude.includes(t.date))
    return { allowed: false, reason: `${t.date} is excluded (${stamp})` };
  if (!w.days.includes(t.day as TimeWindow['days'][number])) {
    return {
      allowed: false,
      reason: `deploys are allowed on ${w.days.join(', ')}; it is ${t.day} (${stamp})`,
    };
  }
  const [from, to] = w.hours.split('-').map((hm) => {
    const [h, m] = hm.split(':').map(Number);
    return h! * 60 + m!;
  }) as [number, number];
  const inside = from <= to ? t.minute >= from && t.minute < to : t.minute >= from || t.minute < to;
  if (!inside) return { allowed: false, reason: `deploys are allowed ${w.hours}; it is ${stamp}` };
  return { allowed: true, reason: `inside ${w.days.join(',')} ${w.hours} ${w.timezone}` };
}
