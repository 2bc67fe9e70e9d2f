/**
 * Fixed-capacity FIFO ring (portable subset): storage is allocated once; when full, push drops
 * the oldest entry and counts it. Store-and-forward keeps detections here while offline.
 */
export class Ring<T> {
  private readonly items: (T | undefined)[] = [];
  private head = 0;
  private count = 0;
  /** Entries dropped because the ring was full, since creation. */
  dropped = 0;

  constructor(readonly capacity: number) {
    if (!(capacity >= 1) || Math.floor(capacity) !== capacity) {
      throw new Error(`ring capacity must be a positive integer, got ${capacity}`);
    }
    for (let i = 0; i < capacity; i++) this.items.push(undefined);
  }

  size(): number {
    return this.count;
  }

  /** Append; returns the entry dropped to make room, if any. */
  push(item: T): T | undefined {
    let evicted: T | undefined;
    if (this.count === this.capacity) {
      evicted = this.shift();
      this.dropped++;
    }
    this.items[(this.head + this.count) % this.capacity] = item;
    this.count++;
    return evicted;
  }

  /** The i-th oldest entry (0 = oldest). */
  at(i: number): T | undefined {
    if (i < 0 || i >= this.count) return undefined;
    return this.items[(this.head + i) % this.capacity];
  }

  /** Remove and return the oldest entry. */
  shift(): T | undefined {
    if (this.count === 0) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined;
    this.head = (this.head + 1) % this.capacity;
    this.count--;
    return item;
  }
}
