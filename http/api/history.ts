import { Type, type Static, type TSchema } from '@sinclair/typebox';

const Str = Type.String();
const NullStr = Type.Union([Type.String(), Type.Null()]);

export const MessageStatus = Type.Union([Type.Literal('received'), Type.Literal('queued'), Type.Literal('sent'), Type.Literal('delivered'), Type.Literal('read'), Type.Literal('failed')]);
export type MessageStatus = Static<typeof MessageStatus>;

const Attachment = Type.Object({
  file: Str,
  mime: Str,
  bytes: Type.Number(),
  name: Type.Optional(Str),
  sha256: Type.Optional(Str),
  refused: Type.Optional(Type.Union([Type.Literal('too_large'), Type.Literal('unavailable')])),
});

const payloads = {
  message: Type.Object({
    text: Str,
    attachments: Type.Array(Attachment),
    externalId: NullStr,
    status: MessageStatus,
    location: Type.Optional(Type.Object({ latitude: Type.Number(), longitude: Type.Number(), name: Type.Optional(Str), address: Type.Optional(Str) })),
    contact: Type.Optional(Type.Object({ name: Str, phone: Type.Optional(Str) })),
    replyTo: Type.Optional(Str),
    editOf: Type.Optional(Str),
    error: Type.Optional(Str),
    responseSeconds: Type.Optional(Type.Number()),
  }),
  call: Type.Object({
    from: Str,
    to: Str,
    extension: NullStr,
    start: Str,
    answer: NullStr,
    end: NullStr,
    durationSec: Type.Number(),
    outcome: Type.Union([Type.Literal('answered'), Type.Literal('missed'), Type.Literal('busy'), Type.Literal('failed'), Type.Literal('rejected'), Type.Literal('voicemail')]),
    sipCause: Type.Union([Type.Number(), Type.Null()]),
    callId: Str,
  }),
  recording: Type.Object({ callId: Str, file: Str, durationSec: Type.Number(), bytes: Type.Number(), sha256: Str }),
  note: Type.Object({ text: Str }),
  tag: Type.Object({ added: Type.Array(Str), removed: Type.Array(Str) }),
  assignment: Type.Object({ to: NullStr, department: NullStr, from: Type.Optional(Type.Object({ assignee: NullStr, department: NullStr })) }),
  conversation: Type.Object({ action: Type.Union([Type.Literal('open'), Type.Literal('close'), Type.Literal('reopen')]), reason: Type.Optional(Str) }),
};

function envelope<K extends keyof typeof payloads, P extends TSchema>(kind: K, payload: P) {
  return Type.Object({
    id: Str,
    clientId: Str,
    at: Str,
    conversationId: NullStr,
    channel: NullStr,
    direction: Type.Union([Type.Literal('in'), Type.Literal('out'), Type.Literal('internal'), Type.Null()]),
    actor: Type.Union([Type.Object({ type: Type.Union([Type.Literal('client'), Type.Literal('user'), Type.Literal('bot'), Type.Literal('system')]), id: Str }), Type.Null()]),
    mergedFrom: Type.Optional(Str),
    kind: Type.Literal(kind),
    payload,
  });
}

/** One timeline entry (appliance/history/events.ts HistoryEvent; api/contract.ts checks it fits). */
export const HistoryEvent = Type.Union([
  envelope('message', payloads.message),
  envelope('call', payloads.call),
  envelope('recording', payloads.recording),
  envelope('note', payloads.note),
  envelope('tag', payloads.tag),
  envelope('assignment', payloads.assignment),
  envelope('conversation', payloads.conversation),
]);
export type HistoryEvent = Static<typeof HistoryEvent>;

/** GET /api/v1/clients/:id/history: newest first; nextCursor pages further back. */
export const HistoryQuery = Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }), cursor: Type.Optional(Type.String({ maxLength: 512 })) }, { additionalProperties: false });
export type HistoryQuery = Static<typeof HistoryQuery>;
export const HistoryPage = Type.Object({ items: Type.Array(HistoryEvent), nextCursor: NullStr });
export type HistoryPage = Static<typeof HistoryPage>;
