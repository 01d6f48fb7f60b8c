import { createHash, randomBytes } from 'node:crypto';

/**
 * Bearer secrets: 256 random bits, with a prefix so a leaked one is recognisable
 * (and redactable) in logs and scanners. Only their SHA-256 is stored: a stolen
 * store yields no usable token. A fast hash is right here (unlike passwords):
 * the input already has 256 bits of entropy.
 */
export type SecretKind = 'swbs' | 'swbt';

export function newSecret(kind: SecretKind): string {
  return `${kind}_${randomBytes(32).toString('base64url')}`;
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export function kindOf(secret: string): SecretKind | null {
  if (secret.startsWith('swbs_')) return 'swbs';
  if (secret.startsWith('swbt_')) return 'swbt';
  return null;
}
