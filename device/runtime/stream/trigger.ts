/**
 * Stage 5: threshold and suppression. A keyword fires when its smoothed score reaches the
 * threshold and no detection happened within the last `suppressionMs`; the suppression period
 * keeps one utterance from firing on every inference while its posterior stays high.
 */
export class Trigger {
  private threshold: number;
  private suppressionMs: number;
  private lastFire = -1;
  private hasFired = false;

  constructor(threshold: number, suppressionMs: number) {
    this.threshold = threshold;
    this.suppressionMs = suppressionMs;
  }

  configure(threshold: number, suppressionMs: number): void {
    this.threshold = threshold;
    this.suppressionMs = suppressionMs;
  }

  /** Whether a score at time t (ms) fires; records the firing. */
  check(score: number, t: number): boolean {
    if (score < this.threshold) return false;
    if (this.hasFired && t - this.lastFire < this.suppressionMs) return false;
    this.hasFired = true;
    this.lastFire = t;
    return true;
  }

  /** Whether t (ms) is inside the suppression period of the last detection. */
  suppressed(t: number): boolean {
    return this.hasFired && t - this.lastFire < this.suppressionMs;
  }

  reset(): void {
    this.hasFired = false;
  }
}
