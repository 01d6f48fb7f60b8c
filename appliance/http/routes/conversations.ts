import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import { SwitchboardError } from '../../../common/errors.js';
import type { ConversationService, Conversation } from '../../../domain/conversations/conversations.js';
import { canSee } from '../../../domain/conversations/visibility.js';
import { contextOf, principalOf } from '../plugins/auth.js';
import { AssignBody, CloseBody, ConversationListQuery } from '../../../http/api/conversations.js';

export interface ConversationRoutesOptions {
  conversations: ConversationService;
}

const STAFF = ['admin', 'supervisor', 'operator'] as const;
const READERS = ['admin', 'supervisor', 'operator', 'integration'] as const;
const MANAGERS = ['admin', 'supervisor'] as const;
const IdParam = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
const Nullable = (max: number) => Type.Union([Type.String({ minLength: 1, maxLength: max }), Type.Null()]);

async function conversationRoutes(app: FastifyInstance, { conversations }: ConversationRoutesOptions): Promise<void> {
  /** Invisible is reported as absent: an operator must not learn which conversations exist. */
  function visible(request: FastifyRequest, id: string): Conversation {
    const c = conversations.get(id);
    if (!c || !canSee(principalOf(request), c)) throw new SwitchboardError('SWB_ERR_NOT_FOUND', `conversation ${id}`);
    return c;
  }

  app.post(
    '/api/v1/conversations',
    {
      config: { roles: STAFF },
      schema: {
        body: Type.Object(
          { clientId: Type.String({ minLength: 1, maxLength: 64 }), channelId: Type.Optional(Nullable(64)), department: Type.Optional(Nullable(64)), subject: Type.Optional(Type.String({ maxLength: 200 })) },
          { additionalProperties: false },
        ),
      },
    },
    async (request, reply) => {
      const body = request.body as { clientId: string; channelId?: string | null; department?: string | null; subject?: string };
      const result = await conversations.openAs(principalOf(request), { ...body, channelId: body.channelId ?? null }, contextOf(request));
      return reply.status(201).send(result);
    },
  );

  app.get(
    '/api/v1/conversations',
    {
      config: { roles: READERS },
      schema: {
        querystring: ConversationListQuery,
      },
    },
    async (request) => ({ items: conversations.visibleTo(principalOf(request), request.query as Parameters<ConversationService['list']>[0]) }),
  );

  app.get('/api/v1/conversations/:id', { config: { roles: READERS }, schema: { params: IdParam } }, async (request) => visible(request, (request.params as { id: string }).id));

  app.post(
    '/api/v1/conversations/:id/assign',
    { config: { roles: MANAGERS }, schema: { params: IdParam, body: AssignBody } },
    async (request) => {
      const { id } = request.params as { id: string };
      visible(request, id);
      return conversations.assign(id, request.body as { assignee?: string | null; department?: string | null }, contextOf(request));
    },
  );

  app.post(
    '/api/v1/conversations/:id/close',
    { config: { roles: STAFF }, schema: { params: IdParam, body: Type.Optional(CloseBody) } },
    async (request) => {
      const { id } = request.params as { id: string };
      visible(request, id);
      return conversations.close(id, contextOf(request), (request.body as { reason?: string } | undefined)?.reason);
    },
  );

  app.post('/api/v1/conversations/:id/reopen', { config: { roles: STAFF }, schema: { params: IdParam } }, async (request) => {
    const { id } = request.params as { id: string };
    visible(request, id);
    return conversations.reopen(id, contextOf(request));
  });
}

export default fp(conversationRoutes, { name: 'swb-routes-conversations', dependencies: ['swb-auth'], encapsulate: true });
