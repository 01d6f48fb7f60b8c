import type { Dialog, LateOffer } from '../drachtio/srf.js';
import type { CallRecord } from './call-record.js';
import type { MediaSession } from './media.js';
import type { ActiveCall } from './active-calls.js';
import { Fork, type Destination } from './fork.js';
import { Bridge, type HangupBy } from './bridge.js';
import { recordEnd, type AttemptDeps, type EndHow } from './call-attempt.js';

export interface ClickToCallPlan {
  /** direction out: the operator's extension calls the number. */
  record: CallRecord;
  /** Every registered contact of the operator's own extension. */
  phone: Destination[];
  /** The number, through a trunk. */
  callee: Destination;
  phoneHeaders: Record<string, string>;
  calleeHeaders: Record<string, string>;
  auth?: { username: string; password: string };
}

/**
 * A phone that answered an INVITE without SDP retransmits its 200 until it is
 * ACKed and hangs up after 64*T1 = 32 s (RFC 3261 §13.3.1.4): the number must
 * answer within that, whatever sip.calls.ringTimeoutSeconds says.
 */
const PHONE_ACK_WINDOW_MS = 30_000;

/**
 * One click-to-call, a B2BUA call with both legs ours (RFC 3725 flow I): the
 * operator's phone is rung with no SDP; its answer's 200 carries the offer,
 * which goes (through the media anchor, when the call is recorded) in the
 * INVITE to the number; the number's answer is the ACK to the phone. Then the
 * two dialogs are tied like any call (Bridge). The phone hears nothing while
 * the number rings: no ringback is played before the answer.
 */
export class ClickToCall implements ActiveCall {
  private phoneFork: Fork<LateOffer> | null = null;
  private calleeFork: Fork | null = null;
  private bridge: Bridge | null = null;
  private media: MediaSession | null = null;
  private endedBy: HangupBy | null = null;
  private readonly startedAt = Date.now();

  constructor(
    private readonly deps: AttemptDeps,
    private readonly plan: ClickToCallPlan,
  ) {}

  get id(): string {
    return this.plan.record.id;
  }

  /** Ends the call from outside (connection lost, shutdown), whatever step it is in. */
  hangup(by: HangupBy): void {
    this.endedBy ??= by;
    if (this.bridge) return this.bridge.hangup(by);
    this.phoneFork?.cancel('cancel');
    this.calleeFork?.cancel('cancel');
  }

  async run(): Promise<void> {
    const { deps, plan } = this;
    deps.log.open(plan.record);
    deps.active.add(this);
    try {
      await this.connect();
    } catch (err) {
      deps.logger.error({ err, call: this.id }, 'click-to-call failed');
      await this.end(new Date(), { status: 500, reason: 'error' });
    } finally {
      deps.active.remove(this.id);
      await this.media?.release().catch((err: unknown) => deps.logger.warn({ err }, 'media release failed'));
    }
  }

  private async connect(): Promise<void> {
    const { deps, plan } = this;
    this.media = await deps.media.open(plan.record);
    void this.media.lost?.then(() => {
      deps.logger.warn({ call: this.id }, 'the media server ended the call');
      this.hangup('media-lost');
    });

    this.phoneFork = new Fork<LateOffer>(deps.srf, plan.phone, { sdp: null, headers: plan.phoneHeaders, timeoutMs: deps.ringTimeoutMs }, deps.logger);
    if (this.endedBy) this.phoneFork.cancel('cancel');
    const phone = await this.phoneFork.result;
    // The operator did not pick up (or declined): the number was never rung.
    if (!phone.answered) return this.end(new Date(), { status: phone.status, reason: `phone-${phone.reason}` });
    const late = phone.dialog;
    if (typeof late.sdp !== 'string' || late.sdp === '') {
      // A phone that answered without an offer has nothing to pass on (drachtio-srf ACKed it as an ordinary dialog).
      deps.logger.warn({ call: this.id }, 'the phone answered a click-to-call without SDP');
      void late.destroy().catch(() => {});
      return this.end(new Date(), { status: 488, reason: 'phone-failed' });
    }

    let offer: string;
    try {
      offer = await this.media.offerToCallee(late.sdp);
    } catch (err) {
      void late.destroy();
      throw err;
    }
    if (this.endedBy) {
      void late.destroy();
      return this.end(new Date(), { status: null, reason: 'cancel' });
    }
    this.calleeFork = new Fork(deps.srf, [plan.callee], { sdp: offer, headers: plan.calleeHeaders, ...(plan.auth ? { auth: plan.auth } : {}), timeoutMs: Math.min(deps.ringTimeoutMs, PHONE_ACK_WINDOW_MS) }, deps.logger);
    if (this.endedBy) this.calleeFork.cancel('cancel');
    const callee = await this.calleeFork.result;
    if (!callee.answered) {
      void late.destroy();
      return this.end(new Date(), { status: callee.status, reason: callee.reason });
    }

    const answeredAt = new Date();
    let phoneDialog: Dialog;
    try {
      phoneDialog = await late.ack(await this.media.answerToCaller(callee.dialog.remote.sdp));
    } catch (err) {
      deps.logger.error({ err, call: this.id }, 'the answer could not be passed to the phone');
      void late.destroy();
      void callee.dialog.destroy().catch(() => {});
      return this.end(new Date(), { status: 500, reason: 'media-error' });
    }
    deps.log.answered(this.id, answeredAt, plan.record.extension);
    deps.metrics?.setupSeconds.observe({ direction: 'out' }, (answeredAt.getTime() - this.startedAt) / 1000);
    // Both legs are ours and the phone's was ACKed by us: no ACK to wait for.
    this.bridge = new Bridge(phoneDialog, callee.dialog, this.media, { ackTimeoutMs: 0, maxDurationMs: deps.maxDurationMs }, deps.logger);
    if (this.endedBy) this.bridge.hangup(this.endedBy);
    const end = await this.bridge.ended;
    deps.metrics?.durationSeconds.observe({ direction: 'out' }, (end.at.getTime() - answeredAt.getTime()) / 1000);
    return this.end(end.at, { status: null, reason: end.by, answered: true });
  }

  private end(at: Date, how: EndHow): Promise<void> {
    return recordEnd(this.deps, this.id, this.endedBy, at, how);
  }
}
