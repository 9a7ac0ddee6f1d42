/**
 * A per-second rate over a sliding window (Connect's `-rate` metrics use a windowed rate, 30 s by
 * default): one bucket per second, summed over the window.
 */
export class WindowedRate {
  private readonly buckets: number[];
  private readonly stamps: number[];

  constructor(
    private readonly windowSeconds = 30,
    private readonly now: () => number = Date.now,
  ) {
    this.buckets = new Array(windowSeconds).fill(0);
    this.stamps = new Array(windowSeconds).fill(-1);
  }

  record(count: number): void {
    const second = Math.floor(this.now() / 1000);
    const i = second % this.windowSeconds;
    if (this.stamps[i] !== second) {
      this.stamps[i] = second;
      this.buckets[i] = 0;
    }
    this.buckets[i]! += count;
  }

  /** Events per second over the window (or over the time since the first event, if shorter). */
  perSecond(startedAt: number): number {
    const second = Math.floor(this.now() / 1000);
    let sum = 0;
    for (let i = 0; i < this.windowSeconds; i++) {
      if (this.stamps[i]! > second - this.windowSeconds) sum += this.buckets[i]!;
    }
    const elapsed = Math.min(this.windowSeconds, Math.max(1, (this.now() - startedAt) / 1000));
    return sum / elapsed;
  }
}
