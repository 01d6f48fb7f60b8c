import type { AccessConfig } from './config.js';
import type { Store } from '../store/store.js';
import { hashSecret, newSecret } from './secrets.js';

export interface SessionRecord {
  username: string;
  createdAt: number;
  lastSeenAt: number;
  expiresAt: number; // absolute lifetime
  source: string;
}

export interface SessionView extends SessionRecord {
  id: string; // the token hash: safe to show, useless as a credential
}

/** lastSeenAt is rewritten at most this often: a write per request would tax every read. */
const TOUCH_MS = 30_000;

export type SessionsEnded = (ids: string[]) => void;

export class SessionService {
  private readonly endedListeners = new Set<SessionsEnded>();

  constructor(
    private readonly store: Store,
    private readonly cfg: Pick<AccessConfig, 'sessionIdleSeconds' | 'sessionLifetimeSeconds'>,
  ) {}

  private get db() {
    return this.store.db<SessionRecord, string>('sessions');
  }

  /** Only inside store.write(): login creates its session in the same transaction as its audit record. */
  createInTxn(username: string, source: string, now = Date.now()): { token: string; id: string; expiresAt: number } {
    const token = newSecret('swbs');
    const id = hashSecret(token);
    const expiresAt = now + this.cfg.sessionLifetimeSeconds * 1000;
    this.db.putSync(id, { username, createdAt: now, lastSeenAt: now, expiresAt, source });
    return { token, id, expiresAt };
  }


  /** The live session for a token, or null. Expired sessions are removed on sight. */
  resolve(token: string, now = Date.now()): SessionView | null {
    const id = hashSecret(token);
    const s = this.db.get(id);
    if (!s) return null;
    if (now >= s.expiresAt || now - s.lastSeenAt >= this.cfg.sessionIdleSeconds * 1000) {
      void this.db.remove(id);
      return null;
    }
    if (now - s.lastSeenAt >= TOUCH_MS) void this.db.put(id, { ...s, lastSeenAt: now });
    return { id, ...s };
  }

  get(id: string): SessionView | null {
    const s = this.db.get(id);
    return s ? { id, ...s } : null;
  }

  list(now = Date.now()): SessionView[] {
    const out: SessionView[] = [];
    for (const { key, value } of this.db.getRange({})) {
      if (now < value.expiresAt && now - value.lastSeenAt < this.cfg.sessionIdleSeconds * 1000) out.push({ id: key, ...value });
    }
    return out;
  }

  /**
   * Long-lived connections (the operators' live stream) hear here which sessions
   * ended, so they close at once instead of at their next re-check. Told from
   * inside the ending transaction: should that commit fail, a stream was closed
   * for nothing and reconnects; failing closed is the safe side.
   */
  onEnded(fn: SessionsEnded): () => void {
    this.endedListeners.add(fn);
    return () => this.endedListeners.delete(fn);
  }

  private ended(ids: string[]): void {
    if (ids.length === 0) return;
    for (const fn of this.endedListeners) {
      try {
        fn(ids);
      } catch {
        // A listener's failure must not abort the transaction that ends the session.
      }
    }
  }

  /** Only inside store.write(). */
  endInTxn(id: string): boolean {
    const removed = this.db.removeSync(id);
    if (removed) this.ended([id]);
    return removed;
  }

  /** Only inside store.write(): after a role change, disable or password change; `keep` is the session that made one's own change. */
  endAllForUserInTxn(username: string, keep?: string): number {
    const ids: string[] = [];
    for (const { key, value } of this.db.getRange({})) {
      if (value.username === username && key !== keep && this.db.removeSync(key)) ids.push(key);
    }
    this.ended(ids);
    return ids.length;
  }

  /** Drop expired sessions; run periodically so the table does not grow without bound. */
  async sweep(now = Date.now()): Promise<number> {
    const idleMs = this.cfg.sessionIdleSeconds * 1000;
    return this.store.write(() => {
      const ids: string[] = [];
      for (const { key, value } of this.db.getRange({})) {
        if ((now >= value.expiresAt || now - value.lastSeenAt >= idleMs) && this.db.removeSync(key)) ids.push(key);
      }
      this.ended(ids);
      return ids.length;
    });
  }
}
