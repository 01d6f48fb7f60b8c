import type { Store } from '../../domain/store/store.js';
import type { AuditLog } from '../../domain/audit/audit-log.js';
import type { ActionContext } from '../../domain/access/users.js';
import { SwitchboardError } from '../../common/errors.js';

export type BanReason = 'auth-failures' | 'scanner';

export interface Ban {
  address: string;
  reason: BanReason;
  failures: number;
  bannedAt: string;
  until: string;
}

export interface BanPolicy {
  banAfterFailures: number;
  failureWindowSeconds: number;
  banSeconds: number;
}

/**
 * fail2ban's idea inside the appliance: `banAfterFailures` authentication
 * failures from one address within `failureWindowSeconds` ban it for
 * `banSeconds`. Failures are counted in memory (a restart forgives them, as
 * fail2ban's does); bans are in the `sipBans` database, so a restart does not
 * lift them, and each ban and each lift is audited.
 */
export class BanList {
  private readonly failures = new Map<string, number[]>();
  /** Mirror of the database for the hot path: every SIP request asks isBanned(). */
  private readonly active = new Map<string, Ban>();
  onBan: (ban: Ban) => void = () => {};

  constructor(
    private readonly store: Store,
    private readonly audit: AuditLog,
    private readonly policy: BanPolicy,
    private readonly now: () => number = Date.now,
  ) {
    for (const { value } of this.db.getRange({})) if (Date.parse(value.until) > this.now()) this.active.set(value.address, value);
  }

  private get db() {
    return this.store.db<Ban, string>('sipBans');
  }

  isBanned(address: string): boolean {
    const ban = this.active.get(address);
    if (!ban) return false;
    if (Date.parse(ban.until) > this.now()) return true;
    this.active.delete(address);
    return false;
  }

  /** Live bans, soonest-ending first. */
  list(): Ban[] {
    const t = this.now();
    return [...this.db.getRange({})].map((e) => e.value).filter((b) => Date.parse(b.until) > t).sort((a, b) => a.until.localeCompare(b.until));
  }

  /** One authentication failure; resolves to the ban when this one crossed the threshold. */
  async recordFailure(address: string): Promise<Ban | null> {
    if (this.isBanned(address)) return null;
    const t = this.now();
    const since = t - this.policy.failureWindowSeconds * 1000;
    const list = (this.failures.get(address) ?? []).filter((at) => at > since);
    list.push(t);
    this.failures.set(address, list);
    if (this.failures.size > 50_000) this.pruneFailures(since);
    if (list.length < this.policy.banAfterFailures) return null;
    this.failures.delete(address);
    return this.ban(address, 'auth-failures', list.length);
  }

  /** Failures forgotten once the source authenticates: a mistyped password followed by the right one is not an attack. */
  clearFailures(address: string): void {
    this.failures.delete(address);
  }

  async ban(address: string, reason: BanReason, failures = 0): Promise<Ban> {
    const t = this.now();
    const ban: Ban = { address, reason, failures, bannedAt: new Date(t).toISOString(), until: new Date(t + this.policy.banSeconds * 1000).toISOString() };
    // In memory first: requests already queued behind this one must not slip through while the commit flushes.
    this.active.set(address, ban);
    await this.store.write(() => {
      this.db.putSync(address, ban);
      this.audit.append({ actor: 'system', action: 'sip.ban', target: `address:${address}`, source: address, details: { reason, failures, seconds: this.policy.banSeconds } });
    });
    this.onBan(ban);
    return ban;
  }

  async lift(address: string, ctx: ActionContext): Promise<void> {
    await this.store.write(() => {
      const cur = this.db.get(address);
      if (!cur || Date.parse(cur.until) <= this.now()) throw new SwitchboardError('SWB_ERR_NOT_FOUND', `no ban on ${address}`);
      this.db.removeSync(address);
      this.audit.append({ ...ctx, action: 'sip.unban', target: `address:${address}`, details: { reason: cur.reason } });
    });
    this.active.delete(address);
    this.failures.delete(address);
  }

  /** Expired bans leave the database (their audit records stay). */
  async sweep(): Promise<number> {
    const t = this.now();
    const gone = [...this.db.getRange({})].filter((e) => Date.parse(e.value.until) <= t).map((e) => e.key);
    this.pruneFailures(t - this.policy.failureWindowSeconds * 1000);
    if (gone.length === 0) return 0;
    await this.store.write(() => {
      for (const k of gone) {
        const cur = this.db.get(k);
        if (cur && Date.parse(cur.until) <= t) this.db.removeSync(k);
      }
    });
    for (const k of gone) if (!this.isBanned(k)) this.active.delete(k);
    return gone.length;
  }

  private pruneFailures(since: number): void {
    for (const [k, list] of this.failures) if (list.every((at) => at <= since)) this.failures.delete(k);
  }
}
