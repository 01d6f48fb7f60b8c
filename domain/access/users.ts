import { SwitchboardError } from '../../common/errors.js';
import type { AccessConfig } from './config.js';
import type { Store } from '../store/store.js';
import type { AuditLog } from '../audit/audit-log.js';
import { PasswordPolicy } from './passwords.js';
import { newTotpSecret, totpUri } from './totp.js';
import type { HumanRole } from './roles.js';
import type { LoginGuard } from './lockout.js';

export interface UserRecord {
  username: string;
  role: HumanRole;
  department: string | null;
  /** The SIP extension this user answers (2-8 digits, one user each): their own calls' recordings. Absent in records made before it: null. */
  extension: string | null;
  passwordHash: string;
  disabled: boolean;
  createdAt: string;
  updatedAt: string;
  /**
   * A secret with confirmed=false is a pending enrolment: the next login's code confirms it.
   * `replacement` is a re-enrolment's new secret: the confirmed one stays in force until a code from it is given.
   */
  totp: TotpState | null;
  /** A directory user's: where the record came from and when the directory last vouched for it (`lost`: it no longer does). No password is kept. */
  directory?: { dn: string; checkedAt: number; lost: boolean } | null;
  /** Kept by records written before the login guard held the counts (lockout.ts); never read. */
  failures?: number;
  lockedUntil?: number | null;
}

export type TotpState = { secret: string; confirmed: boolean; lastStep: number; replacement?: string | null };

export type PublicUser = Pick<UserRecord, 'username' | 'role' | 'department' | 'extension' | 'disabled' | 'createdAt' | 'updatedAt'> & {
  totp: 'none' | 'pending' | 'confirmed';
  locked: boolean;
};

/** Who did it and from where: every mutating call takes one, so it can be audited. */
export interface ActionContext {
  actor: string;
  source: string;
}

export const USERNAME = /^[a-z0-9][a-z0-9._-]{1,63}$/;
export const EXTENSION = /^[0-9]{2,8}$/;

export type UserPatch = { role?: HumanRole; department?: string | null; disabled?: boolean; extension?: string | null };
export type NewUser = { username: string; password: string; role: HumanRole; department?: string | null; extension?: string | null };
/** Provisioning checks extension uniqueness once over the whole document (a swap between two users is fine), not per step. */
export type WriteOptions = { deferExtensionCheck?: boolean };

export class UserService {
  readonly passwords: PasswordPolicy;

  constructor(
    private readonly store: Store,
    private readonly audit: AuditLog,
    private readonly cfg: AccessConfig,
    private readonly guard: LoginGuard,
  ) {
    this.passwords = new PasswordPolicy(cfg);
  }

  private get db() {
    return this.store.db<UserRecord, string>('users');
  }

  get(username: string): UserRecord | undefined {
    const u = this.db.get(username.toLowerCase());
    return u && withDefaults(u);
  }

  /** The extension a user answers, or null (no such user, none set). */
  extensionOf(username: string): string | null {
    return this.get(username)?.extension ?? null;
  }

  /** The user holding an extension, other than `except`. */
  holderOf(extension: string, except?: string): string | null {
    for (const { value } of this.db.getRange({})) if (value.extension === extension && value.username !== except) return value.username;
    return null;
  }

  /** Only inside store.write(): refuses a state where two users hold one extension (after a provisioning apply). */
  assertExtensionsUniqueInTxn(): void {
    const seen = new Map<string, string>();
    for (const { value } of this.db.getRange({})) {
      if (!value.extension) continue;
      const other = seen.get(value.extension);
      if (other) throw extensionTaken(value.extension, other);
      seen.set(value.extension, value.username);
    }
  }

  require(username: string): UserRecord {
    const u = this.get(username);
    if (!u) throw new SwitchboardError('SWB_ERR_NOT_FOUND', `user ${username}`);
    return u;
  }

  list(): PublicUser[] {
    return [...this.db.getRange({})].map(({ value }) => this.view(withDefaults(value)));
  }

  /** What the API and the CLI show of a user: no secrets, and whether the login guard holds them locked. */
  view(u: UserRecord): PublicUser {
    return toPublic(u, this.guard.lockedUntil(u.username) !== null);
  }

  countAdmins(): number {
    let n = 0;
    for (const { value } of this.db.getRange({})) if (value.role === 'admin' && !value.disabled) n++;
    return n;
  }

  totpRequired(role: HumanRole): boolean {
    return (this.cfg.totpRequiredRoles as string[]).includes(role);
  }

  async create(
    input: NewUser,
    ctx: ActionContext,
  ): Promise<{ user: PublicUser; totpUri: string | null }> {
    const record = await this.prepare(input);
    await this.store.write(() => this.insertInTxn(record, ctx));
    return { user: this.view(record), totpUri: record.totp ? totpUri(record.totp.secret, record.username) : null };
  }

  /** Validation and the slow argon2 hash, outside any transaction. */
  async prepare(input: NewUser & { totpSecret?: string | null }): Promise<UserRecord> {
    const username = input.username.toLowerCase();
    if (!USERNAME.test(username) || username === 'me') {
      throw new SwitchboardError('SWB_ERR_VALIDATION', `username ${JSON.stringify(input.username)}: expected 2-64 of a-z 0-9 . _ - starting with a letter or digit`);
    }
    checkExtension(input.extension);
    this.passwords.check(input.password);
    const passwordHash = await this.passwords.hash(input.password);
    const now = new Date().toISOString();
    const secret = input.totpSecret ?? (this.totpRequired(input.role) ? newTotpSecret() : null);
    return {
      username,
      role: input.role,
      department: input.department ?? null,
      extension: input.extension ?? null,
      passwordHash,
      disabled: false,
      createdAt: now,
      updatedAt: now,
      totp: secret ? { secret, confirmed: false, lastStep: 0 } : null,
    };
  }

  /** Only inside store.write(). */
  insertInTxn(record: UserRecord, ctx: ActionContext, details: Record<string, unknown> = {}, opts: WriteOptions = {}): void {
    if (this.db.get(record.username)) throw new SwitchboardError('SWB_ERR_CONFLICT', `user ${record.username} exists`);
    if (record.extension && !opts.deferExtensionCheck) this.claimInTxn(record.extension, record.username);
    this.db.putSync(record.username, record);
    this.audit.append({ ...ctx, action: 'user.create', target: `user:${record.username}`, details: { role: record.role, department: record.department, extension: record.extension, ...details } });
  }

  /** Role, department, disabled or extension; the caller ends the user's sessions when access shrinks. */
  async update(username: string, patch: UserPatch, ctx: ActionContext): Promise<PublicUser> {
    return this.view(await this.store.write(() => this.updateInTxn(username, patch, ctx)));
  }

  /** Only inside store.write(). */
  updateInTxn(username: string, patch: UserPatch, ctx: ActionContext, opts: WriteOptions = {}): UserRecord {
    const cur = this.require(username);
    checkExtension(patch.extension);
    if (patch.extension && !opts.deferExtensionCheck) this.claimInTxn(patch.extension, cur.username);
    const rec: UserRecord = { ...cur, ...definedOnly(patch), updatedAt: new Date().toISOString() };
    if (patch.role && this.totpRequired(patch.role) && !rec.totp) rec.totp = { secret: newTotpSecret(), confirmed: false, lastStep: 0 };
    this.db.putSync(rec.username, rec);
    this.audit.append({ ...ctx, action: 'user.update', target: `user:${rec.username}`, details: { from: { role: cur.role, department: cur.department, disabled: cur.disabled, extension: cur.extension }, to: definedOnly(patch) } });
    return rec;
  }

  async setPassword(username: string, password: string, ctx: ActionContext): Promise<void> {
    this.passwords.check(password);
    const passwordHash = await this.passwords.hash(password);
    await this.store.write(() => this.setPasswordHashInTxn(username, passwordHash, ctx));
  }

  /** Only inside store.write(); `details` says, for one's own change, how many other sessions it ended. */
  setPasswordHashInTxn(username: string, passwordHash: string, ctx: ActionContext, details: Record<string, unknown> = {}): void {
    const cur = this.require(username);
    if (cur.directory) throw new SwitchboardError('SWB_ERR_CONFLICT', `user ${cur.username} signs in through the directory: change the password there`);
    this.db.putSync(cur.username, { ...cur, passwordHash, updatedAt: new Date().toISOString() });
    this.guard.clearInTxn(cur.username);
    this.audit.append({ ...ctx, action: 'user.password', target: `user:${cur.username}`, details });
  }

  /** Only inside store.write(): a TOTP secret handed over by provisioning; the next login confirms it. */
  setTotpSecretInTxn(username: string, secret: string, ctx: ActionContext): void {
    const cur = this.require(username);
    this.db.putSync(cur.username, { ...cur, totp: { secret, confirmed: false, lastStep: 0 } });
    this.audit.append({ ...ctx, action: 'user.totp.enrol', target: `user:${cur.username}` });
  }

  async unlock(username: string, ctx: ActionContext): Promise<void> {
    await this.store.write(() => {
      const cur = this.require(username);
      this.guard.clearInTxn(cur.username);
      this.audit.append({ ...ctx, action: 'user.unlock', target: `user:${cur.username}` });
    });
  }

  /**
   * Only inside store.write(): a new secret for the user's own (re-)enrolment, returned as a URI.
   * Beside a confirmed secret it waits as the replacement; otherwise it is the pending enrolment
   * that a code (at sign-in or POST /users/me/totp/confirm) confirms.
   */
  startTotpInTxn(username: string, ctx: ActionContext, details: Record<string, unknown>): string {
    const cur = this.require(username);
    const secret = newTotpSecret();
    const totp: TotpState = cur.totp?.confirmed ? { ...cur.totp, replacement: secret } : { secret, confirmed: false, lastStep: 0 };
    this.db.putSync(cur.username, { ...cur, totp });
    this.audit.append({ ...ctx, action: 'user.totp.enrol', target: `user:${cur.username}`, details });
    return totpUri(secret, cur.username);
  }

  /** Only inside store.write(): the secret that a code from `step` confirmed becomes the one in force. */
  confirmTotpInTxn(username: string, secret: string, step: number, ctx: ActionContext): void {
    const cur = this.require(username);
    this.db.putSync(cur.username, { ...cur, totp: { secret, confirmed: true, lastStep: step } });
    this.audit.append({ ...ctx, action: 'user.totp.confirm', target: `user:${cur.username}` });
  }

  /**
   * Only inside store.write(): an admin's reset. The old secret stops working at once and a new one
   * waits as a pending enrolment, as at creation: the user's next sign-in must confirm it with a
   * code before any session opens. The caller ends the user's sessions.
   */
  resetTotpInTxn(username: string, ctx: ActionContext, details: Record<string, unknown>): { user: UserRecord; totpUri: string } {
    const cur = this.require(username);
    const secret = newTotpSecret();
    const user: UserRecord = { ...cur, totp: { secret, confirmed: false, lastStep: 0 }, updatedAt: new Date().toISOString() };
    this.db.putSync(cur.username, user);
    this.audit.append({ ...ctx, action: 'user.totp.reset', target: `user:${cur.username}`, details });
    return { user, totpUri: totpUri(secret, cur.username) };
  }

  private claimInTxn(extension: string, username: string): void {
    const holder = this.holderOf(extension, username);
    if (holder) throw extensionTaken(extension, holder);
  }

  /** Only inside store.write(): the login flow's bookkeeping. */
  putInTxn(record: UserRecord): void {
    this.db.putSync(record.username, record);
  }
}

function toPublic(u: UserRecord, locked: boolean): PublicUser {
  const totp = !u.totp ? 'none' : u.totp.confirmed ? 'confirmed' : 'pending';
  const { username, role, department, disabled, createdAt, updatedAt } = u;
  return { username, role, department, extension: u.extension ?? null, disabled, createdAt, updatedAt, totp, locked };
}

function withDefaults(u: UserRecord): UserRecord {
  return u.extension === undefined ? { ...u, extension: null } : u;
}

function checkExtension(extension: string | null | undefined): void {
  if (extension !== undefined && extension !== null && !EXTENSION.test(extension)) {
    throw new SwitchboardError('SWB_ERR_VALIDATION', `extension ${JSON.stringify(extension)}: expected 2-8 digits`, { field: 'extension' });
  }
}

function extensionTaken(extension: string, holder: string): SwitchboardError {
  return new SwitchboardError('SWB_ERR_CONFLICT', `extension ${extension} already belongs to user ${holder}; clear it there first`, { field: 'extension' });
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
