import { SwitchboardError } from '../../common/errors.js';
import type { AccessConfig } from './config.js';
import type { Store } from '../store/store.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { SessionService } from './sessions.js';
import type { UserRecord, UserService } from './users.js';
import { totpStep } from './totp.js';

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
export type LoginOutcome = 'success' | 'bad_credentials' | 'locked' | 'disabled' | 'totp_required';

/**
 * Password, then second factor, then a session: each failure is audited, counts
 * toward the lockout, and is committed before the answer goes out.
 */
export class LoginService {
  onOutcome: (outcome: LoginOutcome) => void = () => {};

  constructor(
    private readonly store: Store,
    private readonly audit: AuditLog,
    private readonly users: UserService,
    private readonly sessions: SessionService,
    private readonly cfg: Pick<AccessConfig, 'lockoutThreshold' | 'lockoutSeconds'>,
  ) {}

  async login(input: LoginInput): Promise<LoginResult> {
    const username = input.username.toLowerCase();
    const actor = `user:${username}`;
    const user = this.users.get(username);
    if (!user) {
      await this.users.passwords.burn(input.password);
      await this.fail(actor, input.source, 'unknown user', 'bad_credentials');
      throw new SwitchboardError('SWB_ERR_BAD_CREDENTIALS');
    }
    if ((user.lockedUntil ?? 0) > Date.now()) {
      await this.fail(actor, input.source, 'account locked', 'locked');
      throw lockedError(user.lockedUntil!);
    }
    if (!(await this.users.passwords.verify(user.passwordHash, input.password))) {
      await this.countFailure(username, input.source, 'wrong password');
      throw new SwitchboardError('SWB_ERR_BAD_CREDENTIALS');
    }
    if (user.disabled) {
      await this.fail(actor, input.source, 'account disabled', 'disabled');
      throw new SwitchboardError('SWB_ERR_ACCOUNT_DISABLED');
    }
    const needsTotp = user.totp !== null || this.users.totpRequired(user.role);
    if (needsTotp && !input.totp) {
      this.onOutcome('totp_required');
      throw new SwitchboardError('SWB_ERR_TOTP_REQUIRED', user.totp?.confirmed ? undefined : 'confirm the enrolment with the first code from your authenticator', {
        enrolment: user.totp?.confirmed ? 'confirmed' : 'pending',
      });
    }
    const result = await this.store.write((): LoginResult | { totpFailure: string } => {
      // Re-read inside the write lock: a concurrent login may have used this code or locked the account.
      const cur = this.users.require(username);
      let confirmedNow = false;
      if (needsTotp) {
        const step = cur.totp ? totpStep(cur.totp.secret, input.totp ?? '') : null;
        if (!cur.totp || step === null) return { totpFailure: 'wrong TOTP code' };
        if (step <= cur.totp.lastStep) return { totpFailure: 'TOTP code reused' };
        confirmedNow = !cur.totp.confirmed;
        cur.totp = { ...cur.totp, confirmed: true, lastStep: step };
      }
      this.users.putInTxn({ ...cur, failures: 0, lockedUntil: null });
      if (confirmedNow) this.audit.append({ actor, source: input.source, action: 'user.totp.confirm', target: actor });
      const session = this.sessions.createInTxn(username, input.source);
      this.audit.append({ actor, source: input.source, action: 'login.success', target: actor, details: { session: session.id.slice(0, 12) } });
      return { token: session.token, expiresAt: session.expiresAt, username, role: cur.role };
    });
    if ('totpFailure' in result) {
      await this.countFailure(username, input.source, result.totpFailure);
      throw new SwitchboardError('SWB_ERR_BAD_CREDENTIALS');
    }
    this.onOutcome('success');
    return result;
  }

  private async fail(actor: string, source: string, reason: string, outcome: LoginOutcome): Promise<void> {
    await this.audit.record({ actor, source, action: 'login.failure', target: actor, details: { reason } });
    this.onOutcome(outcome);
  }

  private async countFailure(username: string, source: string, reason: string): Promise<void> {
    await this.store.write(() => this.failureInTxn(this.users.require(username), source, reason));
  }

  private failureInTxn(user: UserRecord, source: string, reason: string): void {
    const actor = `user:${user.username}`;
    const failures = user.failures + 1;
    const lock = failures >= this.cfg.lockoutThreshold;
    const lockedUntil = lock ? Date.now() + this.cfg.lockoutSeconds * 1000 : user.lockedUntil;
    this.users.putInTxn({ ...user, failures: lock ? 0 : failures, lockedUntil });
    this.audit.append({ actor, source, action: 'login.failure', target: actor, details: { reason, failures } });
    if (lock) this.audit.append({ actor: 'system', source, action: 'login.locked', target: actor, details: { until: new Date(lockedUntil!).toISOString(), failures } });
    this.onOutcome(lock ? 'locked' : 'bad_credentials');
  }
}

function lockedError(until: number): SwitchboardError {
  return new SwitchboardError('SWB_ERR_ACCOUNT_LOCKED', `try again after ${new Date(until).toISOString()}`, { lockedUntil: new Date(until).toISOString() });
}
