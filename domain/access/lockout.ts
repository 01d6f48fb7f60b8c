import { isIP } from 'node:net';
import { SwitchboardError } from '../../common/errors.js';
import type { AccessConfig } from './config.js';
import type { Store } from '../store/store.js';
import type { AuditAction, AuditLog } from '../audit/audit-log.js';
import { stripMapped } from '../../common/address-allow.js';

/*
 * Failed proofs of a password or code, counted two ways (docs/security.md, "Sign-in lockout"):
 * - per source address, a wait that doubles with each failure past the free ones, so one
 *   address guesses slowly whatever names it tries;
 * - per account name, existing or not, a lock once enough failures came from enough
 *   different addresses, so one stranger alone can never lock an account.
 */

/** An address is forgiven one failure this often: a few typos a day never add up to a wait. */
export const FORGIVE_ONE_MS = 5 * 60_000;
/** A name's failures are forgotten after a day without one (they also end with a success). */
const NAME_MEMORY_MS = 24 * 3600_000;
/** Distinct addresses remembered per name: more than any sane lockoutAddresses. */
const MAX_SOURCES = 16;

interface AddressState {
  level: number; // failures, less those forgiven
  at: number;
  waitUntil: number;
}

interface NameState {
  failures: number;
  sources: string[];
  lastAt: number;
  lockedUntil: number;
}

export type GuardConfig = Pick<AccessConfig, 'lockoutThreshold' | 'lockoutSeconds' | 'lockoutAddresses' | 'addressFreeFailures'>;

/** An IPv6 host picks any address in its /64, so the /64 is what counts as one address. */
export function addressKey(source: string): string {
  const plain = stripMapped(source);
  if (isIP(plain) !== 6) return plain;
  const [head = '', tail = ''] = plain.split('::') as [string, string?];
  const left = head ? head.split(':') : [];
  const right = plain.includes('::') && tail ? tail.split(':') : [];
  const groups = plain.includes('::') ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right] : left;
  return `${groups.slice(0, 4).map((g) => g.toLowerCase().replace(/^0+(?=.)/, '')).join(':')}::/64`;
}

export class LoginGuard {
  constructor(
    private readonly store: Store,
    private readonly audit: AuditLog,
    private readonly cfg: GuardConfig,
  ) {}

  private get db() {
    return this.store.db<AddressState | NameState, string>('loginGuard');
  }

  private address(key: string): AddressState | undefined {
    return this.db.get(`a:${key}`) as AddressState | undefined;
  }

  private name(username: string): NameState | undefined {
    return this.db.get(`n:${username}`) as NameState | undefined;
  }

  /** Refuses, before any password is checked, an address still waiting out its last failure. */
  assertAddressFree(source: string, now = Date.now()): void {
    const waitUntil = this.address(addressKey(source))?.waitUntil ?? 0;
    if (waitUntil > now) {
      throw new SwitchboardError('SWB_ERR_RATE_LIMITED', `too many failed attempts from this address; retry in ${Math.ceil((waitUntil - now) / 1000)} s`, {
        retryAt: new Date(waitUntil).toISOString(),
      });
    }
  }

  /** When the lock on a name (a user or not) ends, or null. */
  lockedUntil(username: string, now = Date.now()): number | null {
    const until = this.name(username)?.lockedUntil ?? 0;
    return until > now ? until : null;
  }

  /**
   * Only inside store.write(): one failed proof for `username` from `source`, audited as
   * `action`, with the wait or lock it brings. A failure against a locked name counts
   * for the address but does not lengthen the lock.
   */
  failureInTxn(username: string, source: string, action: Extract<AuditAction, 'login.failure' | 'user.reauth.failure'>, reason: string, now = Date.now()): 'locked' | 'throttled' | 'counted' {
    const target = `user:${username}`;
    const key = addressKey(source);
    const prev = this.address(key);
    const level = Math.max(0, (prev?.level ?? 0) - (prev ? (now - prev.at) / FORGIVE_ONE_MS : 0)) + 1;
    // Rounded: a failure right after another counts whole, while a quarter of one forgiven still counts.
    const past = Math.round(level) - this.cfg.addressFreeFailures;
    const waitMs = past > 0 ? Math.min(this.cfg.lockoutSeconds * 1000, 1000 * 2 ** (past - 1)) : 0;
    this.db.putSync(`a:${key}`, { level, at: now, waitUntil: now + waitMs });

    const cur = this.name(username);
    const wasLocked = (cur?.lockedUntil ?? 0) > now;
    const fresh = !cur || now - cur.lastAt > NAME_MEMORY_MS;
    const failures = wasLocked ? (cur?.failures ?? 0) : (fresh ? 0 : cur.failures) + 1;
    const sources = fresh ? [] : cur.sources;
    const known = sources.includes(key) || sources.length >= MAX_SOURCES ? sources : [...sources, key];
    const lock = !wasLocked && failures >= this.cfg.lockoutThreshold && known.length >= this.cfg.lockoutAddresses;
    const lockedUntil = lock ? now + this.cfg.lockoutSeconds * 1000 : (cur?.lockedUntil ?? 0);
    this.db.putSync(`n:${username}`, lock ? { failures: 0, sources: [], lastAt: now, lockedUntil } : { failures, sources: known, lastAt: now, lockedUntil });

    this.audit.append({ actor: target, source, action, target, details: { reason, failures, addresses: known.length } });
    if (waitMs > 0) this.audit.append({ actor: 'system', source, action: 'login.throttled', target: `address:${key}`, details: { failures: Math.round(level), waitSeconds: waitMs / 1000 } });
    if (lock) this.audit.append({ actor: 'system', source, action: 'login.locked', target, details: { until: new Date(lockedUntil).toISOString(), failures, addresses: known.length } });
    return lock || wasLocked ? 'locked' : waitMs > 0 ? 'throttled' : 'counted';
  }

  /** Only inside store.write(): a success, an unlock or a new password clears the name's count and lock. */
  clearInTxn(username: string): void {
    this.db.removeSync(`n:${username}`);
  }

  /** Drop what no longer counts, so names tried once do not pile up. */
  async sweep(now = Date.now()): Promise<number> {
    return this.store.write(() => {
      let n = 0;
      for (const { key, value } of this.db.getRange({})) {
        const stale = key.startsWith('a:')
          ? (value as AddressState).waitUntil <= now && (value as AddressState).level - (now - (value as AddressState).at) / FORGIVE_ONE_MS <= 0
          : (value as NameState).lockedUntil <= now && now - (value as NameState).lastAt > NAME_MEMORY_MS;
        if (stale && this.db.removeSync(key)) n++;
      }
      return n;
    });
  }
}
