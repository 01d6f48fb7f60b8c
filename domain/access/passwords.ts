import argon2 from 'argon2';
import { createRequire } from 'node:module';
import { SwitchboardError } from '../../common/errors.js';
import type { AccessConfig } from './config.js';

let common: Set<string> | null = null;
/**
 * 49k common passwords from zxcvbn-ts' list. The package decompresses the list
 * when it is imported, so it is required on first use, not at every start.
 */
function commonPasswords(): Set<string> {
  if (!common) {
    const { dictionary } = createRequire(import.meta.url)('@zxcvbn-ts/language-common') as { dictionary: Record<string, string[]> };
    common = new Set(dictionary['passwords-common']!.map((p) => p.toLowerCase()));
  }
  return common;
}

/**
 * The list holds few entries of 12+ characters, so the usual padding of a short
 * common password ("password1234", "dragon!!!!!!", "monkeymonkey") is checked too.
 */
function isCommon(password: string): boolean {
  const lower = password.toLowerCase();
  const list = commonPasswords();
  if (list.has(lower)) return true;
  const core = lower.replace(/[\d\W_]+$/u, '').replace(/^[\d\W_]+/u, '');
  if (core.length >= 4 && list.has(core)) return true;
  const half = lower.slice(0, lower.length / 2);
  return lower.length % 2 === 0 && half.repeat(2) === lower && list.has(half);
}

export class PasswordPolicy {
  constructor(private readonly cfg: Pick<AccessConfig, 'passwordMinLength' | 'passwordMaxLength' | 'argon2MemoryKiB' | 'argon2TimeCost' | 'argon2Parallelism'>) {}

  check(password: string): void {
    const length = [...password].length;
    if (length < this.cfg.passwordMinLength) {
      throw new SwitchboardError('SWB_ERR_WEAK_PASSWORD', `at least ${this.cfg.passwordMinLength} characters are required`);
    }
    if (length > this.cfg.passwordMaxLength) {
      throw new SwitchboardError('SWB_ERR_WEAK_PASSWORD', `at most ${this.cfg.passwordMaxLength} characters are allowed`);
    }
    if (isCommon(password)) {
      throw new SwitchboardError('SWB_ERR_WEAK_PASSWORD', 'it is on, or is made from, the list of most common passwords');
    }
    if (new Set(password).size < 5) {
      throw new SwitchboardError('SWB_ERR_WEAK_PASSWORD', 'it repeats too few different characters');
    }
  }

  hash(password: string): Promise<string> {
    return argon2.hash(password, {
      type: argon2.argon2id,
      memoryCost: this.cfg.argon2MemoryKiB,
      timeCost: this.cfg.argon2TimeCost,
      parallelism: this.cfg.argon2Parallelism,
    });
  }

  async verify(hash: string, password: string): Promise<boolean> {
    try {
      return await argon2.verify(hash, password);
    } catch {
      return false;
    }
  }

  /** A hash to verify against when the user does not exist, so timing does not reveal it. */
  private decoy: Promise<string> | null = null;
  async burn(password: string): Promise<void> {
    await this.verify(await this.prepareDecoy(), password);
  }

  /** Made on the first sign-in of any name, so the first unknown one does not pay an extra hash. */
  prepareDecoy(): Promise<string> {
    return (this.decoy ??= this.hash('decoy-password-for-timing'));
  }
}
