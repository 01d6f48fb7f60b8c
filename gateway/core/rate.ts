/**
 * A token bucket: `rate` tokens a second, at most `burst` saved up. Used for the
 * providers' outbound limits and for one sender's inbound flood.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly rate: number,
    private readonly burst: number,
    now = Date.now(),
  ) {
    this.tokens = burst;
    this.last = now;
  }

  private refill(now: number): void {
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
  }

  take(now = Date.now()): boolean {
    this.refill(now);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Milliseconds until one token is there. */
  waitMs(now = Date.now()): number {
    this.refill(now);
    return this.tokens >= 1 ? 0 : Math.ceil(((1 - this.tokens) / this.rate) * 1000);
  }

  full(now = Date.now()): boolean {
    this.refill(now);
    return this.tokens >= this.burst;
  }
}

/** One bucket per key (sender), forgetting keys whose bucket has refilled so a long run does not grow the map. */
export class KeyedLimiter {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(
    private readonly rate: number,
    private readonly burst: number,
  ) {}

  take(key: string, now = Date.now()): boolean {
    let b = this.buckets.get(key);
    if (!b) {
      if (this.buckets.size > 10_000) for (const [k, v] of this.buckets) if (v.full(now)) this.buckets.delete(k);
      b = new TokenBucket(this.rate, this.burst, now);
      this.buckets.set(key, b);
    }
    return b.take(now);
  }

  /** Milliseconds until `key` may take (0: now), without spending or remembering anything. */
  waitMs(key: string, now = Date.now()): number {
    return this.buckets.get(key)?.waitMs(now) ?? 0;
  }
}
