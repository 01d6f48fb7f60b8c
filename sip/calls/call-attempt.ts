import { tlsContactHeaders, type SipRequest, type SipResponse } from '../drachtio/srf.js';
import type { CallRecord } from './call-record.js';
import { Fork, type Destination } from './fork.js';
import { SwitchboardError } from '../../common/errors.js';
import { B2buaCall, type AttemptDeps, type EndHow } from './b2bua-call.js';

export interface AttemptPlan {
  record: CallRecord;
  destinations: Destination[];
  headers: Record<string, string>;
  auth?: { username: string; password: string };
}

/**
 * One call from INVITE to hangup, as a sequence of steps each owned elsewhere:
 * record it (CallLog), open media (MediaAnchor), ring (Fork), answer the
 * caller and tie the legs (Bridge), record the end. It holds no SIP logic of
 * its own beyond the caller's INVITE transaction.
 */
export class CallAttempt extends B2buaCall {
  private fork: Fork | null = null;

  constructor(
    deps: AttemptDeps,
    private readonly req: SipRequest,
    private readonly res: SipResponse,
    private readonly plan: AttemptPlan,
  ) {
    super(deps, plan.record);
  }

  protected stopRinging(): void {
    this.fork?.cancel('cancel');
  }

  protected failed(err: unknown): EndHow {
    // A call to be recorded while the media server is down, under whenDown: reject.
    const unavailable = err instanceof SwitchboardError && err.code === 'SWB_ERR_MEDIA_UNAVAILABLE';
    const status = unavailable ? 503 : 500;
    if (unavailable) this.deps.logger.warn({ call: this.id, reason: err.message }, 'call refused: it must be recorded and the media server is down');
    else this.deps.logger.error({ err, call: this.id }, 'call failed');
    if (!this.res.finalResponseSent) this.res.send(status);
    return { status, reason: unavailable ? 'media-unavailable' : 'error' };
  }

  protected async connect(): Promise<void> {
    const { deps, plan, req, res } = this;
    if (plan.destinations.length === 0) {
      res.send(480, 'Temporarily Unavailable');
      return this.end(new Date(), { status: 480, reason: 'unavailable' });
    }
    const media = await this.openMedia();
    const offer = await media.offerToCallee(req.body);
    let ringing = false;
    this.fork = new Fork(
      deps.srf,
      plan.destinations,
      {
        sdp: offer,
        headers: plan.headers,
        ...(plan.auth ? { auth: plan.auth } : {}),
        timeoutMs: deps.ringTimeoutMs,
        onRinging: (r) => {
          // One 180 to the caller however many phones ring; 183 with SDP is passed on (early media) where the media allows.
          const alreadyRinging = ringing;
          ringing = true;
          const ring = (): void => {
            if (!res.finalResponseSent) res.send(180);
          };
          if (r.status === 183 && r.body) {
            void media.earlyMedia(r.body).then(
              (sdp) => (sdp !== null ? !res.finalResponseSent && res.send(183, { body: sdp }) : !alreadyRinging && ring()),
              (err: unknown) => {
                deps.logger.warn({ err, call: this.id }, 'early media not connected; the caller hears ringing');
                if (!alreadyRinging) ring();
              },
            );
          } else if (!alreadyRinging) ring();
        },
      },
      deps.logger,
    );
    let callerCancelled = false;
    req.on('cancel', () => {
      // drachtio-server has answered the CANCEL and the INVITE (487) itself (RFC 3261 §9.2).
      callerCancelled = true;
      this.fork?.cancel('cancel');
    });
    if (this.endedBy) this.fork.cancel('cancel');
    const result = await this.fork.result;
    if (!result.answered) {
      const reason = callerCancelled || this.endedBy ? 'cancel' : result.reason;
      if (!callerCancelled && !res.finalResponseSent) {
        if (result.reason === 'timeout') res.send(480, 'No Answer');
        else res.send(result.status && result.status >= 300 ? result.status : 480);
      }
      return this.end(new Date(), { status: callerCancelled ? 487 : result.status, reason });
    }
    const answeredAt = new Date();
    const callee = result.dialog;
    let localSdp: string;
    try {
      localSdp = await media.answerToCaller(callee.remote.sdp);
    } catch (err) {
      // The media server failed at answer (bridge, record): said as such, not passed off as a cancel.
      deps.logger.error({ err, call: this.id }, 'media step at answer failed');
      void callee.destroy().catch(() => {});
      if (!res.finalResponseSent) res.send(500);
      return this.end(new Date(), { status: 500, reason: 'media-error' });
    }
    let caller;
    try {
      caller = await deps.srf.createUAS(req, res, { localSdp, headers: tlsContactHeaders(req) });
    } catch {
      // The caller gave up in the same instant the callee answered.
      void callee.destroy().catch(() => {});
      return this.end(new Date(), { status: 487, reason: 'cancel' });
    }
    const again = media.calleeReoffer?.() ?? null;
    if (again) {
      // The media server re-keyed SRTP towards the callee: without this the callee could not decrypt a word.
      await callee.modify(again).catch((err: unknown) => deps.logger.warn({ err, call: this.id }, 'the callee refused the media server\'s new SRTP key'));
    }
    return this.bridged(caller, callee, answeredAt, result.destination.extension, deps.ackTimeoutMs);
  }
}
