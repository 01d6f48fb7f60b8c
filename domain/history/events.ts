import type { ActionContext } from '../access/users.js';

/**
 * The shape of one entry in a client's timeline. Every channel (SIP, messengers,
 * recorder, bots, routing) writes into the same ordered range, so the common
 * envelope carries what a timeline view filters and groups by (conversation,
 * channel, direction, who), and the payload carries what only that kind needs.
 */
export const HISTORY_KINDS = ['message', 'call', 'recording', 'note', 'tag', 'assignment', 'conversation'] as const;
export type HistoryKind = (typeof HISTORY_KINDS)[number];

export const DIRECTIONS = ['in', 'out', 'internal'] as const;
export type Direction = (typeof DIRECTIONS)[number];

export const ACTOR_TYPES = ['client', 'user', 'bot', 'system'] as const;
export interface EventActor {
  type: (typeof ACTOR_TYPES)[number];
  id: string;
}

/** Media lives in files beside the store; the event only points at it, so the store stays small. */
export interface Attachment {
  file: string;
  mime: string;
  bytes: number;
  name?: string;
  sha256?: string;
  /** Set when the file was not stored (over the size limit, or the provider would not give it); file is then ''. */
  refused?: 'too_large' | 'unavailable';
}

export type MessageStatus = 'received' | 'queued' | 'sent' | 'delivered' | 'read' | 'failed';

export interface MessagePayload {
  text: string;
  attachments: Attachment[];
  /** The messenger's own id, so delivery receipts and edits can find the message again. */
  externalId: string | null;
  status: MessageStatus;
  /** Messenger extras, each present only when the message carries it. */
  location?: { latitude: number; longitude: number; name?: string; address?: string };
  contact?: { name: string; phone?: string };
  /** The externalId of the message this one answers. */
  replyTo?: string;
  /** The externalId of the message this one is a new version of. */
  editOf?: string;
  /** Why a reply failed, as the provider said it (failed status only). */
  error?: string;
  /** Seconds from the oldest unanswered client message to this reply (outbound only). */
  responseSeconds?: number;
}

export type CallOutcome = 'answered' | 'missed' | 'busy' | 'failed' | 'rejected' | 'voicemail';

export interface CallPayload {
  from: string;
  to: string;
  extension: string | null;
  start: string;
  answer: string | null;
  end: string | null;
  durationSec: number;
  outcome: CallOutcome;
  sipCause: number | null;
  callId: string;
}

export interface RecordingPayload {
  callId: string;
  file: string;
  durationSec: number;
  bytes: number;
  sha256: string;
}

export interface NotePayload {
  text: string;
}

export interface TagPayload {
  added: string[];
  removed: string[];
}

export interface AssignmentPayload {
  to: string | null;
  department: string | null;
  /** What it was before, so a timeline can say "moved from sales to support". */
  from?: { assignee: string | null; department: string | null };
}

export interface ConversationPayload {
  action: 'open' | 'close' | 'reopen';
  reason?: string;
}

export interface Payloads {
  message: MessagePayload;
  call: CallPayload;
  recording: RecordingPayload;
  note: NotePayload;
  tag: TagPayload;
  assignment: AssignmentPayload;
  conversation: ConversationPayload;
}

interface EventEnvelope {
  id: string;
  clientId: string;
  at: string;
  conversationId: string | null;
  /** Which configured channel instance carried it, e.g. 'telegram:main' or 'sip'. */
  channel: string | null;
  direction: Direction | null;
  actor: EventActor | null;
  /** Set when a merge moved the event here: the client it was first recorded against. */
  mergedFrom?: string;
}

/** A discriminated union, so `if (e.kind === 'call') e.payload.durationSec` type-checks. */
export type HistoryEvent = { [K in HistoryKind]: EventEnvelope & { kind: K; payload: Payloads[K] } }[HistoryKind];

/** What a caller supplies: id and time default to new ones; routing fields default to null. */
export type NewHistoryEvent = {
  [K in HistoryKind]: {
    kind: K;
    clientId: string;
    payload: Payloads[K];
    id?: string;
    at?: string;
    conversationId?: string | null;
    channel?: string | null;
    direction?: Direction | null;
    actor?: EventActor | null;
  };
}[HistoryKind];

/**
 * Audit actors are strings ('user:anna', 'service:x', 'system'); timeline actors are
 * typed so a view can render a person differently from a bot without parsing.
 */
export function actorFromContext(ctx: ActionContext): EventActor {
  const colon = ctx.actor.indexOf(':');
  const type = colon > 0 ? ctx.actor.slice(0, colon) : '';
  const id = ctx.actor.slice(colon + 1);
  if (type === 'user' || type === 'bot' || type === 'client') return { type, id };
  return { type: 'system', id: ctx.actor };
}
