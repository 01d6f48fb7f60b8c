import type { EventEmitter } from 'node:events';

/**
 * What the B2BUA (sip/calls) sees of a media server, whichever it is. Both
 * backends (FreeSWITCH over ESL, Asterisk over AMI) implement MediaBackend and
 * report in the same shapes, so the call record and the client's history do
 * not care which one anchored the call. The SIP side stays the authority for
 * who and when; the media server adds what only it knows: the recording, the
 * hangup cause it saw, the codec, and MOS / jitter where it reports them.
 */

export type MediaBackendName = 'freeswitch' | 'asterisk';

/** The built-in announcement: beeps at 1400 Hz, the recording-warning tone of ITU-T practice (and what tests listen for). */
export const BUILTIN_ANNOUNCEMENT_HZ = 1400;
/** The built-in music on hold: two notes (C5, E5), half a second each, looping. */
export const BUILTIN_HOLD_HZ = [523, 659] as const;

/** The control connection (ESL or AMI): `up` only once logged in and subscribed. */
export type LinkState = 'connecting' | 'up' | 'down' | 'closed';

export interface LinkStats {
  state: LinkState;
  /** Successful logins, the first included. */
  connects: number;
  /** Commands that got no reply in time (each one poisoned the connection). */
  timeouts: number;
  /** Connections dropped on purpose because the byte stream could no longer be trusted. */
  poisoned: number;
  events: number;
  lastError: string | null;
}

/** Whether the announcement of a recorded call was accepted by the media server. */
export type Announced = { announced: true } | { announced: false; why: string };

/** Where the B2BUA sends a leg so that its media is anchored on the media server. */
export interface AnchorTarget {
  /** SIP URI to INVITE (the media server's loopback profile / endpoint, destination `park`). */
  uri: string;
  /** Headers the INVITE must carry: the call id, which ties the media channel to the call. */
  headers: Record<string, string>;
}

export type RecordingStatus = 'ok' | 'missing' | 'truncated' | 'empty';

/** A closed recording, as it goes into the call record and the client's history. */
export interface RecordingResult {
  backend: MediaBackendName;
  /** Idempotency key (backend + file path): a history writer uses it so a replayed stop writes nothing twice. */
  key: string;
  /** The appliance's call id (X-Switchboard-Call), null when the channel did not carry one. */
  callId: string | null;
  /** The media server's channel id: FreeSWITCH Unique-ID, Asterisk Uniqueid. */
  channelId: string;
  file: string;
  status: RecordingStatus;
  /** From the WAV header and the bytes actually present (samples / rate). */
  durationSec: number;
  bytes: number;
  /** Null when the file is missing. */
  sha256: string | null;
  /** What the media server said it wrote (FreeSWITCH record_ms), for comparison; null where not reported. */
  reportedMs: number | null;
  startedAt: string | null;
  stoppedAt: string;
  /** Why the status is not ok, in a few words (e.g. "data chunk declares 48000 bytes, 12000 present"). */
  detail: string | null;
}

/** The media server's view of one channel at its end. */
export interface MediaCallView {
  backend: MediaBackendName;
  callId: string | null;
  channelId: string;
  /** e.g. NORMAL_CLEARING (FreeSWITCH) or "Normal Clearing" (Asterisk). */
  hangupCause: string | null;
  /** Q.850 cause code where known. */
  q850: number | null;
  codec: string | null;
  mos: number | null;
  /** Jitter in ms where reported. */
  jitterMs: number | null;
  /** Packet loss percentage where reported. */
  lossPercent: number | null;
  answeredAt: string | null;
  endedAt: string;
}

export interface ChannelAnswered {
  backend: MediaBackendName;
  callId: string | null;
  channelId: string;
}

export interface MediaBackendEvents {
  /** The control link went up (after a reconnect too) or down. */
  link: [LinkState];
  answered: [ChannelAnswered];
  'recording-started': [{ backend: MediaBackendName; callId: string | null; channelId: string; file: string }];
  /** Exactly once per recording file, whatever the media server repeats or the link loses. */
  'recording-stopped': [RecordingResult];
  /** Exactly once per channel. */
  'call-ended': [MediaCallView];
}

export interface MediaBackend extends EventEmitter<MediaBackendEvents> {
  readonly name: MediaBackendName;
  /** Connects, and keeps reconnecting with backoff until close(). */
  start(): void;
  close(): Promise<void>;
  /** For /readyz: 'ok' while the control link is up. */
  readiness(): 'ok' | 'down';
  stats(): LinkStats;
  /** Where to send a leg to anchor it (call id in a header). */
  anchorTarget(callId: string): AnchorTarget;
  /** Bridges two anchored channels (the caller's and the callee's legs). */
  bridge(channelA: string, channelB: string): Promise<void>;
  /** Starts recording a channel into the recordings directory; resolves with the file path once the server accepted. */
  startRecording(channelId: string, callId: string | null): Promise<string>;
  stopRecording(channelId: string): Promise<void>;
  /**
   * Bridges two anchored channels as bridge() does and plays the announcement to both parties as they are
   * connected: a WAV path the media server can read, or null for the built-in beep (BUILTIN_ANNOUNCEMENT_HZ).
   * channelA's recording must already run, so that it holds the announcement. A refused announcement leaves
   * the channels bridged without it (announced: false, and why); a failed bridge rejects as bridge() does.
   */
  bridgeAnnounced(channelA: string, channelB: string, file: string | null): Promise<Announced>;
  hangup(channelId: string, cause?: string): Promise<void>;
  /**
   * Readies these bridged channels so that a phone putting its channel on hold has music played to the other
   * (a WAV path the server can read, or null for the built-in tune); the server starts and stops it itself.
   */
  prepareHold(channelIds: string[], file: string | null): Promise<void>;
}
