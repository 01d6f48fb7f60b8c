import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import { SwitchboardError } from '../../../common/errors.js';
import type { ClientService } from '../../../domain/clients/clients.js';
import type { HistoryService } from '../../../domain/history/history.js';
import type { ConversationService } from '../../../domain/conversations/conversations.js';
import type { AuditLog } from '../../../domain/audit/audit-log.js';
import { actorFromContext } from '../../../domain/history/events.js';
import { canSee } from '../../../domain/conversations/visibility.js';
import { contextOf, principalOf } from '../plugins/auth.js';
import { HistoryQuery } from '../../../http/api/history.js';

export interface ClientRoutesOptions {
  clients: ClientService;
  history: HistoryService;
  conversations: ConversationService;
  audit: AuditLog;
}

const STAFF = ['admin', 'supervisor', 'operator'] as const;
const READERS = ['admin', 'supervisor', 'operator', 'integration'] as const;
const MANAGERS = ['admin', 'supervisor'] as const;

const IdParam = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
const IdentitySchema = Type.Object({ kind: Type.String({ minLength: 1, maxLength: 16 }), value: Type.String({ minLength: 1, maxLength: 256 }) }, { additionalProperties: false });
const Fields = Type.Record(Type.String({ maxLength: 64 }), Type.String({ maxLength: 4000 }));
const Tags = Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 50 });

async function clientRoutes(app: FastifyInstance, opts: ClientRoutesOptions): Promise<void> {
  const { clients, history, conversations } = opts;

  /**
   * Operators work conversations, not the whole book: a client's timeline is
   * theirs to read only while one of that client's conversations is visible to them.
   */
  function assertTimelineVisible(request: FastifyRequest, clientId: string): void {
    const p = principalOf(request);
    if (p.role !== 'operator') return;
    if (conversations.standing(p, clientId) !== 'visible') {
      throw new SwitchboardError('SWB_ERR_FORBIDDEN', 'operators read the history of clients whose conversations they work');
    }
  }

  /**
   * Renaming a card or attaching an identity changes what another team sees (the identity's
   * future messages land in that client's history), so operators edit only clients they work
   * or that nobody works yet.
   */
  function assertEditable(request: FastifyRequest, clientId: string): void {
    const p = principalOf(request);
    if (p.role !== 'operator') return;
    if (conversations.standing(p, clientId) === 'hidden') {
      throw new SwitchboardError('SWB_ERR_FORBIDDEN', "operators edit only clients whose conversations they work; ask a supervisor");
    }
  }

  /** A note may name only a conversation of the same client that its author can see. */
  function assertNoteTarget(request: FastifyRequest, clientId: string, conversationId: string): void {
    const c = conversations.get(conversationId);
    if (!c || !canSee(principalOf(request), c)) throw new SwitchboardError('SWB_ERR_NOT_FOUND', `conversation ${conversationId}`);
    if (c.clientId !== clientId) throw new SwitchboardError('SWB_ERR_VALIDATION', `conversation ${conversationId} belongs to another client`, { field: 'conversationId' });
  }

  app.post(
    '/api/v1/clients',
    {
      config: { roles: READERS },
      schema: {
        body: Type.Object(
          { name: Type.String({ minLength: 1, maxLength: 200 }), identities: Type.Optional(Type.Array(IdentitySchema, { maxItems: 50 })), tags: Type.Optional(Tags), fields: Type.Optional(Fields) },
          { additionalProperties: false },
        ),
      },
    },
    async (request, reply) => {
      const card = await clients.create(request.body as Parameters<ClientService['create']>[0], contextOf(request));
      return reply.status(201).send(card);
    },
  );

  app.get(
    '/api/v1/clients',
    { config: { roles: READERS }, schema: { querystring: Type.Object({ q: Type.String({ minLength: 1, maxLength: 200 }), limit: Type.Integer({ minimum: 1, maximum: 200, default: 20 }) }, { additionalProperties: false }) } },
    async (request) => {
      const { q, limit } = request.query as { q: string; limit: number };
      return { items: clients.search(q, limit) };
    },
  );

  app.get('/api/v1/clients/:id', { config: { roles: READERS }, schema: { params: IdParam } }, async (request) => clients.require((request.params as { id: string }).id));

  app.patch(
    '/api/v1/clients/:id',
    {
      config: { roles: STAFF },
      schema: { params: IdParam, body: Type.Object({ name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })), tags: Type.Optional(Tags), fields: Type.Optional(Fields) }, { additionalProperties: false, minProperties: 1 }) },
    },
    async (request) => {
      const { id } = request.params as { id: string };
      assertEditable(request, clients.require(id).id);
      // The raw id: editing a merged-away card stays the conflict it always was.
      return clients.update(id, request.body as { name?: string; tags?: string[]; fields?: Record<string, string> }, contextOf(request));
    },
  );

  app.delete('/api/v1/clients/:id', { config: { roles: MANAGERS }, schema: { params: IdParam } }, async (request, reply) => {
    await clients.delete((request.params as { id: string }).id, contextOf(request));
    return reply.status(204).send();
  });

  app.post('/api/v1/clients/:id/identities', { config: { roles: STAFF }, schema: { params: IdParam, body: IdentitySchema } }, async (request, reply) => {
    const { id } = request.params as { id: string };
    assertEditable(request, clients.require(id).id);
    const card = await clients.addIdentity(id, request.body as { kind: string; value: string }, contextOf(request));
    return reply.status(201).send(card);
  });

  app.delete(
    '/api/v1/clients/:id/identities/:kind/:value',
    { config: { roles: MANAGERS }, schema: { params: Type.Object({ id: Type.String({ maxLength: 64 }), kind: Type.String({ maxLength: 16 }), value: Type.String({ maxLength: 256 }) }) } },
    async (request) => {
      const { id, kind, value } = request.params as { id: string; kind: string; value: string };
      return clients.removeIdentity(id, { kind, value }, contextOf(request));
    },
  );

  app.post(
    '/api/v1/clients/:id/merge',
    { config: { roles: MANAGERS }, schema: { params: IdParam, body: Type.Object({ sourceId: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false }) } },
    async (request) => clients.merge((request.params as { id: string }).id, (request.body as { sourceId: string }).sourceId, contextOf(request)),
  );

  app.get(
    '/api/v1/clients/:id/history',
    {
      config: { roles: READERS },
      schema: { params: IdParam, querystring: HistoryQuery },
    },
    async (request) => {
      // A merged-away id resolves to the survivor, whose range holds both timelines.
      const card = clients.require((request.params as { id: string }).id);
      assertTimelineVisible(request, card.id);
      const { limit, cursor } = request.query as { limit: number; cursor?: string };
      return history.page(card.id, { limit, cursor: cursor ?? null });
    },
  );

  app.post(
    '/api/v1/clients/:id/notes',
    { config: { roles: STAFF }, schema: { params: IdParam, body: Type.Object({ text: Type.String({ minLength: 1, maxLength: 10_000 }), conversationId: Type.Optional(Type.String({ maxLength: 64 })) }, { additionalProperties: false }) } },
    async (request, reply) => {
      const card = clients.require((request.params as { id: string }).id);
      assertTimelineVisible(request, card.id);
      const body = request.body as { text: string; conversationId?: string };
      if (body.conversationId !== undefined) assertNoteTarget(request, card.id, body.conversationId);
      const event = await history.append({ clientId: card.id, kind: 'note', conversationId: body.conversationId ?? null, actor: actorFromContext(contextOf(request)), payload: { text: body.text } });
      return reply.status(201).send(event);
    },
  );

  // A client's whole record in one document (data subject requests); audited, like every export.
  app.get('/api/v1/clients/:id/export', { config: { roles: MANAGERS }, schema: { params: IdParam } }, async (request) => {
    const card = clients.require((request.params as { id: string }).id);
    await opts.audit.record({ ...contextOf(request), action: 'client.export', target: `client:${card.id}` });
    const events = [];
    let page = history.page(card.id, { limit: 200 });
    for (;;) {
      events.push(...page.items);
      if (!page.nextCursor) break;
      page = history.page(card.id, { limit: 200, cursor: page.nextCursor });
    }
    return { client: card, conversations: conversations.list({ clientId: card.id, limit: 200 }), history: events };
  });
}

export default fp(clientRoutes, { name: 'swb-routes-clients', dependencies: ['swb-auth'], encapsulate: true });
