import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { SwitchboardError } from '../common/errors.js';

/**
 * The console's session lives in this cookie only. `__Host-` makes the browser
 * refuse it unless it is Secure, host-only and Path=/, so a sibling host or a
 * plain-HTTP page cannot plant or shadow it.
 */
export const SESSION_COOKIE = '__Host-swb_session';
export const CSRF_HEADER = 'x-csrf-token';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function sessionCookie(secret: string): string {
  // No Max-Age: the cookie goes when the browser closes; the server enforces idle time and lifetime.
  return `${SESSION_COOKIE}=${secret}; Path=/; HttpOnly; Secure; SameSite=Strict`;
}

export const CLEARED_COOKIE = `${SESSION_COOKIE}=; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=0`;

/**
 * The CSRF token is derived from the session secret, so it needs no storage and
 * dies with the session; a page that can read it (ours, same origin) proves it
 * is not a cross-site form, and knowing it does not reveal the secret.
 */
export function csrfTokenOf(secret: string): string {
  return createHash('sha256').update('swb-csrf\0').update(secret).digest('base64url');
}

export function cookieSecret(request: FastifyRequest): string | null {
  const header = request.headers.cookie;
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === SESSION_COOKIE) {
      const v = part.slice(eq + 1).trim();
      return v.length > 0 && v.length <= 512 ? v : null;
    }
  }
  return null;
}

export function bearerSecret(request: FastifyRequest): string | null {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
  return m ? m[1]! : null;
}

/** Whatever secret authenticated this request: a machine's bearer token first, else the browser's cookie. */
export function credentialOf(request: FastifyRequest): string | null {
  return bearerSecret(request) ?? cookieSecret(request);
}

/**
 * A state-changing request from a browser must come from our own origin: its
 * Origin (which browsers always send on such requests) names this host, and
 * Sec-Fetch-Site, where sent, says same-origin.
 */
export function assertSameOrigin(request: FastifyRequest): void {
  const origin = request.headers.origin;
  let host: string | null = null;
  try {
    host = origin ? new URL(origin).host : null;
  } catch {
    host = null;
  }
  if (!host || host !== request.host) throw new SwitchboardError('SWB_ERR_CSRF', origin ? `Origin ${origin} is not this console` : 'a browser request must carry Origin');
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin') throw new SwitchboardError('SWB_ERR_CSRF', `Sec-Fetch-Site is ${String(site)}`);
}

/**
 * The browser's secret for the auth hook, or null when there is no cookie.
 * Reads pass; a write must also prove itself with Origin and the CSRF token.
 */
export function browserCredential(request: FastifyRequest): string | null {
  const secret = cookieSecret(request);
  if (!secret || SAFE_METHODS.has(request.method)) return secret;
  assertSameOrigin(request);
  const sent = request.headers[CSRF_HEADER];
  const want = Buffer.from(csrfTokenOf(secret));
  const got = Buffer.from(typeof sent === 'string' ? sent : '');
  if (got.length !== want.length || !timingSafeEqual(got, want)) throw new SwitchboardError('SWB_ERR_CSRF', `send the session's ${CSRF_HEADER} header`);
  return secret;
}

/** Secure cookies need HTTPS; browsers make an exception only for loopback names. */
export function isSecureForCookies(request: FastifyRequest): boolean {
  if (request.protocol === 'https') return true;
  const host = request.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host.endsWith('.localhost') || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}
