import type { Store } from '../store/store.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { SessionService } from './sessions.js';
import type { UserRecord, UserService } from './users.js';
import type { DirectoryConfig } from './directory-config.js';
import type { HumanRole } from './roles.js';
import { USERNAME } from './users.js';
import { newTotpSecret } from './totp.js';

/** A user as the directory holds them: what sign-in and the re-check need, nothing more. */
export interface DirectoryEntry {
  dn: string;
  /** The DNs of the groups the user is a member of. */
  groups: string[];
  /** Disabled in the directory itself (Active Directory's userAccountControl), though still found. */
  disabled: boolean;
}

/**
 * The directory, as the access domain sees it; the LDAP client behind it lives at the edge
 * (appliance/directory/). Both methods throw SWB_ERR_DIRECTORY_UNAVAILABLE when it cannot be asked.
 */
export interface DirectoryClient {
  /** The one entry the user filter finds for this sign-in name, or null (none, or more than one). */
  find(username: string): Promise<DirectoryEntry | null>;
  /** Whether the password binds as this DN. */
  bind(dn: string, password: string): Promise<boolean>;
}

export type DirectoryPolicy = Pick<DirectoryConfig, 'roles' | 'departments' | 'syncMinutes'>;
export type DirectoryProfile = { dn: string; role: HumanRole; department: string | null };
/** A password the directory accepted, with what its groups grant (null: nothing: disabled there, or in no mapped group). */
export type DirectoryProof = { ok: false } | { ok: true; profile: DirectoryProfile | null; reason: string | null };
export type RecheckResult = 'fresh' | 'kept' | 'revoked' | 'unavailable';

/** While the directory is down, re-checks wait this long before asking it again, not at every request. */
const RETRY_MS = 60_000;
const ACTOR = { actor: 'system', source: 'directory' };

/**
 * Accounts kept in the firm's directory (docs/security.md, "Directory sign-in"). The password
 * is the directory's; the local record holds the role and department the groups grant, the TOTP
 * factor and nothing secret, and is refreshed at sign-in and every `syncMinutes` after.
 */
export class DirectoryAccounts {
  /** Once the directory failed to answer, nobody's re-check asks it again before this: a down directory is down for all. */
  private downUntil = 0;
  private readonly inFlight = new Map<string, Promise<RecheckResult>>();

  constructor(
    private readonly store: Store,
    private readonly audit: AuditLog,
    private readonly users: UserService,
    private readonly sessions: SessionService,
    private readonly client: DirectoryClient,
    private readonly policy: DirectoryPolicy,
  ) {}

  /** A local account (a break-glass admin) never asks the directory; a name unknown here, or a directory user's, does. */
  handles(local: UserRecord | undefined): boolean {
    return !local || !!local.directory;
  }

  /** The password, proved by binding as the user; nothing is written. */
  async check(username: string, password: string): Promise<DirectoryProof> {
    // An empty password is an unauthenticated bind (RFC 4513 5.1.2), which servers answer with success.
    if (password === '' || !USERNAME.test(username)) return { ok: false };
    const entry = await this.client.find(username);
    if (!entry || !(await this.client.bind(entry.dn, password))) return { ok: false };
    const profile = entry.disabled ? null : this.profileOf(entry);
    return { ok: true, profile, reason: entry.disabled ? 'disabled in the directory' : profile ? null : 'in no mapped group' };
  }

  /**
   * After a proved password: the local record created or brought up to date. Null when the groups
   * grant nothing (disabled there, or in no mapped group): an existing record is then disabled here.
   */
  async signIn(username: string, proof: Extract<DirectoryProof, { ok: true }>): Promise<UserRecord | null> {
    const now = Date.now();
    return this.store.write(() => {
      const cur = this.users.get(username);
      // A local account made meanwhile (handles() saw none) stays local: the directory never takes one over.
      if (cur && !cur.directory) return null;
      if (!proof.profile) {
        if (cur) this.revokeInTxn(cur, proof.reason ?? 'refused by the directory', now);
        return null;
      }
      if (!cur) {
        const record = this.newRecord(username, proof.profile, now);
        this.users.insertInTxn(record, ACTOR, { directory: proof.profile.dn });
        return record;
      }
      return this.applyInTxn(cur, proof.profile, now);
    });
  }

  /**
   * Before a directory user's request is served: once their last check is `syncMinutes` old, the
   * directory is asked again. Gone, disabled there or in no mapped group: the record is disabled,
   * every session ends, audited. A directory that cannot be asked keeps the session (asked again
   * a minute later): an outage must not sign the whole firm out.
   */
  recheck(username: string, now = Date.now()): Promise<RecheckResult> {
    const u = this.users.get(username);
    if (!u?.directory || u.disabled || now - u.directory.checkedAt < this.policy.syncMinutes * 60_000) return Promise.resolve('fresh');
    if (this.downUntil > now) return Promise.resolve('unavailable');
    let running = this.inFlight.get(u.username);
    if (!running) {
      running = this.ask(u.username, now).finally(() => this.inFlight.delete(u.username));
      this.inFlight.set(u.username, running);
    }
    return running;
  }

  /** The periodic pass: directory users with a live session and a check due, so an idle open stream is cut too. */
  async sweep(now = Date.now()): Promise<RecheckResult[]> {
    const names = [...new Set(this.sessions.list(now).map((s) => s.username))];
    const out: RecheckResult[] = [];
    for (const name of names) out.push(await this.recheck(name, now));
    return out;
  }

  private async ask(username: string, now: number): Promise<RecheckResult> {
    let entry: DirectoryEntry | null;
    try {
      entry = await this.client.find(username);
    } catch (err) {
      this.downUntil = now + RETRY_MS;
      if ((err as { code?: string }).code === 'SWB_ERR_DIRECTORY_UNAVAILABLE') return 'unavailable';
      throw err;
    }
    const profile = entry && !entry.disabled ? this.profileOf(entry) : null;
    const reason = !entry ? 'not found in the directory' : entry.disabled ? 'disabled in the directory' : 'in no mapped group';
    return this.store.write(() => {
      const cur = this.users.get(username);
      if (!cur?.directory || cur.disabled) return 'fresh';
      if (!profile) return this.revokeInTxn(cur, reason, now), 'revoked';
      this.applyInTxn(cur, profile, now);
      return 'kept';
    });
  }

  /** Only inside store.write(). */
  private revokeInTxn(cur: UserRecord, reason: string, now: number): void {
    if (!cur.directory) return;
    const already = cur.disabled && cur.directory.lost;
    this.users.putInTxn({ ...cur, disabled: true, directory: { ...cur.directory, checkedAt: now, lost: true }, updatedAt: new Date(now).toISOString() });
    const ended = this.sessions.endAllForUserInTxn(cur.username);
    if (!already || ended > 0) this.audit.append({ ...ACTOR, action: 'user.directory.revoke', target: `user:${cur.username}`, details: { reason, sessionsEnded: ended } });
  }

  /**
   * Only inside store.write(): role and department as the groups say (a new role ends the user's
   * sessions, as an admin's change does); a record the directory had taken away is given back, one
   * an admin disabled here is not.
   */
  private applyInTxn(cur: UserRecord, profile: DirectoryProfile, now: number): UserRecord {
    const lost = cur.directory?.lost === true;
    const changed = cur.role !== profile.role || cur.department !== profile.department || (lost && cur.disabled);
    let rec = cur;
    if (changed) {
      rec = this.users.updateInTxn(cur.username, { role: profile.role, department: profile.department, ...(lost ? { disabled: false } : {}) }, ACTOR);
      if (cur.role !== profile.role) this.sessions.endAllForUserInTxn(cur.username);
      this.audit.append({ ...ACTOR, action: 'user.directory.sync', target: `user:${cur.username}`, details: { dn: profile.dn, role: profile.role, department: profile.department, restored: lost } });
    }
    rec = { ...rec, directory: { dn: profile.dn, checkedAt: now, lost: false } };
    this.users.putInTxn(rec);
    return rec;
  }

  private newRecord(username: string, profile: DirectoryProfile, now: number): UserRecord {
    const at = new Date(now).toISOString();
    const secret = this.users.totpRequired(profile.role) ? newTotpSecret() : null;
    return {
      username,
      role: profile.role,
      department: profile.department,
      extension: null,
      passwordHash: '',
      disabled: false,
      createdAt: at,
      updatedAt: at,
      totp: secret ? { secret, confirmed: false, lastStep: 0 } : null,
      directory: { dn: profile.dn, checkedAt: now, lost: false },
    };
  }

  /** The first mapped group the user is in decides the role, and likewise the department. */
  private profileOf(entry: DirectoryEntry): DirectoryProfile | null {
    const mine = new Set(entry.groups.map(normalDn));
    const role = this.policy.roles.find((m) => mine.has(normalDn(m.group)))?.role;
    if (!role) return null;
    const department = this.policy.departments.find((m) => mine.has(normalDn(m.group)))?.department ?? null;
    return { dn: entry.dn, role, department };
  }
}

/** DNs compare without case and without the spaces around separators that directories and admins write differently. */
export function normalDn(dn: string): string {
  return dn
    .split(/(?<!\\),/)
    .map((rdn) => rdn.trim().replace(/\s*=\s*/, '=').toLowerCase())
    .join(',');
}
