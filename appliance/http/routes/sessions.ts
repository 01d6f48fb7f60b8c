import fp from 'fastify-plugin';
import { loginRateLimit } from '../plugins/login-rate-limit.js';
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Access } from '../../../domain/access/access.js';
import { contextOf, principalOf } from '../plugins/auth.js';
import { LoginBody } from '../../../http/api/sessions.js';

export interface SessionRoutesOptions {
  access: Access;
  loginRatePerMinute: number;
}


async function sessionRoutes(app: FastifyInstance, opts: SessionRoutesOptions): Promise<void> {
  const { access } = opts;
  await loginRateLimit(app);

  app.post(
    '/api/v1/sessions',
    {
      config: { roles: 'public', rateLimit: { max: opts.loginRatePerMinute, timeWindow: 60_000 } },
      schema: { body: LoginBody },
    },
    async (request, reply) => {
      const body = request.body as { username: string; password: string; totp?: string };
      const result = await access.login.login({ ...body, source: request.ip });
      return reply.status(201).send({ token: result.token, expiresAt: new Date(result.expiresAt).toISOString(), username: result.username, role: result.role });
    },
  );

  const humans = ['admin', 'supervisor', 'operator', 'auditor'] as const;

  app.get('/api/v1/sessions/current', { config: { roles: humans } }, async (request) => {
    const p = principalOf(request);
    const s = p.sessionId ? access.sessions.get(p.sessionId) : null;
    return { username: p.id, role: p.role, department: p.department, createdAt: s ? new Date(s.createdAt).toISOString() : null, expiresAt: s ? new Date(s.expiresAt).toISOString() : null };
  });

  app.delete('/api/v1/sessions/current', { config: { roles: humans } }, async (request, reply) => {
    const p = principalOf(request);
    await access.endSession(p.sessionId ?? '', { ...contextOf(request), action: 'logout' });
    return reply.status(204).send();
  });

  app.get('/api/v1/sessions', { config: { roles: ['admin'] } }, async () => ({
    items: access.sessions.list().map((s) => ({ id: s.id, username: s.username, source: s.source, createdAt: new Date(s.createdAt).toISOString(), lastSeenAt: new Date(s.lastSeenAt).toISOString(), expiresAt: new Date(s.expiresAt).toISOString() })),
  }));

  app.delete(
    '/api/v1/sessions/:id',
    { config: { roles: ['admin'] }, schema: { params: Type.Object({ id: Type.String({ pattern: '^[0-9a-f]{64}$' }) }) } },
    async (request, reply) => {
      const { id } = request.params as { id: string };
      await access.endSession(id, { ...contextOf(request), action: 'session.revoke' });
      return reply.status(204).send();
    },
  );
}

export default fp(sessionRoutes, { name: 'swb-routes-sessions', dependencies: ['swb-auth'], encapsulate: true });
