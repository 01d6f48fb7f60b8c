import { SwitchboardError } from '../../common/errors.js';
import type { AccessConfig } from './config.js';
import type { Store } from '../store/store.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { SessionService } from './sessions.js';
import type { UserRecord, UserService } from './users.js';
import type { LoginGuard } from './lockout.js';
import { totpStep } from './totp.js';
import type { DirectoryAccounts, DirectoryProof } from './directory.js';

export interface LoginInput {
  username: string;
  password: string;
  totp?: string | undefined;
  source: string;
}

export interface LoginResult {
  token: string;
  expiresAt: number;
  username: string;
  role: UserRecord['role'];
}

/** Outcomes for the logins metric; low cardinality by construction. */
export type LoginOutcome = 'success' | 'bad_credentials' | 'locked' | 'throttled' | 'disabled' | 'totp_required' | 'directory_unavailable';

/**
 * Address wait, password, then second factor, then a session: each failure is audited,
 * counted by the login guard, and committed before the answer goes out. A known and an
 * unknown name take the same path (one argon2 verification, one failure write) and get
 * the same answers, locked or not.
 */
export class LoginService {
  onOutcome: (outcome: LoginOutcome) => void = () => {};

  constructor(
    private readonly store: Store,
    private readonly audit: AuditLog,
    private readonly users: UserService,
    private readonly sessions: SessionService,
    private readonly guard: LoginGuard,
    private readonly directory: DirectoryAccounts | null = null,
  ) {}

  async login(input: LoginInput): Promise<LoginResult> {
    const username = input.username.toLowerCase();
    const actor = `user:${username}`;
    try {
      this.guard.assertAddressFree(input.source);
    } catch (err) {
      this.onOutcome('throttled');
      throw err;
    }
    this.users.passwords.prepareDecoy().catch(() => undefined);
    let user = this.users.get(username);
    const lockedUntil = this.guard.lockedUntil(username);
    // A directory user's password is the directory's to prove (a local break-glass account never asks it).
    const proof = this.directory?.handles(user) ? await this.askDirectory(username, input.password) : null;
    const passwordOk = proof ? proof.ok : user ? await this.users.passwords.verify(user.passwordHash, input.password) : (await this.users.passwords.burn(input.password), false);
    // While locked only the password and a confirmed second factor together get further: any lesser
    // hint (TOTP_REQUIRED, a 401, or one more store write than a wrong password costs) would tell a
    // guesser the password was right. The code is checked here, before the password decides.
    const codeOk = user?.totp?.confirmed ? freshStep(user.totp.secret, user.totp.lastStep, input.totp) : false;
    if (lockedUntil !== null && !(user && passwordOk && codeOk && !user.disabled)) return this.refuse(username, input.source, 'account locked');
    if (!passwordOk) return this.refuse(username, input.source, proof ? 'refused by the directory' : user ? 'wrong password' : 'unknown user');
    if (proof?.ok) user = (await this.directory!.signIn(username, proof)) ?? undefined;
    if (!user || user.disabled) {
      await this.audit.record({ actor, source: input.source, action: 'login.failure', target: actor, details: { reason: (proof?.ok && proof.reason) || 'account disabled' } });
      this.onOutcome('disabled');
      throw new SwitchboardError('SWB_ERR_ACCOUNT_DISABLED');
    }
    const needsTotp = user.totp !== null || this.users.totpRequired(user.role);
    if (needsTotp && !input.totp) {
      this.onOutcome('totp_required');
      const confirmed = user.totp?.confirmed === true;
      throw new SwitchboardError('SWB_ERR_TOTP_REQUIRED', confirmed ? undefined : 'confirm the enrolment with the first code from your authenticator', { enrolment: confirmed ? 'confirmed' : 'pending' });
    }
    const result = await this.store.write((): LoginResult | { totpFailure: string } => {
      // Re-read inside the write lock: a concurrent login may have used this code, or an admin reset the factor.
      const cur = this.users.require(username);
      if (needsTotp) {
        const step = cur.totp ? totpStep(cur.totp.secret, input.totp ?? '') : null;
        if (!cur.totp || step === null) return { totpFailure: 'wrong TOTP code' };
        if (step <= cur.totp.lastStep) return { totpFailure: 'TOTP code reused' };
        if (!cur.totp.confirmed) this.users.confirmTotpInTxn(username, cur.totp.secret, step, { actor, source: input.source });
        else this.users.putInTxn({ ...cur, totp: { ...cur.totp, lastStep: step } });
      }
      this.guard.clearInTxn(username);
      const session = this.sessions.createInTxn(username, input.source);
      this.audit.append({ actor, source: input.source, action: 'login.success', target: actor, details: { session: session.id.slice(0, 12) } });
      return { token: session.token, expiresAt: session.expiresAt, username, role: cur.role };
    });
    if ('totpFailure' in result) return this.refuse(username, input.source, result.totpFailure, lockedUntil !== null);
    this.onOutcome('success');
    return result;
  }

  private async askDirectory(username: string, password: string): Promise<DirectoryProof> {
    try {
      return await this.directory!.check(username, password);
    } catch (err) {
      this.onOutcome('directory_unavailable');
      throw err;
    }
  }

  /** One failed proof: counted and audited, then the answer a guesser gets for any name. */
  private async refuse(username: string, source: string, reason: string, wasLocked = false): Promise<never> {
    const counted = await this.store.write(() => this.guard.failureInTxn(username, source, 'login.failure', reason));
    this.onOutcome(counted === 'locked' ? 'locked' : 'bad_credentials');
    const until = this.guard.lockedUntil(username);
    if (until !== null && (wasLocked || reason === 'account locked')) {
      throw new SwitchboardError('SWB_ERR_ACCOUNT_LOCKED', `try again after ${new Date(until).toISOString()}`, { lockedUntil: new Date(until).toISOString() });
    }
    throw new SwitchboardError('SWB_ERR_BAD_CREDENTIALS');
  }
}

/** Whether a code is valid now and not yet used (the transaction checks again before using it). */
function freshStep(secret: string, lastStep: number, code: string | undefined): boolean {
  const step = code ? totpStep(secret, code) : null;
  return step !== null && step > lastStep;
}
