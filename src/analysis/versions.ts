/**
 * Which version answered: each version's first and last time seen, how long more than one
 * version answered (the mixed period of a rolling deploy), and flip-flops back to an older
 * version after a newer one appeared.
 *
 *   probes:  v1 v1 v2 v1 v2 v2 v1 v2 v2      rank: v1 = 0, v2 = 1 (order of first appearance)
 *                  ^  ^        ^
 *                  |  └────────┴── switch backs (count 2): rank below the previous probe's
 *                  v2 appears: cutover v1 → v2; mixed until v1's last answer
 */
import type { FlipFlops, VersionSeen } from '../result.ts';

/** How many switch-back times are kept (the count goes on). */
export const MAX_FLIP_FLOP_TIMES = 20;

/** Tracks versions in sequence order. */
export class VersionTracker {
  private readonly seen = new Map<string, VersionSeen & { rank: number }>();
  private previousRank = -1;
  private readonly flips: FlipFlops = { count: 0, probes: 0, atMs: [], lastMs: null };

  add(version: string, scheduledMs: number): void {
    let v = this.seen.get(version);
    if (v) {
      v.lastMs = scheduledMs;
      v.probes++;
    } else {
      v = { version, firstMs: scheduledMs, lastMs: scheduledMs, probes: 1, rank: this.seen.size };
      this.seen.set(version, v);
    }
    // The newest version seen so far has rank size - 1.
    if (v.rank < this.seen.size - 1) this.flips.probes++;
    if (v.rank < this.previousRank) {
      this.flips.count++;
      this.flips.lastMs = scheduledMs;
      if (this.flips.atMs.length < MAX_FLIP_FLOP_TIMES) this.flips.atMs.push(scheduledMs);
    }
    this.previousRank = v.rank;
  }

  /** Answers from an older version after a newer one appeared (a copy). */
  flipFlops(): FlipFlops {
    return { ...this.flips, atMs: [...this.flips.atMs] };
  }

  get size(): number {
    return this.seen.size;
  }

  /** Versions in order of first appearance (copies). */
  versions(): VersionSeen[] {
    return [...this.seen.values()].map(({ version, firstMs, lastMs, probes }) => ({
      version,
      firstMs,
      lastMs,
      probes,
    }));
  }

  /** Time covered by two or more versions' [first, last] spans, in ms. */
  mixedMs(): number {
    const edges: [number, number][] = [];
    for (const v of this.seen.values()) edges.push([v.firstMs, 1], [v.lastMs, -1]);
    edges.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
    let depth = 0;
    let since = 0;
    let total = 0;
    for (const [t, d] of edges) {
      if (depth >= 2) total += t - since;
      depth += d;
      since = t;
    }
    return Math.round(total * 1000) / 1000;
  }
}

/** One handover between consecutive versions (in order of first appearance). */
export interface Cutover {
  from: string;
  to: string;
  /** When the new version first answered (scheduled send time, ms). */
  atMs: number;
  /** How long both answered: from the new one's first answer to the old one's last, ms. */
  mixedMs: number;
}

/** The cutovers of a version list: v1 → v2, v2 → v3… Pure. */
export function describeCutovers(versions: readonly VersionSeen[]): Cutover[] {
  const out: Cutover[] = [];
  for (let i = 1; i < versions.length; i++) {
    const from = versions[i - 1]!;
    const to = versions[i]!;
    out.push({
      from: from.version,
      to: to.version,
      atMs: to.firstMs,
      mixedMs: Math.max(0, Math.round((from.lastMs - to.firstMs) * 1000) / 1000),
    });
  }
  return out;
}
