import { isIP } from 'node:net';
import { stripMapped } from '../../common/address-allow.js';
import type { WebchatVisitorsConfig } from '../config.js';
import { KeyedLimiter } from '../core/rate.js';

/** Where a visitor's socket comes from, as the limits count it. */
export interface Source {
  address: string;
  origin: string;
}

export const REFUSAL_REASONS = ['visitors_per_address', 'visitors_per_origin', 'conversations_per_address', 'conversations_per_origin', 'visitors_pending'] as const;
export type RefusalReason = (typeof REFUSAL_REASONS)[number];

export interface Refusal {
  reason: RefusalReason;
  retryAfterSeconds: number;
  /** Shown by the widget as it is. */
  message: string;
}

/**
 * Past this many identities that never wrote, new ones wait for the sweep: the
 * per-origin limit cannot bound them when any Origin may open the chat, and each
 * costs memory until it expires.
 */
const MAX_PENDING = 50_000;
const SWEEP_MAX_MS = 60_000;
const SWEEP_MIN_MS = 250;

/** A peer's address as one source: an IPv4 address, or an IPv6 /64 (what one subscriber gets, so one host can use them all). */
export function addressKey(remote: string | undefined): string {
  if (!remote) return 'unknown';
  const plain = stripMapped(remote.split('%')[0]!);
  if (isIP(plain) !== 6) return plain;
  const [head, tail] = plain.split('::') as [string, string | undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = tail === undefined ? left : [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
  return `${groups.slice(0, 4).map((g) => parseInt(g, 16).toString(16)).join(':')}::/64`;
}

/** The Origin header as one source; scheme and host are case-insensitive, and a header too long to be real is cut. */
export function originKey(origin: unknown): string {
  return typeof origin === 'string' ? origin.slice(0, 256).toLowerCase() : '';
}

/** One budget per source address and one per Origin; a new visitor or conversation spends from both or from neither. */
class PerSource {
  private readonly byAddress: KeyedLimiter;
  private readonly byOrigin: KeyedLimiter;

  constructor(perMinuteAddress: number, perMinuteOrigin: number) {
    this.byAddress = new KeyedLimiter(perMinuteAddress / 60, perMinuteAddress);
    this.byOrigin = new KeyedLimiter(perMinuteOrigin / 60, perMinuteOrigin);
  }

  take(source: Source, now: number): { by: 'address' | 'origin'; waitMs: number } | null {
    const a = this.byAddress.waitMs(source.address, now);
    const o = this.byOrigin.waitMs(source.origin, now);
    if (a > 0 || o > 0) return a >= o ? { by: 'address', waitMs: a } : { by: 'origin', waitMs: o };
    this.byAddress.take(source.address, now);
    this.byOrigin.take(source.origin, now);
    return null;
  }
}

interface Pending {
  issuedAt: number;
  /** Its first message has spent from the new-conversation budget (once, however many follow at once). */
  charged: boolean;
  /** Messages on their way into the store: the identity is not expired under them. */
  writing: number;
}

function refusal(reason: RefusalReason, waitMs: number): Refusal {
  const seconds = Math.max(1, Math.ceil(waitMs / 1000));
  const from = reason.endsWith('_origin') ? 'this site' : reason.endsWith('_address') ? 'your network' : 'everywhere';
  return { reason, retryAfterSeconds: seconds, message: `Too many new chats from ${from} right now. Please try again in ${seconds} s.` };
}

/**
 * The visitors of one web chat channel who have an identity but have not written
 * yet. Nothing of them is in the store (the client and its conversation are made
 * by the first message), so they live here, in memory, for `idleVisitorTtlSeconds`
 * from when they were issued; a restart forgets them, which costs such a visitor
 * nothing but a fresh identity. The clock is injectable so tests drive time.
 */
export class VisitorGate {
  private readonly pending = new Map<string, Pending>();
  private readonly visitors: PerSource;
  private readonly conversations: PerSource;
  private readonly ttlMs: number;
  readonly sweepMs: number;

  constructor(
    cfg: WebchatVisitorsConfig,
    private readonly now: () => number = Date.now,
  ) {
    this.visitors = new PerSource(cfg.newVisitorsPerMinutePerAddress, cfg.newVisitorsPerMinutePerOrigin);
    this.conversations = new PerSource(cfg.newConversationsPerMinutePerAddress, cfg.newConversationsPerMinutePerOrigin);
    this.ttlMs = cfg.idleVisitorTtlSeconds * 1000;
    this.sweepMs = Math.min(SWEEP_MAX_MS, Math.max(SWEEP_MIN_MS, Math.floor(this.ttlMs / 4)));
  }

  /** True while `id` was issued and has neither written nor expired. */
  has(id: string): boolean {
    return this.pending.has(id);
  }

  get size(): number {
    return this.pending.size;
  }

  /** A new visitor from `source` gets `id`, or the refusal to show them. */
  issue(id: string, source: Source): Refusal | null {
    const now = this.now();
    if (this.pending.size >= MAX_PENDING) return refusal('visitors_pending', this.sweepMs);
    const over = this.visitors.take(source, now);
    if (over) return refusal(over.by === 'address' ? 'visitors_per_address' : 'visitors_per_origin', over.waitMs);
    this.pending.set(id, { issuedAt: now, charged: false, writing: 0 });
    return null;
  }

  /**
   * Before one of `id`'s messages goes to the store. A visitor who has not written
   * yet spends from the new-conversation budget of the source it writes from;
   * a refused one may try again later. Every call that returns null is paired with done().
   */
  beginWrite(id: string, source: Source): Refusal | null {
    const p = this.pending.get(id);
    if (!p) return null;
    if (!p.charged) {
      const over = this.conversations.take(source, this.now());
      if (over) return refusal(over.by === 'address' ? 'conversations_per_address' : 'conversations_per_origin', over.waitMs);
      p.charged = true;
    }
    p.writing++;
    return null;
  }

  /** After the store answered: a stored message makes the visitor a client, no longer pending. */
  done(id: string, stored: boolean): void {
    const p = this.pending.get(id);
    if (!p) return;
    if (stored) this.pending.delete(id);
    else p.writing--;
  }

  /** Forgets the identities issued a lifetime ago that never wrote; returns them so their tabs can be closed. */
  expire(now = this.now()): string[] {
    const gone: string[] = [];
    for (const [id, p] of this.pending) {
      if (p.writing === 0 && now - p.issuedAt >= this.ttlMs) {
        this.pending.delete(id);
        gone.push(id);
      }
    }
    return gone;
  }
}
