/**
 * A token bucket: `ratePerSecond` tokens flow in up to `burst`. `waitFor(n)` is 0 while the
 * bucket holds `n` tokens; a take larger than the burst is allowed when the bucket is full and
 * leaves it in debt (so one request bigger than the burst is still
 * possible, and the next waits until the debt is repaid). A refusal says how long until a take
 * of the same size would succeed. Time comes from the caller: a monotonic reading in ms
 * (`monotonicNow(clock)`), never the wall clock, so a step of the host's clock neither stalls the
 * refill nor grants a burst; tests drive it.
 */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    nowMs: number,
  ) {
    this.tokens = burst;
    this.updatedAt = nowMs;
  }

  private refill(nowMs: number): void {
    const elapsed = Math.max(0, nowMs - this.updatedAt);
    this.tokens = Math.min(this.burst, this.tokens + (elapsed * this.ratePerSecond) / 1000);
    this.updatedAt = nowMs;
  }

  /** 0 when `n` tokens can be taken now, else the wait in ms until they can. */
  waitFor(n: number, nowMs: number): number {
    this.refill(nowMs);
    if (this.tokens > 0 && (this.tokens >= n || this.tokens >= this.burst)) return 0;
    const needed = Math.min(n, this.burst) - this.tokens;
    return Math.max(1, Math.ceil((needed * 1000) / this.ratePerSecond));
  }

  /** Takes `n` tokens (after `waitFor` said 0); may leave the bucket in debt. */
  take(n: number, nowMs: number): void {
    this.refill(nowMs);
    this.tokens -= n;
  }

  /**
   * This bucket under other limits (itself when they are the same): what was taken and not yet
   * refilled stays taken, at most the new burst (a debt beyond it is forgiven).
   */
  withLimits(ratePerSecond: number, burst: number, nowMs: number): TokenBucket {
    if (ratePerSecond === this.ratePerSecond && burst === this.burst) return this;
    this.refill(nowMs);
    const bucket = new TokenBucket(ratePerSecond, burst, nowMs);
    bucket.tokens = burst - Math.min(burst, Math.max(0, this.burst - this.tokens));
    return bucket;
  }

  /** Ms until the bucket is full again (0 when it is). */
  msUntilFull(nowMs: number): number {
    this.refill(nowMs);
    return this.tokens >= this.burst ? 0 : Math.ceil(((this.burst - this.tokens) * 1000) / this.ratePerSecond);
  }

  /** True when the bucket is full (an idle identity whose state can be dropped). */
  isFull(nowMs: number): boolean {
    this.refill(nowMs);
    return this.tokens >= this.burst;
  }
}
