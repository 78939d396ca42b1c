/**
 * Which version answered: each version's first and last time seen, and how long more than one
 * version answered (the mixed period of a rolling deploy).
 */
import type { VersionSeen } from '../result.ts';

/** Tracks versions in sequence order. */
export class VersionTracker {
  private readonly seen = new Map<string, VersionSeen>();

  add(version: string, scheduledMs: number): void {
    const v = this.seen.get(version);
    if (v) {
      v.lastMs = scheduledMs;
      v.probes++;
    } else {
      this.seen.set(version, { version, firstMs: scheduledMs, lastMs: scheduledMs, probes: 1 });
    }
  }

  get size(): number {
    return this.seen.size;
  }

  /** Versions in order of first appearance (copies). */
  versions(): VersionSeen[] {
    return [...this.seen.values()].map((v) => ({ ...v }));
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
