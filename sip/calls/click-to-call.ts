import type { Dialog, LateOffer } from '../drachtio/srf.js';
import type { CallRecord } from './call-record.js';
import { Fork, type Destination } from './fork.js';
import { B2buaCall, type AttemptDeps, type EndHow } from './b2bua-call.js';

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
export class ClickToCall extends B2buaCall {
  private phoneFork: Fork<LateOffer> | null = null;
  private calleeFork: Fork | null = null;

  constructor(
    deps: AttemptDeps,
    private readonly plan: ClickToCallPlan,
  ) {
    super(deps, plan.record);
  }

  protected stopRinging(): void {
    this.phoneFork?.cancel('cancel');
    this.calleeFork?.cancel('cancel');
  }

  protected failed(err: unknown): EndHow {
    this.deps.logger.error({ err, call: this.id }, 'click-to-call failed');
    return { status: 500, reason: 'error' };
  }

  protected async connect(): Promise<void> {
    const { deps, plan } = this;
    const media = await this.openMedia();

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
      offer = await media.offerToCallee(late.sdp);
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
      phoneDialog = await late.ack(await media.answerToCaller(callee.dialog.remote.sdp));
    } catch (err) {
      deps.logger.error({ err, call: this.id }, 'the answer could not be passed to the phone');
      void late.destroy();
      void callee.dialog.destroy().catch(() => {});
      return this.end(new Date(), { status: 500, reason: 'media-error' });
    }
    // Both legs are ours and the phone's was ACKed by us: no ACK to wait for.
    return this.bridged(phoneDialog, callee.dialog, answeredAt, plan.record.extension, 0);
  }
}
