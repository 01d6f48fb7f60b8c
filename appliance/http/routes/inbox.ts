import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import type { ConversationFilter, ConversationService, Conversation } from '../../../domain/conversations/conversations.js';
import type { ClientService } from '../../../domain/clients/clients.js';
import type { HistoryService } from '../../../domain/history/history.js';
import type { Principal } from '../../../domain/access/roles.js';
import { principalOf } from '../plugins/auth.js';
import { InboxPage, InboxQuery, type InboxItem, type InboxView } from '../../../http/api/conversations.js';

export interface InboxRoutesOptions {
  conversations: ConversationService;
  clients: ClientService;
  history: HistoryService;
}

const STAFF = ['admin', 'supervisor', 'operator'] as const;
/** How far back a row looks for its preview and for the oldest unanswered message. */
const PREVIEW_SCAN = 50;
const SCAN_LIMIT = 200;

function filterOf(view: InboxView, me: Principal): ConversationFilter | null {
  switch (view) {
    case 'mine':
      return { status: 'open', assignee: me.id, limit: SCAN_LIMIT };
    case 'department':
      return me.department ? { status: 'open', department: me.department, limit: SCAN_LIMIT } : null;
    case 'closed':
      return { status: 'closed', limit: SCAN_LIMIT };
    default:
      return { status: 'open', limit: SCAN_LIMIT };
  }
}

const activity = (c: Conversation): string => [c.lastInboundAt, c.lastOutboundAt, c.openedAt].reduce<string>((a, b) => (b && b > a ? b : a), '');

/**
 * The console's list: each conversation the caller may see (the same rule as
 * GET /conversations) with the client's name, the last message or note, and
 * since when the client has been waiting for an answer. Most recent activity first.
 */
async function inboxRoutes(app: FastifyInstance, { conversations, clients, history }: InboxRoutesOptions): Promise<void> {
  function row(c: Conversation): InboxItem {
    const card = clients.get(c.clientId);
    let last: InboxItem['last'] = null;
    let waitingSince: string | null = null;
    let answered = false;
    for (const e of history.page(c.clientId, { limit: PREVIEW_SCAN }).items) {
      if (e.conversationId !== c.id || (e.kind !== 'message' && e.kind !== 'note')) continue;
      if (!last) last = { id: e.id, at: e.at, kind: e.kind, direction: e.direction, text: e.payload.text, status: e.kind === 'message' ? e.payload.status : null };
      if (e.kind !== 'message' || answered) continue;
      if (e.direction === 'out') answered = true;
      else if (e.direction === 'in') waitingSince = e.at;
    }
    if (c.status === 'closed') waitingSince = null;
    else if (!answered && !waitingSince && c.lastInboundAt && (!c.lastOutboundAt || c.lastInboundAt > c.lastOutboundAt)) waitingSince = c.lastInboundAt;
    return { conversation: c, client: { id: c.clientId, name: card?.name ?? '' }, last, waitingSince };
  }

  app.get('/api/v1/inbox', { config: { roles: STAFF }, schema: { querystring: InboxQuery, response: { 200: InboxPage } } }, async (request, reply) => {
    const { view, limit } = request.query as { view: InboxView; limit: number };
    const me = principalOf(request);
    const filter = filterOf(view, me);
    let found = filter ? conversations.visibleTo(me, filter) : [];
    if (view === 'unassigned') found = found.filter((c) => c.assignee === null);
    found.sort((a, b) => (activity(a) < activity(b) ? 1 : activity(a) > activity(b) ? -1 : 0));
    reply.header('cache-control', 'no-store');
    return { items: found.slice(0, limit).map(row) };
  });
}

export default fp(inboxRoutes, { name: 'swb-routes-inbox', dependencies: ['swb-auth'], encapsulate: true });
