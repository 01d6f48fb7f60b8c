/**
 * Token buckets per source address: `rate` requests a second on average, up to
 * `burst` at once. A phone registers once a minute and calls now and then; a
 * flood from one address runs its bucket dry and is refused without touching
 * the digest check or the store, while every other address keeps its own.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly rate: number,
    private readonly burst: number,
    private readonly now: () => number = Date.now,
    private readonly maxSources = 100_000,
  ) {}

  take(source: string): boolean {
    const t = this.now();
    const b = this.buckets.get(source);
    if (!b) {
      if (this.buckets.size >= this.maxSources) this.prune(t);
      this.buckets.set(source, { tokens: this.burst - 1, at: t });
      return true;
    }
    b.tokens = Math.min(this.burst, b.tokens + ((t - b.at) / 1000) * this.rate);
    b.at = t;
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  /** Sources whose bucket has refilled are the same as absent ones: forget them. */
  prune(t = this.now()): void {
    const full = (this.burst / this.rate) * 1000;
    for (const [k, b] of this.buckets) if (t - b.at >= full) this.buckets.delete(k);
    // Still too many (a spoofed-source flood): drop the oldest half rather than grow without bound.
    if (this.buckets.size >= this.maxSources) for (const k of [...this.buckets.keys()].slice(0, this.maxSources / 2)) this.buckets.delete(k);
  }
}
