import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Access } from '../../../domain/access/access.js';
import { SERVICE_ROLES, type ServiceRole } from '../../../domain/access/roles.js';
import { contextOf } from '../plugins/auth.js';

async function tokenRoutes(app: FastifyInstance, { access }: { access: Access }): Promise<void> {
  app.post(
    '/api/v1/tokens',
    {
      config: { roles: ['admin'] },
      schema: {
        body: Type.Object(
          { role: Type.Union(SERVICE_ROLES.map((r) => Type.Literal(r))), name: Type.String({ minLength: 1, maxLength: 64 }), ttlDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650 })) },
          { additionalProperties: false },
        ),
      },
    },
    async (request, reply) => {
      const { token, record } = await access.tokens.create(request.body as { role: ServiceRole; name: string; ttlDays?: number }, contextOf(request));
      return reply.status(201).send({ ...record, token });
    },
  );

  app.get('/api/v1/tokens', { config: { roles: ['admin'] } }, async () => ({ items: access.tokens.list() }));

  app.delete('/api/v1/tokens/:id', { config: { roles: ['admin'] }, schema: { params: Type.Object({ id: Type.String({ pattern: '^[0-9a-f]{12}$' }) }) } }, async (request, reply) => {
    await access.tokens.revoke((request.params as { id: string }).id, contextOf(request));
    return reply.status(204).send();
  });
}

export default fp(tokenRoutes, { name: 'swb-routes-tokens', dependencies: ['swb-auth'], encapsulate: true });
