import type { Logger } from 'pino';
import type { Dialog, Srf } from '../drachtio/srf.js';
import type { SipMetrics } from '../metrics.js';
import type { CallLog } from './call-log.js';
import { outcomeOf, type CallRecord } from './call-record.js';
import type { MediaAnchor, MediaSession } from './media.js';
import type { ActiveCall, ActiveCalls } from './active-calls.js';
import { Bridge, type HangupBy } from './bridge.js';

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

/** How a call ended, as its record and the calls counter say it. */
export interface EndHow {
  status: number | null;
  reason: string;
  answered?: boolean;
}

/**
 * What every call the appliance connects has in common, whoever started it:
 * it is recorded from its first ring (CallLog), known to ActiveCalls so a lost
 * connection or a shutdown can end it, given media (MediaAnchor), tied once
 * both legs answered (Bridge), and its end recorded once. A subclass says how
 * the two legs come to answer (connect) and how to stop them ringing.
 */
export abstract class B2buaCall implements ActiveCall {
  protected bridge: Bridge | null = null;
  protected media: MediaSession | null = null;
  protected endedBy: HangupBy | null = null;
  protected readonly startedAt = Date.now();

  constructor(
    protected readonly deps: AttemptDeps,
    protected readonly record: CallRecord,
  ) {}

  get id(): string {
    return this.record.id;
  }

  /** Ends the call from outside (connection lost, shutdown), whatever step it is in. */
  hangup(by: HangupBy): void {
    this.endedBy ??= by;
    if (this.bridge) this.bridge.hangup(by);
    else this.stopRinging();
  }

  async run(): Promise<void> {
    const { deps } = this;
    deps.log.open(this.record);
    deps.active.add(this);
    try {
      await this.connect();
    } catch (err) {
      await this.end(new Date(), this.failed(err));
    } finally {
      deps.active.remove(this.id);
      await this.media?.release().catch((err: unknown) => deps.logger.warn({ err }, 'media release failed'));
    }
  }

  /** Rings until both legs answered and then bridged(), or ends the call saying how. */
  protected abstract connect(): Promise<void>;
  /** hangup() before the bridge: stop whatever rings. */
  protected abstract stopRinging(): void;
  /** connect() threw: tell whoever still waits for an answer, and say how the call ended. */
  protected abstract failed(err: unknown): EndHow;

  /** Media for the call; the media server hanging up its side ends the whole call rather than leave the phones in silence. */
  protected async openMedia(): Promise<MediaSession> {
    const media = (this.media = await this.deps.media.open(this.record));
    void media.lost?.then(() => {
      this.deps.logger.warn({ call: this.id }, 'the media server ended the call');
      this.hangup('media-lost');
    });
    return media;
  }

  /** Both legs answered: records the answer, ties the legs until one hangs up, and records the end. */
  protected async bridged(caller: Dialog, callee: Dialog, answeredAt: Date, extension: string | null, ackTimeoutMs: number): Promise<void> {
    const { deps } = this;
    const direction = this.record.direction;
    deps.log.answered(this.id, answeredAt, extension);
    deps.metrics?.setupSeconds.observe({ direction }, (answeredAt.getTime() - this.startedAt) / 1000);
    this.bridge = new Bridge(caller, callee, this.media!, { ackTimeoutMs, maxDurationMs: deps.maxDurationMs }, deps.logger);
    if (this.endedBy) this.bridge.hangup(this.endedBy);
    const end = await this.bridge.ended;
    deps.metrics?.durationSeconds.observe({ direction }, (end.at.getTime() - answeredAt.getTime()) / 1000);
    return this.end(end.at, { status: null, reason: end.by, answered: true });
  }

  /** Writes the end once and counts it; a call ended from outside keeps that as its reason unless it was answered. */
  protected async end(at: Date, how: EndHow): Promise<void> {
    const endReason = this.endedBy && !how.answered ? this.endedBy : how.reason;
    const outcome = how.answered ? 'answered' : outcomeOf(how.status, how.reason);
    const rec = await this.deps.log.finish(this.id, { end: at, outcome, sipCause: how.status, endReason });
    if (rec) this.deps.metrics?.calls.inc({ direction: rec.direction, outcome: rec.outcome ?? outcome });
  }
}
