import type { CallOutcome } from '../../domain/history/events.js';

export type CallDirection = 'in' | 'out' | 'internal';
export type CallState = 'ringing' | 'answered' | 'ended';

/**
 * Where the media of a call goes and what was recorded of it. This issue
 * leaves media end to end between the phones ('direct'); the media issue puts
 * FreeSWITCH or Asterisk in the path (a MediaAnchor) and fills `recording`.
 */
export interface CallMedia {
  anchor: 'direct' | 'freeswitch' | 'asterisk';
  /** Whether the policy asks for this call to be recorded (sip/calls/recording-policy.ts). */
  recordRequested: boolean;
  /** Whether a source that asked to record also asked to announce it. Absent in records written before announcements existed. */
  announce?: boolean;
  /** The sources that asked to record ('extension:101', 'department:legal', 'trunk:main'). Absent in older records. */
  because?: string[];
  /** Whether the announcement was played (set at answer, for calls with announce); false when it failed and the call went on. */
  announced?: boolean;
}

/**
 * What became of the recording of a call whose policy asked for one:
 * `unavailable` (the media server was down or refused; the call went on
 * unrecorded), `disk-full` (too little free space under DATADIR/recordings:
 * the call went on unrecorded), the status of the closed file as the media
 * backend reported it (ok, missing, truncated, empty), or `deleted` (removed
 * by retention, media.retentionDays).
 */
export interface CallRecording {
  status: 'unavailable' | 'disk-full' | 'deleted' | 'ok' | 'missing' | 'truncated' | 'empty';
  /** The backend's idempotency key of the file (null when unavailable): a replayed stop writes nothing twice. */
  key: string | null;
  file: string | null;
  durationSec: number;
  bytes: number;
  sha256: string | null;
  /** The `recording` event in the client's history, when the call has a client. */
  historyEventId: string | null;
  /** Present when the appliance stopped the recording while the call went on: `disk-full` (sip/media/recording-watch.ts). */
  interrupted?: 'disk-full';
}

/**
 * One call, as GET /api/v1/calls shows it and as the client's history event
 * summarises it. SIP dialog events are the authority for every time in it.
 */
export interface CallRecord {
  id: string;
  /** The caller's (A leg's) SIP Call-ID, for matching against phone and provider logs. */
  sipCallId: string;
  direction: CallDirection;
  /** E.164 for an external party, the extension number for an internal one. */
  from: string;
  to: string;
  /** The extension on our side: the caller for out, who answered (or was rung first) for in. */
  extension: string | null;
  trunk: string | null;
  /** Every extension the call rang (a ring group rings several). Absent in records written before it: none known. */
  rung?: string[];
  /** The departments whose ring group the call was addressed to. Absent in older records: none. */
  departments?: string[];
  /** The client whose history holds the call: the external party's phone identity. Null for internal calls. */
  clientId: string | null;
  state: CallState;
  start: string;
  answer: string | null;
  end: string | null;
  durationSec: number;
  outcome: CallOutcome | null;
  /** The final SIP status that decided the outcome (486, 487, 408...), null when answered and ended normally. */
  sipCause: number | null;
  /** Who or what ended it: caller, callee, timeout, cancel, no-ack, signalling-lost, media-lost, media-unavailable, interrupted, shutdown. */
  endReason: string | null;
  media: CallMedia;
  recording: CallRecording | null;
  historyEventId: string | null;
}

/** A status that ended a call attempt, as the outcome a timeline shows. */
export function outcomeOf(status: number | null, reason: string | null): CallOutcome {
  if (status === null) return reason === 'timeout' || reason === 'cancel' ? 'missed' : 'failed';
  if (status === 486 || status === 600) return 'busy';
  if (status === 487 || status === 408 || status === 480) return 'missed';
  if (status === 403 || status === 603) return 'rejected';
  return 'failed';
}
