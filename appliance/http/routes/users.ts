import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Access } from '../../../domain/access/access.js';
import { HUMAN_ROLES } from '../../../domain/access/roles.js';
import { contextOf, principalOf } from '../plugins/auth.js';
import type { NewUser, UserPatch } from '../../../domain/access/users.js';
import type { Me } from '../../../domain/access/fresh-proof.js';
import { SwitchboardError } from '../../../common/errors.js';

export interface UserRoutesOptions {
  access: Access;
}

const RoleSchema = Type.Union(HUMAN_ROLES.map((r) => Type.Literal(r)));
const Username = Type.Object({ username: Type.String({ minLength: 1, maxLength: 64 }) });
const Department = Type.Union([Type.String({ minLength: 1, maxLength: 64 }), Type.Null()]);
// The service checks the pattern too (provisioning and the CLI reach it without this schema).
const Extension = Type.Union([Type.String({ pattern: '^[0-9]{2,8}$' }), Type.Null()]);
const Password = Type.String({ minLength: 1, maxLength: 4096 });
const Code = Type.String({ pattern: '^[0-9]{6}$' });

function meOf(request: FastifyRequest): Me {
  const p = principalOf(request);
  return { username: p.id, sessionId: p.sessionId, source: request.ip };
}

/** An admin route aimed at one's own account would skip the fresh proof that the /me route asks for. */
function notSelf(request: FastifyRequest, username: string, route: string): void {
  if (principalOf(request).id === username.toLowerCase()) throw new SwitchboardError('SWB_ERR_FORBIDDEN', `for your own account use ${route}, which asks for your password and code`);
}

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
    return access.users.view(access.users.require(username));
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

  app.delete('/api/v1/users/:username/sessions', { config: { roles: ['admin'] }, schema: { params: Username } }, async (request) => ({
    ended: await access.endSessionsOf((request.params as { username: string }).username, contextOf(request)),
  }));

  app.put(
    '/api/v1/users/:username/password',
    { config: { roles: ['admin'] }, schema: { params: Username, body: Type.Object({ password: Password }, { additionalProperties: false }) } },
    async (request, reply) => {
      const { username } = request.params as { username: string };
      notSelf(request, username, 'PUT /api/v1/users/me/password');
      await access.setPassword(username, (request.body as { password: string }).password, contextOf(request));
      return reply.status(204).send();
    },
  );

  app.post('/api/v1/users/:username/totp/reset', { config: { roles: ['admin'] }, schema: { params: Username } }, async (request) => {
    const { username } = request.params as { username: string };
    notSelf(request, username, 'POST /api/v1/users/me/totp');
    const { user, totpUri } = await access.security.resetTotp(username, contextOf(request));
    return { ...user, totpUri };
  });

  // Self-service: each change proves the password and a current code afresh (access/fresh-proof.ts).
  const humans = HUMAN_ROLES;
  app.put(
    '/api/v1/users/me/password',
    { config: { roles: humans }, schema: { body: Type.Object({ current: Type.String({ maxLength: 4096 }), password: Password, totp: Type.Optional(Code) }, { additionalProperties: false }) } },
    async (request, reply) => {
      const body = request.body as { current: string; password: string; totp?: string };
      await access.security.changePassword(meOf(request), { password: body.current, totp: body.totp }, body.password);
      return reply.status(204).send();
    },
  );

  app.post(
    '/api/v1/users/me/totp',
    { config: { roles: humans }, schema: { body: Type.Object({ password: Password, totp: Type.Optional(Code) }, { additionalProperties: false }) } },
    async (request, reply) => {
      const uri = await access.security.startTotp(meOf(request), request.body as { password: string; totp?: string });
      return reply.status(201).send({ totpUri: uri, next: 'confirm with POST /api/v1/users/me/totp/confirm and a code from the new secret' });
    },
  );

  app.post(
    '/api/v1/users/me/totp/confirm',
    { config: { roles: humans }, schema: { body: Type.Object({ totp: Code }, { additionalProperties: false }) } },
    async (request) => {
      await access.security.confirmTotp(meOf(request), (request.body as { totp: string }).totp);
      return { totp: 'confirmed' };
    },
  );
}

export default fp(userRoutes, { name: 'swb-routes-users', dependencies: ['swb-auth'], encapsulate: true });
