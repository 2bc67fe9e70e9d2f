/**
 * How many OTA chunks the service sends one device: a token bucket per device. A request of a
 * few bytes asks for up to 64 chunks of up to 4 KiB, so without a budget a device (or anyone
 * holding its login) turns kilobytes of requests into megabytes of broker traffic. A genuine
 * transfer asks for one window at a time and stays far inside the budget; what is cut off is
 * asked for again after the device's stall timeout.
 */
export interface ChunkBudgetOptions {
  /** Chunks a device may receive in one burst. */
  burst: number;
  /** Chunks per second added back, up to `burst`. */
  perSecond: number;
  now?: () => number;
}

export class ChunkBudget {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly now: () => number;

  constructor(private readonly o: ChunkBudgetOptions) {
    this.now = o.now ?? (() => performance.now());
  }

  /** Takes up to `wanted` chunks from `device`'s budget; returns how many it may send. */
  take(device: string, wanted: number): number {
    const t = this.now();
    const b = this.buckets.get(device) ?? { tokens: this.o.burst, at: t };
    b.tokens = Math.min(this.o.burst, b.tokens + ((t - b.at) / 1000) * this.o.perSecond);
    b.at = t;
    const n = Math.max(0, Math.min(wanted, Math.floor(b.tokens)));
    b.tokens -= n;
    this.buckets.set(device, b);
    return n;
  }
}
