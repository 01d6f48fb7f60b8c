import type { Store } from '../../domain/store/store.js';

/** One registered contact of one extension (RFC 3261 §10.3). */
export interface Binding {
  extension: string;
  contact: string;
  expiresAt: number;
  userAgent: string | null;
  /** Where the REGISTER came from, e.g. udp/192.0.2.10:5060: a phone behind NAT is reached there, not at its Contact. */
  received: string;
  callId: string;
  cseq: number;
  registeredAt: number;
}

export interface ContactChange {
  contact: string;
  /** 0 removes the binding. */
  expires: number;
}

export type ApplyResult = { ok: true; bindings: Binding[] } | { ok: false; reason: 'out-of-order' };

type Key = [extension: string, contact: string];
const END = '\uffff';

/**
 * Bindings in the `registrations` database, keyed [extension, contact] so one
 * extension's contacts are one range. They live in the store, not in memory,
 * so a restarted appliance still reaches every phone that registered before.
 */
export class BindingStore {
  constructor(
    private readonly store: Store,
    private readonly now: () => number = Date.now,
  ) {}

  private get db() {
    return this.store.db<Binding, Key>('registrations');
  }

  /** Live (unexpired) contacts of one extension, soonest-expiring first. */
  contactsOf(extension: string): Binding[] {
    const t = this.now();
    const out: Binding[] = [];
    for (const { value } of this.db.getRange({ start: [extension], end: [extension, END] })) if (value.expiresAt > t) out.push(value);
    return out.sort((a, b) => a.expiresAt - b.expiresAt);
  }

  all(): Binding[] {
    const t = this.now();
    const out: Binding[] = [];
    for (const { value } of this.db.getRange({})) if (value.expiresAt > t) out.push(value);
    return out;
  }

  countLive(): number {
    const t = this.now();
    let n = 0;
    for (const { value } of this.db.getRange({})) if (value.expiresAt > t) n++;
    return n;
  }

  /**
   * One REGISTER's changes, in one durable transaction, resolved once on disk
   * (the 200 OK acknowledges the binding). RFC 3261 §10.3 step 7: a request
   * with the same Call-ID and a CSeq not above the stored one is out of order
   * and changes nothing.
   */
  async apply(extension: string, changes: ContactChange[], meta: { callId: string; cseq: number; userAgent: string | null; received: string }, maxContacts: number): Promise<ApplyResult> {
    return this.store.write((): ApplyResult => {
      const t = this.now();
      for (const c of changes) {
        const cur = this.db.get([extension, c.contact]);
        if (cur && cur.expiresAt > t && cur.callId === meta.callId && meta.cseq <= cur.cseq) return { ok: false, reason: 'out-of-order' };
      }
      for (const c of changes) {
        const key: Key = [extension, c.contact];
        if (c.expires === 0) this.db.removeSync(key);
        else this.db.putSync(key, { extension, contact: c.contact, expiresAt: t + c.expires * 1000, registeredAt: t, ...meta });
      }
      // Too many contacts: drop the ones that would expire first (a phone that moved ports leaves its old one behind).
      const live = [...this.db.getRange({ start: [extension], end: [extension, END] })].map((e) => e.value);
      const expired = live.filter((b) => b.expiresAt <= t);
      for (const b of expired) this.db.removeSync([extension, b.contact]);
      const current = live.filter((b) => b.expiresAt > t).sort((a, b) => a.expiresAt - b.expiresAt);
      while (current.length > maxContacts) this.db.removeSync([extension, current.shift()!.contact]);
      return { ok: true, bindings: current };
    });
  }

  /** `Contact: *` with `Expires: 0` (RFC 3261 §10.2.2): every contact of the extension goes. */
  async removeAll(extension: string, meta: { callId: string; cseq: number }): Promise<ApplyResult> {
    return this.store.write((): ApplyResult => {
      const t = this.now();
      const entries = [...this.db.getRange({ start: [extension], end: [extension, END] })];
      for (const { value } of entries) {
        if (value.expiresAt > t && value.callId === meta.callId && meta.cseq <= value.cseq) return { ok: false, reason: 'out-of-order' };
      }
      for (const { key } of entries) this.db.removeSync(key as Key);
      return { ok: true, bindings: [] };
    });
  }

  /** Deletes expired bindings; returns how many. Reads already ignore them; this only keeps the database small. */
  async sweep(): Promise<number> {
    const t = this.now();
    const stale: Key[] = [];
    for (const { key, value } of this.db.getRange({})) if (value.expiresAt <= t) stale.push(key as Key);
    if (stale.length === 0) return 0;
    return this.store.write(() => {
      let n = 0;
      for (const key of stale) {
        const cur = this.db.get(key);
        if (cur && cur.expiresAt <= t) {
          this.db.removeSync(key);
          n++;
        }
      }
      return n;
    });
  }
}
