import { Type, type Static } from '@sinclair/typebox';
import { HistoryEvent, MessageStatus } from './history.js';
import type { CallSummary } from './calls.js';

const NullStr = Type.Union([Type.String(), Type.Null()]);
const Nullable = (max: number) => Type.Union([Type.String({ minLength: 1, maxLength: max }), Type.Null()]);

/** appliance/conversations/conversations.ts Conversation; api/contract.ts checks it fits. */
export const Conversation = Type.Object({
  id: Type.String(),
  clientId: Type.String(),
  channelId: NullStr,
  status: Type.Union([Type.Literal('open'), Type.Literal('closed')]),
  assignee: NullStr,
  department: NullStr,
  subject: Type.Optional(Type.String()),
  tags: Type.Array(Type.String()),
  openedAt: Type.String(),
  closedAt: NullStr,
  firstResponseAt: NullStr,
  lastInboundAt: NullStr,
  lastOutboundAt: NullStr,
});
export type Conversation = Static<typeof Conversation>;

export const ConversationListQuery = Type.Object(
  {
    status: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('closed')])),
    assignee: Type.Optional(Type.String({ maxLength: 64 })),
    department: Type.Optional(Type.String({ maxLength: 64 })),
    clientId: Type.Optional(Type.String({ maxLength: 64 })),
    limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
  },
  { additionalProperties: false },
);

export const AssignBody = Type.Object({ assignee: Type.Optional(Nullable(64)), department: Type.Optional(Nullable(64)) }, { additionalProperties: false, minProperties: 1 });
export type AssignBody = Static<typeof AssignBody>;
export const CloseBody = Type.Object({ reason: Type.Optional(Type.String({ maxLength: 200 })) }, { additionalProperties: false });

/** The inbox's views; `all` shows every conversation the role may see, open or closed. */
export const INBOX_VIEWS = ['mine', 'unassigned', 'department', 'all', 'closed'] as const;
export type InboxView = (typeof INBOX_VIEWS)[number];
/** activity: most recent first; waiting: the client waiting longest first (domain/conversations/inbox-order.ts; contract.ts checks they agree). */
export const INBOX_ORDERS = ['activity', 'waiting'] as const;
export type InboxOrder = (typeof INBOX_ORDERS)[number];
export const InboxQuery = Type.Object(
  {
    view: Type.Union(INBOX_VIEWS.map((v) => Type.Literal(v))),
    order: Type.Union(INBOX_ORDERS.map((o) => Type.Literal(o)), { default: 'activity' }),
    limit: Type.Integer({ minimum: 1, maximum: 200, default: 100 }),
    /** nextCursor of the page before. */
    cursor: Type.Optional(Type.String({ maxLength: 512 })),
    /** Only this conversation's row, if it is in the view (a live change to one row). */
    conversation: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  },
  { additionalProperties: false },
);

/** One row of the inbox: the conversation with what a list shows of it. */
export const InboxItem = Type.Object({
  conversation: Conversation,
  client: Type.Object({ id: Type.String(), name: Type.String() }),
  last: Type.Union([
    Type.Object({ id: Type.String(), at: Type.String(), kind: Type.Union([Type.Literal('message'), Type.Literal('note')]), direction: Type.Union([Type.Literal('in'), Type.Literal('out'), Type.Literal('internal'), Type.Null()]), text: Type.String(), status: Type.Union([MessageStatus, Type.Null()]) }),
    Type.Null(),
  ]),
  /** When the oldest client message still without an answer came in; null when nothing waits. */
  waitingSince: NullStr,
  /** Client messages since the last reply and since the caller last viewed it; complete is false when the count is only a floor. */
  unread: Type.Object({ count: Type.Integer({ minimum: 0 }), complete: Type.Boolean() }),
});
export type InboxItem = Static<typeof InboxItem>;
export const InboxPage = Type.Object({ items: Type.Array(InboxItem), total: Type.Integer({ minimum: 0 }), nextCursor: NullStr });
export type InboxPage = Static<typeof InboxPage>;

/** PUT /api/v1/conversations/:id/seen: read up to `at` (default: now). */
export const SeenBody = Type.Object({ at: Type.Optional(Type.String({ minLength: 10, maxLength: 40 })) }, { additionalProperties: false });
export type SeenBody = Static<typeof SeenBody>;
export const SeenResult = Type.Object({ conversationId: Type.String(), seenAt: Type.String() });
export type SeenResult = Static<typeof SeenResult>;

/** POST /api/v1/conversations/:id/messages (with an Idempotency-Key header). */
export const MAX_REPLY_ATTACHMENTS = 10;
export const ReplyBody = Type.Object(
  {
    text: Type.String({ maxLength: 4096 }),
    attachments: Type.Optional(
      Type.Array(Type.Object({ name: Type.String({ minLength: 1, maxLength: 200 }), mime: Type.String({ minLength: 3, maxLength: 100 }), data: Type.String({ contentEncoding: 'base64', maxLength: 16 * 1024 * 1024 }) }, { additionalProperties: false }), {
        maxItems: MAX_REPLY_ATTACHMENTS,
      }),
    ),
  },
  { additionalProperties: false },
);
export type ReplyBody = Static<typeof ReplyBody>;
export const ReplyResult = Type.Object({ event: HistoryEvent, outboxId: Type.String() });
export type ReplyResult = Static<typeof ReplyResult>;
export const NoteBody = Type.Object({ text: Type.String({ minLength: 1, maxLength: 10_000 }) }, { additionalProperties: false });
export type NoteBody = Static<typeof NoteBody>;

/** What GET /api/v1/events streams (gateway/core/live.ts LiveEvent, with the record for `conversation`). */
export type LiveData =
  | { type: 'message'; conversationId: string; event: HistoryEvent }
  | { type: 'status'; conversationId: string; eventId: string; status: MessageStatus; error?: string }
  | { type: 'conversation'; conversationId: string; conversation: Conversation }
  | { type: 'call'; call: CallSummary };
