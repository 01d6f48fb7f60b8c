import type { Logger } from 'pino';
import { SwitchboardError } from '../../common/errors.js';
import type { Dialog, Srf } from '../drachtio/srf.js';
import type { FreeswitchBackend } from '../media/freeswitch/freeswitch-backend.js';
import type { EslEvent } from '../media/freeswitch/esl-connection.js';
import type { MediaBackend } from '../media/types.js';
import type { CallRecord } from './call-record.js';
import { passThrough, type MediaAnchor, type MediaSession, type Reinvite } from './media.js';
import { HoldTracker } from './sdp-hold.js';
import { sameSdesKeys } from './sdp-crypto.js';

/** What to do with a call that should be recorded while the media server is down. */
export type WhenDown = 'reject' | 'unrecorded';

export interface AnchoredMediaDeps<B extends MediaBackend = MediaBackend> {
  srf: Srf;
  backend: B;
  whenDown: WhenDown;
  /** The call should have been recorded and will not be: flag its record. */
  onUnavailable(callId: string): void;
  logger: Logger;
  /** How long to wait for the media server to report the channel of an INVITE it answered. */
  channelTimeoutMs?: number;
  /** Before anchoring a call to be recorded: true when it must not be recorded (recordings disk full, sip/media/recording-space.ts); it then goes direct. */
  refuseRecording?: (callId: string) => boolean;
  /** media.announcement.file: the WAV played to both parties of a call whose policy says announce; null for the built-in beep. */
  announcement?: string | null;
  /** media.musicOnHold.file: what a held phone hears; null for the built-in tune. */
  musicOnHold?: string | null;
  /** After the announcement of a call with announce was played (true) or could not be (false; the call goes on). */
  onAnnounced?: (callId: string, played: boolean) => void;
}

export type FreeswitchMediaDeps = AnchoredMediaDeps<FreeswitchBackend>;

/**
 * Media anchored on a media server (FreeSWITCH or Asterisk) for calls whose
 * policy says record: the B2BUA INVITEs the server twice at
 * backend.anchorTarget(callId) (destination `park`), once with the caller's
 * offer (channel A, whose answer goes back to the caller) and once more
 * (channel B, whose SDP is offered to the callee). When the callee answers,
 * channel B is re-INVITEd with the callee's SDP, the two channels are bridged
 * (backend.bridge) and channel A is recorded (backend.startRecording, both
 * directions mixed). Hanging up the two legs stops the recording; the backend
 * reports it (recording-stopped).
 *
 * Calls not to be recorded stay direct (phone to phone). When the server is not
 * connected, or refuses the INVITE, `whenDown` decides: `reject` fails the call
 * with SWB_ERR_MEDIA_UNAVAILABLE (the caller gets 503), `unrecorded` connects
 * it direct and flags the record.
 *
 * A subclass feeds the server's channel events into leg():
 * the SIP Call-ID of each leg we sent it, and the server's channel id for it.
 */
export abstract class AnchoredMedia<B extends MediaBackend = MediaBackend> implements MediaAnchor {
  abstract readonly name: 'freeswitch' | 'asterisk';
  /** The server's name in logs and errors. */
  abstract readonly label: string;
  /** SIP Call-ID of a leg we sent to the server -> its channel id. */
  private readonly channels = new Map<string, string>();
  private readonly waiters = new Map<string, (id: string) => void>();

  constructor(readonly deps: AnchoredMediaDeps<B>) {}

  ready(): boolean {
    return this.deps.backend.readiness() === 'ok';
  }

  async open(call: Pick<CallRecord, 'id' | 'direction' | 'media'>): Promise<MediaSession> {
    if (!call.media.recordRequested) return passThrough;
    if (this.deps.refuseRecording?.(call.id)) return passThrough;
    if (!this.ready()) return this.down(call.id, 'the media server is not connected');
    return new AnchoredSession(this, this.deps, call.id, call.media.announce === true);
  }

  /** The policy for a recorded call the media server cannot take. */
  down(callId: string, why: string): MediaSession {
    if (this.deps.whenDown === 'reject') throw new SwitchboardError('SWB_ERR_MEDIA_UNAVAILABLE', `call ${callId} should be recorded and ${why}`);
    this.deps.logger.warn({ call: callId, why }, 'recorded call connected without recording');
    this.deps.onUnavailable(callId);
    return passThrough;
  }

  /** A channel event of the server: the leg with this SIP Call-ID has this channel ('up'), or it is gone. */
  protected leg(sipCallId: string | undefined, channelId: string | undefined, state: 'up' | 'gone' | null): void {
    if (!sipCallId || !channelId || !state) return;
    if (state === 'gone') {
      this.channels.delete(sipCallId);
      return;
    }
    const waiter = this.waiters.get(sipCallId);
    if (waiter) {
      this.waiters.delete(sipCallId);
      waiter(channelId);
      return;
    }
    this.channels.set(sipCallId, channelId);
    // Bounded: entries nobody asked for (another application's calls) must not pile up.
    if (this.channels.size > 1000) this.channels.delete(this.channels.keys().next().value as string);
  }

  /** The server's channel id of the leg whose SIP Call-ID is given. */
  channelOf(sipCallId: string): Promise<string> {
    const known = this.channels.get(sipCallId);
    if (known) {
      this.channels.delete(sipCallId);
      return Promise.resolve(known);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(sipCallId);
        reject(new SwitchboardError('SWB_ERR_MEDIA_TIMEOUT', `${this.label} reported no channel for SIP call ${sipCallId}`));
      }, this.deps.channelTimeoutMs ?? 5000);
      this.waiters.set(sipCallId, (id) => {
        clearTimeout(timer);
        resolve(id);
      });
    });
  }
}

/** FreeSWITCH: a leg's channel from ESL CHANNEL_CREATE / CHANNEL_ANSWER (variable_sip_call_id, Unique-ID); see AnchoredMedia. */
export class FreeswitchMedia extends AnchoredMedia<FreeswitchBackend> {
  readonly name = 'freeswitch' as const;
  readonly label = 'FreeSWITCH';

  constructor(deps: FreeswitchMediaDeps) {
    super(deps);
    const stateOf = (name: string) => (name === 'CHANNEL_HANGUP_COMPLETE' ? 'gone' : name === 'CHANNEL_CREATE' || name === 'CHANNEL_ANSWER' ? 'up' : null);
    deps.backend.esl.on('event', (e: EslEvent) => this.leg(e.headers.variable_sip_call_id, e.headers['Unique-ID'], stateOf(e.name)));
  }
}

class AnchoredSession implements MediaSession {
  private a: Dialog | null = null;
  private b: Dialog | null = null;
  private uuidA = '';
  private uuidB = '';
  /** The media server's SDP towards the caller (channel A) and towards the callee (channel B). */
  private sdpA = '';
  private sdpB = '';
  private direct: MediaSession | null = null;
  /** Channel B has the callee's SDP and the channels are bridged: at early media or at the answer. */
  private connected: Promise<void> | null = null;
  private earlySdp: string | null = null;
  /** Channel B's SDP as last offered to the callee, and a newer one with other SRTP keys it must be sent. */
  private offeredToCallee = '';
  private reoffer: string | null = null;
  private answered = false;
  private released = false;
  private readonly holds = new HoldTracker();
  private markLost!: () => void;
  readonly lost = new Promise<void>((resolve) => (this.markLost = resolve));

  constructor(
    private readonly anchor: AnchoredMedia,
    private readonly deps: AnchoredMediaDeps,
    private readonly callId: string,
    private readonly announce: boolean,
  ) {}

  private async invite(sdp: string): Promise<Dialog> {
    const target = this.deps.backend.anchorTarget(this.callId);
    const leg = await this.deps.srf.createUAC(target.uri, { localSdp: sdp, headers: { ...target.headers, 'Content-Type': 'application/sdp' } });
    // A BYE from the media server (our own BYEs emit nothing): its side of the call is gone.
    leg.on('destroy', () => {
      if (!this.released) this.markLost();
    });
    return leg;
  }

  async offerToCallee(callerSdp: string): Promise<string> {
    try {
      this.a = await this.invite(callerSdp);
      this.sdpA = this.a.remote.sdp;
      // Channel B answers the same offer; its answer (the server's address, one codec) is a valid offer for the callee.
      this.b = await this.invite(callerSdp);
      this.sdpB = this.b.remote.sdp;
      [this.uuidA, this.uuidB] = await Promise.all([this.anchor.channelOf(this.a.sip.callId), this.anchor.channelOf(this.b.sip.callId)]);
      // Music on hold is a nicety: a media server that will not take it still carries the call.
      await this.deps.backend.prepareHold([this.uuidA, this.uuidB], this.deps.musicOnHold ?? null).catch((err: unknown) => this.deps.logger.warn({ err, call: this.callId }, 'music on hold not set'));
      this.holds.sent('callee', this.sdpB);
      this.offeredToCallee = this.sdpB;
      return this.sdpB;
    } catch (err) {
      this.deps.logger.warn({ err, call: this.callId }, `anchoring on ${this.anchor.label} failed`);
      await this.release();
      this.direct = this.anchor.down(this.callId, `${this.anchor.label} did not take it (${(err as Error).message ?? err})`);
      return this.direct.offerToCallee(callerSdp);
    }
  }

  /**
   * Early media flows through the bridged channels, unrecorded: the recording starts at the answer. A call
   * with an announcement passes none on (the caller's phone rings on a 180): Asterisk can play the
   * announcement only as it bridges, and the parties must hear it before anything else is recorded.
   */
  async earlyMedia(calleeSdp: string): Promise<string | null> {
    if (this.direct) return this.direct.earlyMedia(calleeSdp);
    if (this.announce || this.answered) return null;
    this.connected ??= (async () => {
      this.earlySdp = calleeSdp;
      await this.updateB(calleeSdp);
      await this.deps.backend.bridge(this.uuidA, this.uuidB);
    })();
    await this.connected;
    return this.sdpA;
  }

  async answerToCaller(calleeSdp: string): Promise<string> {
    if (this.direct) return this.direct.answerToCaller(calleeSdp);
    if (this.answered) return this.sdpA;
    this.answered = true;
    // Bridged at early media: the recording starts now; the answer may carry other SDP than the 183 did.
    if (this.connected && (await this.connected.then(() => true, () => false))) {
      if (calleeSdp !== this.earlySdp) await this.updateB(calleeSdp);
      await this.record();
      return this.sdpA;
    }
    this.connected = Promise.resolve();
    await this.updateB(calleeSdp);
    if (this.announce) await this.bridgeAnnounced();
    else {
      await this.deps.backend.bridge(this.uuidA, this.uuidB);
      await this.record();
    }
    return this.sdpA;
  }

  /** Channel B takes the callee's SDP; with SRTP, FreeSWITCH then sends with a new key the callee must be offered. */
  private async updateB(calleeSdp: string): Promise<void> {
    this.sdpB = await this.b!.modify(calleeSdp);
    if (!sameSdesKeys(this.sdpB, this.offeredToCallee)) this.reoffer = this.sdpB;
  }

  calleeReoffer(): string | null {
    const sdp = this.direct ? null : this.reoffer;
    this.reoffer = null;
    if (sdp) this.offeredToCallee = sdp;
    return sdp;
  }

  private async record(): Promise<boolean> {
    try {
      await this.deps.backend.startRecording(this.uuidA, this.callId);
      return true;
    } catch (err) {
      // The call is connected through the media server; only the recording is lost.
      this.deps.logger.warn({ err, call: this.callId }, 'recording did not start');
      this.deps.onUnavailable(this.callId);
      return false;
    }
  }

  /**
   * The recording starts before the bridge, so that it holds the announcement played as the parties are
   * connected: evidence they were told. No recording, no announcement (it would say something untrue); a
   * refused announcement leaves the call up and says so in its record.
   */
  private async bridgeAnnounced(): Promise<void> {
    if (!(await this.record())) {
      await this.deps.backend.bridge(this.uuidA, this.uuidB);
      this.deps.onAnnounced?.(this.callId, false);
      return;
    }
    const result = await this.deps.backend.bridgeAnnounced(this.uuidA, this.uuidB, this.deps.announcement ?? null);
    if (!result.announced) this.deps.logger.warn({ call: this.callId, why: result.why }, 'recording announcement not played');
    this.deps.onAnnounced?.(this.callId, result.announced);
  }

  async reinvite(fromLeg: 'caller' | 'callee', sdp: string): Promise<Reinvite> {
    if (this.direct) return this.direct.reinvite(fromLeg, sdp);
    // Each phone negotiates with its own media server channel; the other is told only of a hold or a resume.
    const own = fromLeg === 'caller' ? this.a! : this.b!;
    const answer = await own.modify(sdp);
    if (fromLeg === 'caller') this.sdpA = answer;
    else this.sdpB = answer;
    this.holds.sent(fromLeg, answer);
    const toOther = this.holds.offerFor(fromLeg, sdp, fromLeg === 'caller' ? this.sdpB : this.sdpA);
    return { toOther, otherDecides: false, answer: async () => answer };
  }

  async release(): Promise<void> {
    this.released = true;
    const legs = [this.a, this.b].filter((d): d is Dialog => d !== null);
    this.a = this.b = null;
    await Promise.all(legs.map((d) => d.destroy().catch((err: unknown) => this.deps.logger.debug({ err }, 'BYE to the media server not sent'))));
  }
}
