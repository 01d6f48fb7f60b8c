import { Type, type Static } from '@sinclair/typebox';
import { ClientCard } from './clients.js';
import { HistoryPage } from './history.js';

const NullStr = Type.Union([Type.String(), Type.Null()]);
const Outcome = Type.Union([Type.Literal('answered'), Type.Literal('missed'), Type.Literal('busy'), Type.Literal('failed'), Type.Literal('rejected'), Type.Literal('voicemail')]);

/** A call as the live stream and the screen pop tell it (domain/events/events.ts CallSummary; api/contract.ts checks it). */
export const CallSummary = Type.Object({
  id: Type.String(),
  state: Type.Union([Type.Literal('ringing'), Type.Literal('answered'), Type.Literal('ended')]),
  direction: Type.Union([Type.Literal('in'), Type.Literal('out'), Type.Literal('internal')]),
  from: Type.String(),
  to: Type.String(),
  extension: NullStr,
  rung: Type.Array(Type.String()),
  departments: Type.Array(Type.String()),
  clientId: NullStr,
  start: Type.String(),
  answer: NullStr,
  end: NullStr,
  durationSec: Type.Number(),
  outcome: Type.Union([Outcome, Type.Null()]),
});
export type CallSummary = Static<typeof CallSummary>;

/**
 * POST /api/v1/calls: ring my own phone, then `to`. `extension`, when sent,
 * must be the caller's own: the API never rings someone else's phone.
 */
export const ClickToCallBody = Type.Object(
  {
    to: Type.String({ minLength: 3, maxLength: 32, pattern: '^[+0-9 ()-]+$', description: 'a phone number: E.164, or national by sip.calls.countryCode' }),
    extension: Type.Optional(Type.String({ pattern: '^[0-9]{2,8}$' })),
  },
  { additionalProperties: false },
);
export type ClickToCallBody = Static<typeof ClickToCallBody>;

/** GET /api/v1/calls/:id/caller: the screen pop. The client is null while the number belongs to nobody. */
export const CallerView = Type.Object({
  call: CallSummary,
  /** The outside party's number (E.164), null for an internal call. */
  number: NullStr,
  client: Type.Union([ClientCard, Type.Null()]),
  history: Type.Union([HistoryPage, Type.Null()]),
});
export type CallerView = Static<typeof CallerView>;

/** GET /api/v1/users/me/phone: my extension and whether a phone of it is registered now. */
export const MyPhone = Type.Object({ extension: NullStr, registered: Type.Boolean() });
export type MyPhone = Static<typeof MyPhone>;

/** GET and PUT /api/v1/users/me/presence: online takes new conversations from round robin; away does not. */
export const Presence = Type.Object({ username: Type.String(), online: Type.Boolean() });
export type Presence = Static<typeof Presence>;
