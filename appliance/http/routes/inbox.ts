import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { SwitchboardError } from '../../../common/errors.js';
import type { ConversationFilter, ConversationService, Conversation } from '../../../domain/conversations/conversations.js';
import type { ClientService } from '../../../domain/clients/clients.js';
import type { HistoryService } from '../../../domain/history/history.js';
import type { Principal } from '../../../domain/access/roles.js';
import { canSee } from '../../../domain/conversations/visibility.js';
import { orderedPage, type InboxOrder } from '../../../domain/conversations/inbox-order.js';
import { countUnread, unreadSince, type ReadMarks } from '../../../domain/conversations/read-marks.js';
import { principalOf } from '../plugins/auth.js';
import { InboxPage, InboxQuery, SeenBody, SeenResult, type InboxItem, type InboxView } from '../../../http/api/conversations.js';

export interface InboxRoutesOptions {
  conversations: ConversationService;
  clients: ClientService;
  history: HistoryService;
  marks: ReadMarks;
}

const STAFF = ['admin', 'supervisor', 'operator'] as const;
/** How far back a row looks for its preview, the oldest unanswered message and the unread count. */
const PREVIEW_SCAN = 50;

function filterOf(view: InboxView, me: Principal): Omit<ConversationFilter, 'limit'> | null {
  switch (view) {
    case 'mine':
      return { status: 'open', assignee: me.id };
    case 'department':
      return me.department ? { status: 'open', department: me.department } : null;
    case 'closed':
      return { status: 'closed' };
    default:
      return { status: 'open' };
  }
}

/**
 * The console's list: each conversation the caller may see (the same rule as
 * GET /conversations) with the client's name, the last message or note, since
 * when the client has been waiting for an answer, and how many client messages
 * the caller has not read. Paged by cursor, in the order asked for.
 */
async function inboxRoutes(app: FastifyInstance, { conversations, clients, history, marks }: InboxRoutesOptions): Promise<void> {
  function row(c: Conversation, me: Principal): InboxItem {
    const card = clients.get(c.clientId);
    const scanned = history.page(c.clientId, { limit: PREVIEW_SCAN });
    let last: InboxItem['last'] = null;
    let waitingSince: string | null = null;
    let answered = false;
    for (const e of scanned.items) {
      if (e.conversationId !== c.id || (e.kind !== 'message' && e.kind !== 'note')) continue;
      if (!last) last = { id: e.id, at: e.at, kind: e.kind, direction: e.direction, text: e.payload.text, status: e.kind === 'message' ? e.payload.status : null };
      if (e.kind !== 'message' || answered) continue;
      if (e.direction === 'out') answered = true;
      else if (e.direction === 'in') waitingSince = e.at;
    }
    if (c.status === 'closed') waitingSince = null;
    else if (!answered && !waitingSince && c.lastInboundAt && (!c.lastOutboundAt || c.lastInboundAt > c.lastOutboundAt)) waitingSince = c.lastInboundAt;
    const since = unreadSince(c, me.kind === 'user' ? marks.seenAt(me.id, c.id) : null);
    const unread = countUnread(scanned.items, c, since, scanned.nextCursor !== null);
    return { conversation: c, client: { id: c.clientId, name: card?.name ?? '' }, last, waitingSince, unread };
  }

  app.get('/api/v1/inbox', { config: { roles: STAFF }, schema: { querystring: InboxQuery, response: { 200: InboxPage } } }, async (request, reply) => {
    const { view, order, limit, cursor, conversation } = request.query as { view: InboxView; order: InboxOrder; limit: number; cursor?: string; conversation?: string };
    const me = principalOf(request);
    const filter = filterOf(view, me);
    // One row: only that client's conversations are read, not the whole desk.
    const one = conversation === undefined ? undefined : (conversations.get(conversation) ?? null);
    let found: Iterable<Conversation> = !filter || one === null ? [] : conversations.matching(one ? { ...filter, clientId: one.clientId } : filter, me);
    if (view === 'unassigned' || one) found = [...found].filter((c) => (view !== 'unassigned' || c.assignee === null) && (!one || c.id === one.id));
    const page = orderedPage(found, order, cursor ?? null, limit);
    reply.header('cache-control', 'no-store');
    return { items: page.items.map((c) => row(c, me)), total: page.total, nextCursor: page.nextCursor };
  });

  // Read marks are per person: a service token has none to keep.
  app.put('/api/v1/conversations/:id/seen', { config: { roles: STAFF }, schema: { params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }), body: SeenBody, response: { 200: SeenResult } } }, async (request) => {
    const { id } = request.params as { id: string };
    const me = principalOf(request);
    const c = conversations.get(id);
    if (!c || !canSee(me, c) || me.kind !== 'user') throw new SwitchboardError('SWB_ERR_NOT_FOUND', `conversation ${id}`);
    const seenAt = await marks.markSeen(me.id, c.id, (request.body as SeenBody | undefined)?.at);
    return { conversationId: c.id, seenAt };
  });
}

export default fp(inboxRoutes, { name: 'swb-routes-inbox', dependencies: ['swb-auth'], encapsulate: true });
