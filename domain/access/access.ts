import type { AccessConfig } from './config.js';
import type { Store } from '../store/store.js';
import type { AuditLog } from '../audit/audit-log.js';
import { UserService } from './users.js';
import { SessionService } from './sessions.js';
import { ServiceTokenService } from './service-tokens.js';
import { LoginService } from './login.js';
import { LoginGuard } from './lockout.js';
import { SecuritySettings } from './fresh-proof.js';
import { kindOf } from './secrets.js';
import { Departments } from './departments.js';
import { newTotpSecret } from './totp.js';
import { SwitchboardError } from '../../common/errors.js';
import type { ActionContext, PublicUser, UserPatch } from './users.js';
import type { Principal } from './roles.js';
import { DirectoryAccounts, type DirectoryClient, type DirectoryPolicy } from './directory.js';

/** The access domain in one place: who someone is, from a bearer secret. */
export class Access {
  readonly users: UserService;
  readonly sessions: SessionService;
  readonly tokens: ServiceTokenService;
  readonly login: LoginService;
  readonly guard: LoginGuard;
  readonly security: SecuritySettings;
  readonly departments: Departments;
  /** Sign-in through the firm's directory, when `access.directory` is set. */
  readonly directory: DirectoryAccounts | null;

  constructor(
    private readonly store: Store,
    readonly audit: AuditLog,
    cfg: AccessConfig,
    directory?: { client: DirectoryClient; policy: DirectoryPolicy },
  ) {
    this.guard = new LoginGuard(store, audit, cfg);
    this.users = new UserService(store, audit, cfg, this.guard);
    this.sessions = new SessionService(store, cfg);
    this.tokens = new ServiceTokenService(store, audit);
    this.directory = directory ? new DirectoryAccounts(store, audit, this.users, this.sessions, directory.client, directory.policy) : null;
    this.login = new LoginService(store, audit, this.users, this.sessions, this.guard, this.directory);
    this.security = new SecuritySettings(store, this.users, this.sessions, this.guard, this.directory);
    this.departments = new Departments(store, audit);
  }

  /** A principal for a bearer secret, or null when it is unknown, expired, or its user disabled. */
  authenticate(secret: string): Principal | null {
    switch (kindOf(secret)) {
      case 'swbs': {
        const s = this.sessions.resolve(secret);
        const u = s ? this.users.get(s.username) : undefined;
        if (!s || !u || u.disabled) return null;
        return { kind: 'user', id: u.username, role: u.role, department: u.department, sessionId: s.id };
      }
      case 'swbt': {
        const t = this.tokens.resolve(secret);
        return t ? { kind: 'service', id: t.id, role: t.role, department: null, sessionId: null } : null;
      }
      default:
        return null;
    }
  }

  /** Logout (own session) or revoke (admin): the session ends and the audit says which. */
  async endSession(id: string, ctx: ActionContext & { action: 'logout' | 'session.revoke' }): Promise<void> {
    await this.store.write(() => {
      const s = this.sessions.get(id);
      if (!s || !this.sessions.endInTxn(id)) throw new SwitchboardError('SWB_ERR_NOT_FOUND', 'session');
      this.audit.append({ actor: ctx.actor, source: ctx.source, action: ctx.action, target: `user:${s.username}`, details: { session: id.slice(0, 12) } });
    });
  }

  /** An admin ends every session of a user at once (a lost laptop, a leaver): audited with how many ended. */
  async endSessionsOf(username: string, ctx: ActionContext): Promise<number> {
    return this.store.write(() => {
      const user = this.users.require(username);
      const ended = this.sessions.endAllForUserInTxn(user.username);
      this.audit.append({ ...ctx, action: 'session.revoke', target: `user:${user.username}`, details: { sessions: ended } });
      return ended;
    });
  }

  /** A role change or disabling ends the user's sessions: access must shrink at once, not at expiry. */
  async updateUser(username: string, patch: UserPatch, ctx: ActionContext): Promise<PublicUser> {
    const before = this.users.require(username);
    const user = await this.users.update(username, patch, ctx);
    if ((patch.role && patch.role !== before.role) || patch.disabled) await this.store.write(() => this.sessions.endAllForUserInTxn(user.username));
    return user;
  }

  /** A new password ends every session of that user: whoever held the old one is out. */
  async setPassword(username: string, password: string, ctx: ActionContext): Promise<void> {
    await this.users.setPassword(username, password, ctx);
    await this.store.write(() => this.sessions.endAllForUserInTxn(username.toLowerCase()));
  }

  /** The periodic clean-up: expired sessions, and failure counts that no longer count. */
  async sweep(): Promise<void> {
    await this.sessions.sweep();
    await this.guard.sweep();
    await this.directory?.sweep();
  }
}
