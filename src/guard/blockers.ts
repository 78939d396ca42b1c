/**
 * Blockers checked before a deploy starts: time windows and alarms (a Prometheus query with a
 * condition, or an HTTP check). Any blocker that says no blocks the deploy unless overridden.
 */
import { request } from '../util/lazy-undici.ts';
import type { GuardConfig } from './resolve.ts';
import { conditionHolds } from './prometheus.ts';
import { checkTimeWindow } from './time-window.ts';

/** What one blocker said. */
export interface BlockerVerdict {
  name: string;
  blocks: boolean;
  reason: string;
}

/** Checks every blocker; `now` is injectable for tests. An alarm that cannot be read blocks. */
export async function checkBlockers(
  guard: GuardConfig,
  now: Date = new Date(),
): Promise<BlockerVerdict[]> {
  const out: BlockerVerdict[] = [];
  if (guard.timeWindows.length > 0) {
    const checks = guard.timeWindows.map((w) => checkTimeWindow(now, w));
    const ok = checks.find((c) => c.allowed);
    out.push({
      name: 'time window',
      blocks: ok === undefined,
      reason: ok ? ok.reason : checks.map((c) => c.reason).join('; '),
    });
  }
  const alarms = await Promise.all(
    guard.alarms.map(async (a): Promise<BlockerVerdict> => {
      try {
        if ('prometheus' in a) {
          const r = await conditionHolds(a.prometheus);
          return {
            name: a.name,
            blocks: r.holds,
            reason: r.holds ? `firing: ${r.detail}` : `not firing: ${r.detail}`,
          };
        }
        const res = await request(a.http.url, {
          signal: AbortSignal.timeout(a.http.timeout ?? 5000),
        });
        await res.body.dump();
        const ok = (a.http.status ?? [[200, 399]]).some(
          ([lo, hi]) => res.statusCode >= lo && res.statusCode <= hi,
        );
        return { name: a.name, blocks: !ok, reason: `${a.http.url} answered ${res.statusCode}` };
      } catch (err) {
        return {
          name: a.name,
          blocks: true,
          reason: `cannot be checked: ${(err as Error).message}`,
        };
      }
    }),
  );
  return [...out, ...alarms];
}
