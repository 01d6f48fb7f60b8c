import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import type { ConversationService } from '../../../domain/conversations/conversations.js';
import type { UserService } from '../../../domain/access/users.js';
import { waitingOf } from '../../../domain/conversations/inbox-order.js';
import { MAX_REPLY_ATTACHMENTS } from '../../../http/api/conversations.js';
import { DeskSummary, ReplyLimits, type DeskLoad } from '../../../http/api/desk.js';

export interface DeskRoutesOptions {
  conversations: ConversationService;
  users: Pick<UserService, 'list'>;
  /** gateway.attachmentMaxBytes: the largest file the gateway keeps. */
  attachmentMaxBytes: number;
  /** listen.bodyLimitBytes: the largest request, and a reply's files travel in it as base64. */
  requestMaxBytes: number;
}

const STAFF = ['admin', 'supervisor', 'operator'] as const;
const MANAGERS = ['admin', 'supervisor'] as const;

function load(): DeskLoad {
  return { open: 0, waiting: 0, oldestWaiting: null };
}

/**
 * What a supervisor watches: open conversations per operator and those nobody
 * holds, with how many wait for an answer and since when the oldest has. One
 * pass over the open conversations, no history read.
 */
async function deskRoutes(app: FastifyInstance, opts: DeskRoutesOptions): Promise<void> {
  app.get('/api/v1/desk', { config: { roles: MANAGERS }, schema: { response: { 200: DeskSummary } } }, async (_request, reply) => {
    const everyone = new Map(opts.users.list().map((u) => [u.username, u]));
    const person = (username: string) => {
      const u = everyone.get(username);
      return { username, role: u?.role ?? null, department: u?.department ?? null, disabled: u?.disabled ?? false, ...load() };
    };
    const people = new Map([...everyone.values()].filter((u) => u.role === 'operator').map((u) => [u.username, person(u.username)]));
    const unassigned = load();
    for (const c of opts.conversations.matching({ status: 'open' })) {
      let slot: DeskLoad = unassigned;
      if (c.assignee !== null) {
        let p = people.get(c.assignee);
        // Held by someone who is not an operator (or no longer a user): still the desk's work.
        if (!p) people.set(c.assignee, (p = person(c.assignee)));
        slot = p;
      }
      slot.open++;
      const w = waitingOf(c);
      if (w) {
        slot.waiting++;
        if (slot.oldestWaiting === null || w < slot.oldestWaiting) slot.oldestWaiting = w;
      }
    }
    reply.header('cache-control', 'no-store');
    return { operators: [...people.values()].sort((a, b) => a.username.localeCompare(b.username)), unassigned };
  });

  // The console checks a file against these before reading it, so an oversized one is refused with a clear word, not a 413 after the upload.
  app.get('/api/v1/replies/limits', { config: { roles: STAFF }, schema: { response: { 200: ReplyLimits } } }, async () => ({
    maxAttachments: MAX_REPLY_ATTACHMENTS,
    attachmentMaxBytes: opts.attachmentMaxBytes,
    requestMaxBytes: opts.requestMaxBytes,
  }));
}

export default fp(deskRoutes, { name: 'swb-routes-desk', dependencies: ['swb-auth'], encapsulate: true });
