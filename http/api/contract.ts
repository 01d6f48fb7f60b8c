/**
 * The API shapes in this folder are what the console is compiled against; the
 * services return their own domain types. These assignments fail `tsc -p .`
 * when a domain type changes in a way the console's types no longer describe
 * (a renamed field, a new message status), so the two cannot drift apart.
 */
import type { Static } from '@sinclair/typebox';
import type { Conversation as DomainConversation } from '../../domain/conversations/conversations.js';
import type { ClientCard as DomainCard } from '../../domain/clients/card.js';
import type { HistoryEvent as DomainEvent } from '../../domain/history/events.js';
import type { HistoryPage as DomainPage } from '../../domain/history/history.js';
import type { ReplyResult as DomainReply } from '../../gateway/core/replies.js';
import type { HumanRole } from '../../domain/access/roles.js';
import type { CallSummary as DomainCall } from '../../domain/events/events.js';
import type { CallSummary } from './calls.js';
import type { InboxOrder as DomainOrder } from '../../domain/conversations/inbox-order.js';
import type { Conversation, InboxOrder, ReplyResult } from './conversations.js';
import type { ClientCard } from './clients.js';
import type { IdentityKind } from './identity-kinds.js';
import type { IdentityKind as DomainKind } from '../../domain/clients/identity.js';
import type { HistoryEvent, HistoryPage } from './history.js';
import type { BrowserSession } from './sessions.js';
import type { PublicUser as DomainUser } from '../../domain/access/users.js';
import type { ServiceTokenRecord } from '../../domain/access/service-tokens.js';
import type { AuditRecord as DomainAudit, VerifyResult as DomainVerify } from '../../domain/audit/audit-log.js';
import type { AuditRecord, PublicUser, ServiceToken, VerifyResult } from './admin.js';

/** true when every A is a B (what the server sends fits what the console reads). */
type Fits<A, B> = [A] extends [B] ? true : false;
/** true when A and B describe the same values. */
type Same<A, B> = Fits<A, B> extends true ? Fits<B, A> : false;

export const contract: {
  conversation: Same<DomainConversation, Static<typeof Conversation>>;
  card: Fits<DomainCard, Static<typeof ClientCard>>;
  event: Same<DomainEvent, Static<typeof HistoryEvent>>;
  page: Same<DomainPage, Static<typeof HistoryPage>>;
  reply: Same<DomainReply, Static<typeof ReplyResult>>;
  role: Same<HumanRole, BrowserSession['role']>;
  call: Same<DomainCall, Static<typeof CallSummary>>;
  inboxOrder: Same<DomainOrder, InboxOrder>;
  user: Same<DomainUser, PublicUser>;
  token: Same<ServiceTokenRecord, ServiceToken>;
  audit: Fits<DomainAudit, AuditRecord>;
  verify: Same<DomainVerify, VerifyResult>;
  identityKind: Same<DomainKind, IdentityKind>;
} = { conversation: true, card: true, event: true, page: true, reply: true, role: true, call: true, inboxOrder: true, user: true, token: true, audit: true, verify: true, identityKind: true };
