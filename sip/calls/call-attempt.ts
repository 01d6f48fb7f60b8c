import type { Logger } from 'pino';
import type { SipRequest, SipResponse, Srf } from '../drachtio/srf.js';
import type { SipMetrics } from '../metrics.js';
import type { CallLog } from './call-log.js';
import { outcomeOf, type CallRecord } from './call-record.js';
import type { MediaAnchor, MediaSession } from './media.js';
import type { ActiveCalls } from './active-calls.js';
import { Fork, type Destination } from './fork.js';
import { Bridge, type HangupBy } from './bridge.js';
import { SwitchboardError } from '../../common/errors.js';

export interface AttemptDeps {
  srf: Srf;
  log: CallLog;
  media: MediaAnchor;
  active: ActiveCalls;
  metrics: SipMetrics | null;
  logger: Logger;
  ringTimeoutMs: number;
  ackTimeoutMs: number;
  /** sip.calls.maxDurationSeconds in ms; 0: no limit. */
  maxDurationMs: number;
}

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
export class CallAttempt {
  private fork: Fork | null = null;
  private bridge: Bridge | null = null;
  private media: MediaSession | null = null;
  private endedBy: HangupBy | null = null;
  private readonly startedAt = Date.now();

  constructor(
    private readonly deps: AttemptDeps,
    private readonly req: SipRequest,
    private readonly res: SipResponse,
    private readonly plan: AttemptPlan,
  ) {}

  get id(): string {
    return this.plan.record.id;
  }

  /** Ends the call from outside (connection lost, shutdown), whatever step it is in. */
  hangup(by: HangupBy): void {
    this.endedBy ??= by;
    if (this.bridge) this.bridge.hangup(by);
    else this.fork?.cancel('cancel');
  }

  async run(): Promise<void> {
    const { deps, plan } = this;
    deps.log.open(plan.record);
    deps.active.add(this);
    try {
      await this.ringAndBridge();
    } catch (err) {
      // A call to be recorded while the media server is down, under whenDown: reject.
      const unavailable = err instanceof SwitchboardError && err.code === 'SWB_ERR_MEDIA_UNAVAILABLE';
      const status = unavailable ? 503 : 500;
      if (unavailable) deps.logger.warn({ call: this.id, reason: err.message }, 'call refused: it must be recorded and the media server is down');
      else deps.logger.error({ err, call: this.id }, 'call failed');
      if (!this.res.finalResponseSent) this.res.send(status);
      await this.end(new Date(), { status, reason: unavailable ? 'media-unavailable' : 'error' });
    } finally {
      deps.active.remove(this.id);
      await this.media?.release().catch((err: unknown) => deps.logger.warn({ err }, 'media release failed'));
    }
  }

  private async ringAndBridge(): Promise<void> {
    const { deps, plan, req, res } = this;
    if (plan.destinations.length === 0) {
      res.send(480, 'Temporarily Unavailable');
      return this.end(new Date(), { status: 480, reason: 'unavailable' });
    }
    this.media = await deps.media.open(plan.record);
    // The media server hung up its side (a recorded call): end the whole call rather than leave the phones in silence.
    void this.media.lost?.then(() => {
      deps.logger.warn({ call: this.id }, 'the media server ended the call');
      this.hangup('media-lost');
    });
    const offer = await this.media.offerToCallee(req.body);
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
            void this.media!.earlyMedia(r.body).then(
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
      localSdp = await this.media.answerToCaller(callee.remote.sdp);
    } catch (err) {
      // The media server failed at answer (bridge, record): said as such, not passed off as a cancel.
      deps.logger.error({ err, call: this.id }, 'media step at answer failed');
      void callee.destroy().catch(() => {});
      if (!res.finalResponseSent) res.send(500);
      return this.end(new Date(), { status: 500, reason: 'media-error' });
    }
    let caller;
    try {
      caller = await deps.srf.createUAS(req, res, { localSdp });
    } catch {
      // The caller gave up in the same instant the callee answered.
      void callee.destroy().catch(() => {});
      return this.end(new Date(), { status: 487, reason: 'cancel' });
    }
    deps.log.answered(this.id, answeredAt, result.destination.extension);
    deps.metrics?.setupSeconds.observe({ direction: plan.record.direction }, (answeredAt.getTime() - this.startedAt) / 1000);
    this.bridge = new Bridge(caller, callee, this.media, { ackTimeoutMs: deps.ackTimeoutMs, maxDurationMs: deps.maxDurationMs }, deps.logger);
    if (this.endedBy) this.bridge.hangup(this.endedBy);
    const end = await this.bridge.ended;
    deps.metrics?.durationSeconds.observe({ direction: plan.record.direction }, (end.at.getTime() - answeredAt.getTime()) / 1000);
    return this.end(end.at, { status: null, reason: end.by, answered: true });
  }

  private async end(at: Date, how: EndHow): Promise<void> {
    return recordEnd(this.deps, this.id, this.endedBy, at, how);
  }
}

export interface EndHow {
  status: number | null;
  reason: string;
  answered?: boolean;
}

/** Writes a call's end once and counts it; a call ended from outside keeps that as its reason unless it was answered. */
export async function recordEnd(deps: Pick<AttemptDeps, 'log' | 'metrics'>, id: string, endedBy: HangupBy | null, at: Date, how: EndHow): Promise<void> {
  const endReason = endedBy && !how.answered ? endedBy : how.reason;
  const outcome = how.answered ? 'answered' : outcomeOf(how.status, how.reason);
  const rec = await deps.log.finish(id, { end: at, outcome, sipCause: how.status, endReason });
  if (rec) deps.metrics?.calls.inc({ direction: rec.direction, outcome: rec.outcome ?? outcome });
}
