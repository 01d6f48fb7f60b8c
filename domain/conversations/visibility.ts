import { seesWholeDesk, type Principal } from '../access/roles.js';
import type { Conversation } from './types.js';

/**
 * Who may see a conversation. Operators work a queue: theirs and their
 * department's, so one operator cannot read another team's clients. Supervisors
 * and admins dispatch and review, so they see everything; an integration token
 * syncs everything to a CRM. Auditors and metrics have no business with content.
 */
export function canSee(principal: Principal, conversation: Conversation): boolean {
  if (seesWholeDesk(principal)) return true;
  if (principal.role !== 'operator') return false;
  return (
    (principal.kind === 'user' && conversation.assignee !== null && conversation.assignee === principal.id.toLowerCase()) ||
    (principal.department !== null && conversation.department === principal.department)
  );
}

/**
 * How a principal stands to a client, judged by the client's conversations:
 * - `visible`: at least one of them is visible, so the client's timeline is theirs to read;
 * - `unclaimed`: the client has none at all (a card just made), so there is no one's history to reveal;
 * - `hidden`: every one belongs to someone else's queue.
 * Anything that would grant visibility (opening a conversation) or change what another team sees
 * (renaming the card, attaching an identity whose messages then land in it) needs `visible` or
 * `unclaimed`; reading the timeline needs `visible`.
 */
export type ClientStanding = 'visible' | 'unclaimed' | 'hidden';

export function standingWith(principal: Principal, conversations: Iterable<Conversation>): ClientStanding {
  let any = false;
  for (const c of conversations) {
    if (canSee(principal, c)) return 'visible';
    any = true;
  }
  return any ? 'hidden' : 'unclaimed';
}
