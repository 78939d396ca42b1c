/**
 * Puts items that complete out of order back into sequence order. Probes complete out of order
 * (a timeout finishes long after later successes) but windows are defined in send order.
 *
 *   pushed:   0 1 3 4 2 5      emitted: 0 1 · · 2 3 4 5
 *
 * Memory is bounded by the number of probes in flight.
 */
export class SequenceReorderer<T> {
  private next = 0;
  private readonly pending = new Map<number, T>();
  private readonly emit: (item: T) => void;

  constructor(emit: (item: T) => void) {
    this.emit = emit;
  }

  /** Adds the item with sequence number `seq` (each seq exactly once, from 0). */
  push(seq: number, item: T): void {
    if (seq !== this.next) {
      this.pending.set(seq, item);
      return;
    }
    this.emit(item);
    this.next++;
    let queued: T | undefined;
    while ((queued = this.pending.get(this.next)) !== undefined) {
      this.pending.delete(this.next);
      this.emit(queued);
      this.next++;
    }
  }

  /** The next sequence number awaited: every item below it has been emitted. */
  get cursor(): number {
    return this.next;
  }

  /** Items waiting for an earlier one. */
  get waiting(): number {
    return this.pending.size;
  }
}
