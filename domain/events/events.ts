import type { CallOutcome, HistoryEvent, MessageStatus } from '../history/events.js';

/**
 * A call as the rest of the appliance hears of it: what a screen pops, what a
 * supervisor's board and later analytics count. Telephony's own record
 * (sip/calls/call-record.ts) holds more (SIP cause, media, recording); this
 * is the part that means something outside SIP.
 */
export interface CallSummary {
  id: string;
  state: 'ringing' | 'answered' | 'ended';
  direction: 'in' | 'out' | 'internal';
  /** E.164 for an outside party, the extension number for one of ours. */
  from: string;
  to: string;
  /** Our side: who answered (in), who placed it (out); the callee of an internal call. */
  extension: string | null;
  /** Every extension the call rang (a ring group rings several). */
  rung: string[];
  /** The departments whose ring group the call was addressed to. */
  departments: string[];
  /** The client whose phone identity is the outside party, when there is one (known at ringing, or made at the end). */
  clientId: string | null;
  start: string;
  answer: string | null;
  end: string | null;
  durationSec: number;
  outcome: CallOutcome | null;
}

/**
 * What happened, published once after it is committed: the live stream, the
 * console and (later) analytics, rules and CRM webhooks all read this one feed.
 * Nothing here is sent anywhere unfiltered: each reader applies its own rule of
 * who may see what (domain/conversations/visibility.ts, ./call-visibility.ts).
 */
export type DomainEvent =
  | { type: 'message'; conversationId: string; event: HistoryEvent }
  | { type: 'status'; conversationId: string; eventId: string; status: MessageStatus; error?: string }
  | { type: 'conversation'; conversationId: string }
  | { type: 'call'; call: CallSummary };
