import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Access } from '../../../domain/access/access.js';
import { HUMAN_ROLES } from '../../../domain/access/roles.js';
import { contextOf, principalOf } from '../plugins/auth.js';
import { toPublic, type NewUser, type UserPatch } from '../../../domain/access/users.js';

export interface UserRoutesOptions {
  access: Access;
}

const RoleSchema = Type.Union(HUMAN_ROLES.map((r) => Type.Literal(r)));
const Username = Type.Object({ username: Type.String({ minLength: 1, maxLength: 64 }) });
const Department = Type.Union([Type.String({ minLength: 1, maxLength: 64 }), Type.Null()]);
// The service checks the pattern too (provisioning and the CLI reach it without this schema).
const Extension = Type.Union([Type.String({ pattern: '^[0-9]{2,8}$' }), Type.Null()]);

async function userRoutes(app: FastifyInstance, { access }: UserRoutesOptions): Promise<void> {
  app.post(
    '/api/v1/users',
    {
      config: { roles: ['admin'] },
      schema: {
        body: Type.Object(
          { username: Type.String({ minLength: 2, maxLength: 64 }), password: Type.String({ minLength: 1, maxLength: 4096 }), role: RoleSchema, department: Type.Optional(Department), extension: Type.Optional(Extension) },
          { additionalProperties: false },
        ),
      },
    },
    async (request, reply) => {
      const { user, totpUri } = await access.users.create(request.body as NewUser, contextOf(request));
      return reply.status(201).send({ ...user, totpUri });
    },
  );

  app.get('/api/v1/users', { config: { roles: ['admin', 'supervisor'] } }, async () => ({ items: access.users.list() }));

  app.get('/api/v1/users/:username', { config: { roles: ['admin', 'supervisor'] }, schema: { params: Username } }, async (request) => {
    const { username } = request.params as { username: string };
    return toPublic(access.users.require(username));
  });

  app.patch(
    '/api/v1/users/:username',
    {
      config: { roles: ['admin'] },
      schema: {
        params: Username,
        body: Type.Object({ role: Type.Optional(RoleSchema), department: Type.Optional(Department), disabled: Type.Optional(Type.Boolean()), extension: Type.Optional(Extension) }, { additionalProperties: false, minProperties: 1 }),
      },
    },
    async (request) => {
      const { username } = request.params as { username: string };
      return access.updateUser(username, request.body as UserPatch, contextOf(request));
    },
  );

  app.post('/api/v1/users/:username/unlock', { config: { roles: ['admin'] }, schema: { params: Username } }, async (request, reply) => {
    await access.users.unlock((request.params as { username: string }).username, contextOf(request));
    return reply.status(204).send();
  });

  app.post('/api/v1/users/:username/totp', { config: { roles: ['admin'] }, schema: { params: Username } }, async (request, reply) => {
    await access.resetTotp((request.params as { username: string }).username, contextOf(request));
    return reply.status(204).send();
  });

  app.delete('/api/v1/users/:username/sessions', { config: { roles: ['admin'] }, schema: { params: Username } }, async (request) => ({
    ended: await access.endSessionsOf((request.params as { username: string }).username, contextOf(request)),
  }));

  app.put(
    '/api/v1/users/:username/password',
    { config: { roles: ['admin'] }, schema: { params: Username, body: Type.Object({ password: Type.String({ minLength: 1, maxLength: 4096 }) }, { additionalProperties: false }) } },
    async (request, reply) => {
      await access.setPassword((request.params as { username: string }).username, (request.body as { password: string }).password, contextOf(request));
      return reply.status(204).send();
    },
  );

  // Self-service: change one's own password (proving the current one) and enrol TOTP.
  const humans = HUMAN_ROLES;
  app.put(
    '/api/v1/users/me/password',
    { config: { roles: humans }, schema: { body: Type.Object({ current: Type.String({ maxLength: 4096 }), password: Type.String({ minLength: 1, maxLength: 4096 }) }, { additionalProperties: false }) } },
    async (request, reply) => {
      const me = principalOf(request);
      const body = request.body as { current: string; password: string };
      await access.changeOwnPassword(me.id, body.current, body.password, contextOf(request));
      return reply.status(204).send();
    },
  );

  app.post('/api/v1/users/me/totp', { config: { roles: humans } }, async (request, reply) => {
    const me = principalOf(request);
    const uri = await access.users.startTotp(me.id, contextOf(request));
    return reply.status(201).send({ totpUri: uri, next: 'sign in again with a code from the new secret to confirm it' });
  });
}

export default fp(userRoutes, { name: 'swb-routes-users', dependencies: ['swb-auth'], encapsulate: true });
