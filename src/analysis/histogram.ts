/**
 * Latency histogram: HDR (3 significant digits) recording microseconds, read in milliseconds.
 * Memory is flat however many values are recorded; encoded histograms merge across runs.
 */
import { createRequire } from 'node:module';
import type * as hdr from 'hdr-histogram-js';

// The package's index also loads its WebAssembly build (~10 MB of memory in every process); the
// JavaScript histogram and its V2 encoding are all this uses, so they are loaded on their own.
const requireHdr = createRequire(import.meta.url);
/** The JavaScript histogram; loading its encoding module adds `encodeIntoCompressedBase64`. */
type JsHistogram = hdr.Histogram & {
  encodeIntoCompressedBase64(): string;
  readonly countsArrayLength: number;
  getCountAtIndex(index: number): number;
  valueFromIndex(index: number): number;
  medianEquivalentValue(value: number): number;
};
const Int32Histogram = (
  requireHdr('hdr-histogram-js/dist/Int32Histogram.js') as {
    default: new (lowest: number, highest: number, digits: number) => JsHistogram;
  }
).default;
const encoding = requireHdr('hdr-histogram-js/dist/JsHistogram.encoding.js') as {
  decompress(data: Uint8Array): Uint8Array;
  doDecode(data: Uint8Array, bitBucketSize: number): JsHistogram;
};

/** As `hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue, 3 digits, autoResize })`. */
function buildHistogram(highestTrackableValue: number): JsHistogram {
  const h = new Int32Histogram(1, highestTrackableValue, 3);
  h.autoResize = true;
  return h;
}

/** As `hdr.decodeFromCompressedBase64(encoded, 32, false)`. */
function decodeHistogram(encoded: string): JsHistogram {
  return encoding.doDecode(encoding.decompress(Buffer.from(encoded.trim(), 'base64')), 32);
}

/** An HDR latency histogram with millisecond read-outs. */
export class LatencyHistogram {
  private readonly h: JsHistogram;

  constructor(encoded?: string) {
    this.h = encoded ? decodeHistogram(encoded) : buildHistogram(60_000_000);
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

  /**
   * At most `k` values spread evenly over the recorded distribution, in ms, ascending: the values
   * at ranks (i + ½)·count/k (each bucket's median-equivalent value), every value when there are
   * fewer. A fixed-size sample that keeps the shape, for rank tests against history.
   */
  quantilesMs(k: number): number[] {
    const n = this.count;
    const size = Math.min(n, Math.max(0, Math.floor(k)));
    const out: number[] = [];
    let index = 0;
    let seen = this.h.getCountAtIndex(0);
    for (let i = 0; i < size; i++) {
      const rank = Math.floor(((i + 0.5) * n) / size);
      while (seen <= rank && index < this.h.countsArrayLength - 1) {
        index++;
        seen += this.h.getCountAtIndex(index);
      }
      out.push(this.h.medianEquivalentValue(this.h.valueFromIndex(index)) / 1000);
    }
    return out;
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
    return this.h.encodeIntoCompressedBase64();
  }
}

/** Rounds to 3 decimals (microsecond resolution in ms). */
export function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}
