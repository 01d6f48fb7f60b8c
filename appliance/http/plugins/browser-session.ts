import fp from 'fastify-plugin';
import { loginRateLimit } from './login-rate-limit.js';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import QRCode from 'qrcode';
import { SwitchboardError, isSwitchboardError } from '../../../common/errors.js';
import type { Access } from '../../../domain/access/access.js';
import type { AuditLog } from '../../../domain/audit/audit-log.js';
import { HUMAN_ROLES, type HumanRole } from '../../../domain/access/roles.js';
import { totpUri } from '../../../domain/access/totp.js';
import { contextOf, principalOf } from './auth.js';
import { CLEARED_COOKIE, assertSameOrigin, credentialOf, csrfTokenOf, isSecureForCookies, sessionCookie } from '../../../http/browser-cookie.js';
import { BrowserSession, LoginBody, type TotpEnrolmentDetails } from '../../../http/api/sessions.js';

export interface BrowserSessionOptions {
  access: Access;
  audit: AuditLog;
  loginRatePerMinute: number;
  idleSeconds: number;
}

/**
 * Sign-in, who-am-I and sign-out for the console. The session secret goes into
 * an HttpOnly cookie and never into the page; the page gets the CSRF token it
 * must echo on writes. Machines keep using POST /api/v1/sessions and bearer tokens.
 */
async function browserSessionRoutes(app: FastifyInstance, opts: BrowserSessionOptions): Promise<void> {
  const { access } = opts;
  await loginRateLimit(app);

  const view = (secret: string, username: string, role: HumanRole, department: string | null, expiresAt: number): BrowserSession => ({
    username,
    role,
    department,
    extension: access.users.extensionOf(username),
    expiresAt: new Date(expiresAt).toISOString(),
    idleSeconds: opts.idleSeconds,
    csrf: csrfTokenOf(secret),
  });

  app.post(
    '/api/v1/browser/session',
    { config: { roles: 'public', rateLimit: { max: opts.loginRatePerMinute, timeWindow: 60_000 } }, schema: { body: LoginBody, response: { 201: BrowserSession } } },
    async (request, reply) => {
      // Checked before the password: a cross-site form must not even count toward a lockout.
      assertSameOrigin(request);
      if (!isSecureForCookies(request)) throw new SwitchboardError('SWB_ERR_INSECURE_TRANSPORT', 'open the console over HTTPS (listen.tls), or on this machine at http://127.0.0.1');
      const body = request.body as LoginBody;
      try {
        const result = await access.login.login({ ...body, source: request.ip });
        const user = access.users.require(result.username);
        reply.header('set-cookie', sessionCookie(result.token));
        return reply.status(201).send(view(result.token, result.username, user.role, user.department, result.expiresAt));
      } catch (err) {
        throw await withEnrolment(err, request, body.username);
      }
    },
  );

  /**
   * A first sign-in whose TOTP enrolment is still pending has just proved the
   * password (login() checks it before asking for a code): it gets the QR to
   * scan, and its first code confirms the enrolment. Audited, as it hands out a secret.
   */
  async function withEnrolment(err: unknown, request: FastifyRequest, username: string): Promise<unknown> {
    if (!isSwitchboardError(err, 'SWB_ERR_TOTP_REQUIRED') || err.details?.enrolment !== 'pending') return err;
    const user = access.users.get(username.toLowerCase());
    if (!user?.totp || user.totp.confirmed) return err;
    const uri = totpUri(user.totp.secret, user.username);
    const svg = await QRCode.toString(uri, { type: 'svg', margin: 2, errorCorrectionLevel: 'M' });
    await opts.audit.record({ actor: `user:${user.username}`, source: request.ip, action: 'user.totp.show', target: `user:${user.username}` });
    const details: TotpEnrolmentDetails = { enrolment: 'pending', totpUri: uri, qr: `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}` };
    return new SwitchboardError('SWB_ERR_TOTP_REQUIRED', 'scan the QR code into an authenticator app and enter its code', details as unknown as Record<string, unknown>);
  }

  app.get('/api/v1/browser/session', { config: { roles: HUMAN_ROLES }, schema: { response: { 200: BrowserSession } } }, async (request, reply) => {
    const p = principalOf(request);
    const s = p.sessionId ? access.sessions.get(p.sessionId) : null;
    reply.header('cache-control', 'no-store');
    return view(credentialOf(request) ?? '', p.id, p.role as HumanRole, p.department, s?.expiresAt ?? Date.now());
  });

  app.delete('/api/v1/browser/session', { config: { roles: HUMAN_ROLES } }, async (request, reply) => {
    const p = principalOf(request);
    await access.endSession(p.sessionId ?? '', { ...contextOf(request), action: 'logout' });
    reply.header('set-cookie', CLEARED_COOKIE);
    return reply.status(204).send();
  });
}

export default fp(browserSessionRoutes, { name: 'swb-browser-session', dependencies: ['swb-auth'], encapsulate: true });
