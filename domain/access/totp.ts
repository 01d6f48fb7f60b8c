import { Secret, TOTP } from 'otpauth';

/** RFC 6238 defaults that every authenticator app understands: SHA-1, 6 digits, 30 s. */
const PERIOD = 30;

export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

export function totpUri(secretBase32: string, account: string, issuer = 'Switchboard'): string {
  return new TOTP({ issuer, label: account, secret: Secret.fromBase32(secretBase32), period: PERIOD }).toString();
}

/**
 * The time step a code belongs to (one step of clock drift either way), or null.
 * The caller refuses steps at or before the last one used: each code works once.
 */
export function totpStep(secretBase32: string, code: string, now = Date.now()): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const totp = new TOTP({ secret: Secret.fromBase32(secretBase32), period: PERIOD });
  const delta = totp.validate({ token: code, timestamp: now, window: 1 });
  if (delta === null) return null;
  return Math.floor(now / 1000 / PERIOD) + delta;
}

export function totpCode(secretBase32: string, now = Date.now()): string {
  return new TOTP({ secret: Secret.fromBase32(secretBase32), period: PERIOD }).generate({ timestamp: now });
}
