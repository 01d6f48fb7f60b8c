import { SwitchboardError } from '../../common/errors.js';
import type { Store } from '../store/store.js';
import type { SessionService } from './sessions.js';
import type { ActionContext, PublicUser, UserRecord, UserService } from './users.js';
import type { LoginGuard } from './lockout.js';
import { totpStep } from './totp.js';
import type { DirectoryAccounts } from './directory.js';

/** The signed-in user changing their own settings, from the session they act in. */
export interface Me {
  username: string;
  sessionId: string | null;
  source: string;
}

/** What a session alone does not prove: the current password, and a current code when a second factor is confirmed. */
export interface Proof {
  password: string;
  totp?: string | undefined;
}

type Proved<T> = { value: T } | { failure: string };

/**
 * One's own password and second factor (docs/security.md, "Changing security settings"):
 * a stolen session cannot change them, because each change proves the password and a
 * code afresh; a change ends the user's other sessions and keeps the one that made it.
 * Failed proofs count toward the login guard like failed sign-ins.
 */
export class SecuritySettings {
  constructor(
    private readonly store: Store,
    private readonly users: UserService,
    private readonly sessions: SessionService,
    private readonly guard: LoginGuard,
    private readonly directory: DirectoryAccounts | null = null,
  ) {}

  async changePassword(me: Me, proof: Proof, password: string): Promise<void> {
    this.users.passwords.check(password);
    const passwordHash = await this.users.passwords.hash(password);
    await this.prove(me, proof, (user, ctx) => {
      const ended = this.sessions.endAllForUserInTxn(user.username, me.sessionId ?? undefined);
      this.users.setPasswordHashInTxn(user.username, passwordHash, ctx, { sessionsEnded: ended });
    });
  }

  /** A new secret as an otpauth URI; it is in force once a code from it is confirmed. */
  async startTotp(me: Me, proof: Proof): Promise<string> {
    return this.prove(me, proof, (user, ctx) => {
      const ended = this.sessions.endAllForUserInTxn(user.username, me.sessionId ?? undefined);
      return this.users.startTotpInTxn(user.username, ctx, { sessionsEnded: ended });
    });
  }

  /** A code from the waiting secret puts it in force. */
  async confirmTotp(me: Me, code: string): Promise<void> {
    this.guard.assertAddressFree(me.source);
    const ctx = this.contextOf(me);
    const result = await this.store.write((): Proved<void> => {
      const cur = this.users.require(me.username);
      const secret = cur.totp?.confirmed ? cur.totp.replacement : cur.totp?.secret;
      if (!secret) throw new SwitchboardError('SWB_ERR_CONFLICT', 'no new secret waits for a code; start one with POST /api/v1/users/me/totp');
      const step = totpStep(secret, code);
      if (step === null) return { failure: 'wrong TOTP code' };
      this.users.confirmTotpInTxn(cur.username, secret, step, ctx);
      this.sessions.endAllForUserInTxn(cur.username, me.sessionId ?? undefined);
      return { value: undefined };
    });
    if ('failure' in result) await this.refuse(me, result.failure);
  }

  /** An admin's reset of someone else's factor: their sessions end, and their next sign-in must confirm a new secret. */
  async resetTotp(username: string, ctx: ActionContext): Promise<{ user: PublicUser; totpUri: string; sessionsEnded: number }> {
    const { user, totpUri, sessionsEnded } = await this.store.write(() => {
      const target = this.users.require(username);
      const ended = this.sessions.endAllForUserInTxn(target.username);
      return { ...this.users.resetTotpInTxn(target.username, ctx, { sessionsEnded: ended }), sessionsEnded: ended };
    });
    return { user: this.users.view(user), totpUri, sessionsEnded };
  }

  /**
   * The password (argon2, outside any transaction), then the code and the change in one
   * transaction, so a code is used once and a refused proof changes nothing.
   */
  private async prove<T>(me: Me, proof: Proof, apply: (user: UserRecord, ctx: ActionContext) => T): Promise<T> {
    this.guard.assertAddressFree(me.source);
    const user = this.users.require(me.username);
    if (!(await this.passwordOk(user, proof.password))) return this.refuse(me, 'wrong password');
    if (user.totp?.confirmed && !proof.totp) {
      throw new SwitchboardError('SWB_ERR_TOTP_REQUIRED', 'changing a security setting needs a current code as well as the password', { enrolment: 'confirmed' });
    }
    const ctx = this.contextOf(me);
    const result = await this.store.write((): Proved<T> => {
      const cur = this.users.require(me.username);
      if (cur.totp?.confirmed) {
        const step = totpStep(cur.totp.secret, proof.totp ?? '');
        if (step === null) return { failure: 'wrong TOTP code' };
        if (step <= cur.totp.lastStep) return { failure: 'TOTP code reused' };
        this.users.putInTxn({ ...cur, totp: { ...cur.totp, lastStep: step } });
      }
      return { value: apply(cur, ctx) };
    });
    if ('failure' in result) return this.refuse(me, result.failure);
    return result.value;
  }

  /** A directory user's password is proved by the directory (no hash is kept here); without one configured, it cannot be. */
  private async passwordOk(user: UserRecord, password: string): Promise<boolean> {
    if (!user.directory) return this.users.passwords.verify(user.passwordHash, password);
    if (!this.directory) return false;
    const proof = await this.directory.check(user.username, password);
    return proof.ok && proof.profile !== null;
  }

  private async refuse(me: Me, reason: string): Promise<never> {
    await this.store.write(() => this.guard.failureInTxn(me.username, me.source, 'user.reauth.failure', reason));
    throw new SwitchboardError('SWB_ERR_BAD_CREDENTIALS', 'the current password or code is wrong');
  }

  private contextOf(me: Me): ActionContext {
    return { actor: `user:${me.username}`, source: me.source };
  }
}
