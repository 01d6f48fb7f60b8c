import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import { SwitchboardError } from '../../common/errors.js';
import type { ConversationService, Conversation } from '../../domain/conversations/conversations.js';
import type { HistoryService } from '../../domain/history/history.js';
import { canSee } from '../../domain/conversations/visibility.js';
import { actorFromContext } from '../../domain/history/events.js';
import { IDENTITY_KINDS, type IdentityKind } from '../../domain/clients/identity.js';
import { contextOf, principalOf } from '../../http/request.js';
import type { Principal } from '../../domain/access/roles.js';
import type { Desk } from '../../domain/conversations/desk.js';
import type { AttachmentStore } from '../core/attachments.js';
import type { Bridge } from '../core/bridge.js';
import type { LiveBus } from '../core/live.js';
import type { Replies } from '../core/replies.js';
import type { Outbox } from '../outbox/outbox.js';
import type { BlockList } from '../core/blocks.js';
import { liveStream, type SessionEndings } from './live-stream.js';
import { createReadStream } from 'node:fs';
import type { Attachment } from '../../domain/history/events.js';
import { NoteBody, ReplyBody } from '../../http/api/conversations.js';

const SCAN_PAGES = 50;
/** VK takes at most 10 attachments in one messages.send, and Telegram 10 files in an album: one limit for every channel. */
export { MAX_REPLY_ATTACHMENTS } from '../../http/api/conversations.js';

/** The stored attachment with this hash on a message of this conversation, newest first; null when there is none. */
function findAttachment(history: HistoryService, conv: Conversation, sha256: string): Attachment | null {
  let cursor: string | null = null;
  for (let i = 0; i < SCAN_PAGES; i++) {
    const page = history.page(conv.clientId, { limit: 200, cursor });
    for (const e of page.items) {
      if (e.kind !== 'message' || e.conversationId !== conv.id) continue;
      const a = e.payload.attachments.find((x) => x.sha256 === sha256 && x.file);
      if (a) return a;
    }
    if (!page.nextCursor) return null;
    cursor = page.nextCursor;
  }
  return null;
}

/** The parts of the gateway its routes use (the gateway registers them, so they cannot import it back). */
export interface GatewayParts {
  bridges: ReadonlyMap<string, Bridge>;
  live: LiveBus;
  attachments: AttachmentStore;
  desk: Desk;
  replies: Replies;
  outbox: Outbox;
  blocks: BlockList;
  authenticate: (secret: string) => Principal | null;
}

export interface GatewayRoutesOptions {
  gateway: GatewayParts;
  conversations: ConversationService;
  history: HistoryService;
  sessions: SessionEndings;
  /** Whose extension a user is (access.users): the live stream's rule for call events. */
  users: { extensionOf(username: string): string | null };
}

const STAFF = ['admin', 'supervisor', 'operator'] as const;
const MANAGERS = ['admin', 'supervisor'] as const;
const IdParam = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
const ChannelParam = Type.Object({ channelId: Type.String({ minLength: 1, maxLength: 64 }) });
const Kind = Type.Union(IDENTITY_KINDS.map((k) => Type.Literal(k)));

async function gatewayRoutes(app: FastifyInstance, { gateway, conversations, history, sessions, users }: GatewayRoutesOptions): Promise<void> {
  /** Invisible is reported as absent, as in the conversation routes. */
  function visible(request: FastifyRequest, id: string): Conversation {
    const c = conversations.get(id);
    if (!c || !canSee(principalOf(request), c)) throw new SwitchboardError('SWB_ERR_NOT_FOUND', `conversation ${id}`);
    return c;
  }
  function channel(id: string) {
    const b = gateway.bridges.get(id);
    if (!b) throw new SwitchboardError('SWB_ERR_NOT_FOUND', `channel ${id}`);
    return b;
  }

  app.post(
    '/api/v1/conversations/:id/messages',
    {
      config: { roles: STAFF },
      schema: {
        params: IdParam,
        headers: Type.Object({ 'idempotency-key': Type.Optional(Type.String({ minLength: 1, maxLength: 255 })) }),
        body: ReplyBody,
      },
    },
    async (request, reply) => {
      const { id } = request.params as { id: string };
      const conv = visible(request, id);
      const body = request.body as { text: string; attachments?: Array<{ name: string; mime: string; data: string }> };
      if (body.text.trim() === '' && !body.attachments?.length) throw new SwitchboardError('SWB_ERR_VALIDATION', 'a reply needs text or an attachment', { field: 'text' });
      const key = request.headers['idempotency-key'] as string | undefined;
      const { replayed, result } = await gateway.replies.send(conv.id, body, principalOf(request), key);
      if (replayed) reply.header('idempotent-replayed', 'true');
      return reply.status(202).send(result);
    },
  );

  app.post(
    '/api/v1/conversations/:id/notes',
    { config: { roles: STAFF }, schema: { params: IdParam, body: NoteBody } },
    async (request, reply) => {
      const conv = visible(request, (request.params as { id: string }).id);
      const event = await history.append({ clientId: conv.clientId, kind: 'note', conversationId: conv.id, channel: conv.channelId, direction: 'internal', actor: actorFromContext(contextOf(request)), payload: { text: (request.body as { text: string }).text } });
      gateway.live.publish({ type: 'message', conversationId: conv.id, event });
      return reply.status(201).send(event);
    },
  );

  // A file linked from a message of this conversation; the link is checked, so a hash alone opens nothing.
  app.get(
    '/api/v1/conversations/:id/attachments/:sha256',
    { config: { roles: STAFF }, schema: { params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }), sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }) }) } },
    async (request, reply) => {
      const { id, sha256 } = request.params as { id: string; sha256: string };
      const conv = visible(request, id);
      const found = findAttachment(history, conv, sha256);
      if (!found) throw new SwitchboardError('SWB_ERR_NOT_FOUND', 'no such attachment in this conversation');
      const name = (found.name ?? sha256).replace(/["\\\r\n]/g, '_');
      return reply
        .type(found.mime)
        .header('content-disposition', `attachment; filename="${name}"`)
        .header('content-security-policy', "default-src 'none'")
        .send(createReadStream(gateway.attachments.pathOf(found)));
    },
  );

  app.put(
    '/api/v1/conversations/:id/tags',
    { config: { roles: STAFF }, schema: { params: IdParam, body: Type.Object({ tags: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 50 }) }, { additionalProperties: false }) } },
    async (request) => {
      const conv = visible(request, (request.params as { id: string }).id);
      const next = await gateway.desk.setTags(conv.id, (request.body as { tags: string[] }).tags);
      gateway.live.publish({ type: 'conversation', conversationId: conv.id });
      return next;
    },
  );

  app.put('/api/v1/users/me/presence', { config: { roles: STAFF }, schema: { body: Type.Object({ online: Type.Boolean() }, { additionalProperties: false }) } }, async (request) => {
    const me = principalOf(request);
    return gateway.desk.setOnline(me.id, (request.body as { online: boolean }).online);
  });

  // The console's header shows the signed-in person's own status.
  app.get('/api/v1/users/me/presence', { config: { roles: STAFF } }, async (request) => {
    const me = principalOf(request);
    return { username: me.id, online: gateway.desk.online().includes(me.id) };
  });

  app.get('/api/v1/presence', { config: { roles: MANAGERS } }, async () => ({ items: gateway.desk.online().map((username) => ({ username, online: true })) }));

  app.get('/api/v1/events', { config: { roles: STAFF } }, async (request, reply) => liveStream(request, reply, gateway.live, conversations, gateway.authenticate, sessions, (u) => users.extensionOf(u)));

  app.get('/api/v1/channels', { config: { roles: MANAGERS } }, async () => {
    const stats = gateway.outbox.stats();
    return {
      items: [...gateway.bridges.values()].map((b) => ({ id: b.id, type: b.type, health: b.health(), outbox: stats.get(b.id)?.depth ?? 0 })),
    };
  });

  app.get('/api/v1/channels/:channelId/blocks', { config: { roles: MANAGERS }, schema: { params: ChannelParam } }, async (request) => ({
    items: gateway.blocks.list(channel((request.params as { channelId: string }).channelId).id),
  }));

  app.post(
    '/api/v1/channels/:channelId/blocks',
    { config: { roles: MANAGERS }, schema: { params: ChannelParam, body: Type.Object({ kind: Type.Optional(Kind), value: Type.String({ minLength: 1, maxLength: 256 }), reason: Type.Optional(Type.String({ maxLength: 200 })) }, { additionalProperties: false }) } },
    async (request, reply) => {
      const b = channel((request.params as { channelId: string }).channelId);
      const body = request.body as { kind?: IdentityKind; value: string; reason?: string };
      return reply.status(201).send(await gateway.blocks.block(b.id, body.kind ?? b.identityKind, body.value, body.reason ?? null, contextOf(request)));
    },
  );

  app.delete(
    '/api/v1/channels/:channelId/blocks/:value',
    { config: { roles: MANAGERS }, schema: { params: Type.Object({ channelId: Type.String({ maxLength: 64 }), value: Type.String({ maxLength: 256 }) }) } },
    async (request, reply) => {
      const { channelId, value } = request.params as { channelId: string; value: string };
      const b = channel(channelId);
      if (!(await gateway.blocks.unblock(b.id, b.identityKind, value, contextOf(request)))) throw new SwitchboardError('SWB_ERR_NOT_FOUND', 'no such block');
      return reply.status(204).send();
    },
  );
}

export default fp(gatewayRoutes, { name: 'swb-routes-gateway', dependencies: ['swb-auth'], encapsulate: true });
