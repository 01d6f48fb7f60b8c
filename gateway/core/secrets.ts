import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Constant-time comparison of a presented secret with the expected one. Both are
 * hashed first, so neither the content nor the length of the expected secret
 * leaks through timing (timingSafeEqual itself needs equal lengths).
 */
export function sameSecret(presented: string | Buffer | undefined | null, expected: string | Buffer): boolean {
  if (presented === undefined || presented === null) return false;
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** sameSecret against a secret fixed at start: its hash is computed once, not per request. */
export function secretMatcher(expected: string): (presented: string | undefined | null) => boolean {
  const want = createHash('sha256').update(expected).digest();
  return (presented) => typeof presented === 'string' && timingSafeEqual(createHash('sha256').update(presented).digest(), want);
}

export function hmacSha256(key: string, data: Buffer): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

/** `sha256=<hex>` as Meta sends it, checked over the raw bytes received (never re-serialised JSON). */
export function validHubSignature(header: string | undefined, appSecret: string, raw: Buffer): boolean {
  if (typeof header !== 'string' || !header.startsWith('sha256=')) return false;
  const hex = header.slice(7);
  if (!/^[0-9a-f]{64}$/i.test(hex)) return false;
  return timingSafeEqual(Buffer.from(hex, 'hex'), hmacSha256(appSecret, raw));
}

/**
 * Telegram's Bot API carries the token in the request path
 * (https://api.telegram.org/bot<TOKEN>/sendMessage, /file/bot<TOKEN>/...), and
 * VK carries access_token in the query: any URL that may reach a log or an
 * error message goes through here first.
 */
export function redactUrl(url: string): string {
  return url.replace(/\/bot[^/]+/g, '/bot[redacted]').replace(/([?&](?:access_token|key)=)[^&]*/g, '$1[redacted]');
}

