/**
 * Latency histogram: HDR (3 significant digits) recording microseconds, read in milliseconds.
 * Memory is flat however many values are recorded; encoded histograms merge across runs.
 */
import * as hdr from 'hdr-histogram-js';

/** An HDR latency histogram with millisecond read-outs. */
export class LatencyHistogram {
  private readonly h: hdr.Histogram;

  constructor(encoded?: string) {
    this.h = encoded
      ? hdr.decodeFromCompressedBase64(encoded, 32, false)
      : hdr.build({
          lowestDiscernibleValue: 1,
          highestTrackableValue: 60_000_000,
          numberOfSignificantValueDigits: 3,
          autoResize: true,
        });
  }

  /** Records one latency in milliseconds (resolution 1 µs). */
  recordMs(ms: number): void {
    this.h.recordValue(Math.max(1, Math.round(ms * 1000)));
  }

  get count(): number {
    return this.h.totalCount;
  }

  /** The latency at percentile `p` (0–100) in ms, or null when empty. */
  percentileMs(p: number): number | null {
    return this.count === 0 ? null : round3(this.h.getValueAtPercentile(p) / 1000);
  }

  get meanMs(): number | null {
    return this.count === 0 ? null : round3(this.h.mean / 1000);
  }

  get minMs(): number | null {
    return this.count === 0 ? null : round3(this.h.minNonZeroValue / 1000);
  }

  get maxMs(): number | null {
    return this.count === 0 ? null : round3(this.h.maxValue / 1000);
  }

  /** Adds every value of another histogram. */
  merge(other: LatencyHistogram): void {
    this.h.add(other.h);
  }

  reset(): void {
    this.h.reset();
  }

  /** Compressed base64 encoding (the HdrHistogram interchange format). */
  encode(): string {
    return hdr.encodeIntoCompressedBase64(this.h);
  }
}

/** Rounds to 3 decimals (microsecond resolution in ms). */
export function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}
