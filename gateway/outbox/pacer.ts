import { TokenBucket } from '../core/rate.js';

export interface PaceLimits {
  perSecond: number;
  perRecipientSeconds: number;
}

/**
 * One channel's sending pace: a token bucket for the whole bot or number
 * (Telegram ~30/s, WhatsApp 80/s), a minimum gap per recipient (Telegram ~1/s
 * per chat, WhatsApp's pair rate limit), and pauses the provider asked for with
 * a 429 (for the whole channel or one recipient).
 */
export class ChannelPacer {
  private readonly bucket: TokenBucket;
  private readonly nextForRecipient = new Map<string, number>();
  private pausedUntil = 0;

  constructor(private readonly limits: PaceLimits) {
    // A burst of one second's worth: a restart with a full outbox must not fire it all at once.
    this.bucket = new TokenBucket(limits.perSecond, Math.max(1, limits.perSecond));
  }

  waitMs(recipient: string, now = Date.now()): number {
    const own = (this.nextForRecipient.get(recipient) ?? 0) - now;
    return Math.max(this.pausedUntil - now, own, this.bucket.waitMs(now), 0);
  }

  take(recipient: string, now = Date.now()): void {
    this.bucket.take(now);
    if (this.limits.perRecipientSeconds > 0) this.nextForRecipient.set(recipient, now + this.limits.perRecipientSeconds * 1000);
    if (this.nextForRecipient.size > 50_000) for (const [k, v] of this.nextForRecipient) if (v <= now) this.nextForRecipient.delete(k);
  }

  pause(scope: 'channel' | 'recipient', recipient: string, ms: number, now = Date.now()): void {
    if (scope === 'channel') this.pausedUntil = Math.max(this.pausedUntil, now + ms);
    else this.nextForRecipient.set(recipient, Math.max(this.nextForRecipient.get(recipient) ?? 0, now + ms));
  }
}
