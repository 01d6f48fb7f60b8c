import type { CallRecord } from './call-record.js';

/**
 * The pluggable step between the two legs of a call that decides where media
 * flows. The B2BUA asks it for the SDP to offer the callee, then for the SDP
 * to answer the caller with, and tells it when the call ends.
 *
 * 'direct' (this issue) passes the SDP through: RTP flows phone to phone and
 * the appliance sees signalling only. The media issue adds an anchor that
 * allocates an endpoint on FreeSWITCH (ESL) or Asterisk (AMI), offers the
 * callee that endpoint's SDP, bridges and, for calls whose media says
 * recordRequested, starts a recording and reports it through onRecording.
 */
export interface MediaSession {
  /** SDP for the INVITE to the callee, given the caller's offer. */
  offerToCallee(callerSdp: string): Promise<string>;
  /**
   * SDP for a 183 to the caller, given the callee's early media (183 with SDP: a carrier's ringback, an
   * IVR); null when it is not passed on (the caller is sent a plain 180). Recording waits for the answer.
   */
  earlyMedia(calleeSdp: string): Promise<string | null>;
  /** SDP for the 200 OK to the caller, given the callee's answer. */
  answerToCaller(calleeSdp: string): Promise<string>;
  /**
   * Once, after answerToCaller: a new offer the callee must be sent (re-INVITE), or null. FreeSWITCH makes
   * a new SRTP key for a leg whose remote key changes, so its leg towards the callee has a key the callee
   * was never given until it is offered again.
   */
  calleeReoffer?(): string | null;
  /** A re-INVITE (hold, resume, codec change) from one leg: what to offer the other leg, and the answer to send back. */
  reinvite(fromLeg: 'caller' | 'callee', sdp: string): Promise<Reinvite>;
  /** The call ended (answered or not): free what was allocated; a recording is reported here. */
  release(): Promise<void>;
  /** Resolves if the media server ends its side of the call (it hung up a leg): the B2BUA then ends the call. */
  readonly lost?: Promise<void>;
}

/** The steps of one re-INVITE through the media step. */
export interface Reinvite {
  /** The offer for the other leg's phone; null: the other phone need not hear of it. */
  toOther: string | null;
  /** true when the other phone's refusal must refuse the re-INVITE (its answer is the answer); false when it is only told. */
  otherDecides: boolean;
  /** The SDP answering the re-INVITE, given the other phone's answer (null when it was not asked, or refused). */
  answer(otherAnswer: string | null): Promise<string>;
}

export interface MediaAnchor {
  readonly name: CallRecord['media']['anchor'];
  /** Whether media can be anchored now (the media server is connected); readiness reports it. */
  ready(): boolean;
  open(call: Pick<CallRecord, 'id' | 'direction' | 'media'>): Promise<MediaSession>;
}

/** Media phone to phone: every SDP passes unchanged and nothing is held. */
export const passThrough: MediaSession = {
  offerToCallee: async (sdp) => sdp,
  earlyMedia: async (sdp) => sdp,
  answerToCaller: async (sdp) => sdp,
  reinvite: async (_leg, sdp) => ({ toOther: sdp, otherDecides: true, answer: async (a) => a ?? sdp }),
  release: async () => {},
};

export class DirectMedia implements MediaAnchor {
  readonly name = 'direct' as const;
  ready(): boolean {
    return true;
  }
  async open(): Promise<MediaSession> {
    return passThrough;
  }
}
