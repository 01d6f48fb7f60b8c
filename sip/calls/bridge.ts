import type { Logger } from 'pino';
import type { Dialog, SipRequest, SipResponse } from '../drachtio/srf.js';
import type { MediaSession } from './media.js';

export type HangupBy = 'caller' | 'callee' | 'no-ack' | 'signalling-lost' | 'shutdown' | 'media-lost' | 'max-duration';

export interface BridgeEnd {
  by: HangupBy;
  at: Date;
}

/**
 * The answered call: two dialogs tied together. A BYE on one leg hangs up the
 * other; a re-INVITE (hold, resume, a new codec) on one leg is offered to the
 * other and its answer returned; a caller that never ACKs our 200 OK (RFC 3261
 * §13.3.1.4: 64*T1) is hung up on both legs, and so is a call longer than
 * sip.calls.maxDurationSeconds: without session timers (RFC 4028) a BYE lost
 * with a phone that died would otherwise hold the call, and its recording, for ever.
 */
export class Bridge {
  readonly ended: Promise<BridgeEnd>;
  private resolve!: (e: BridgeEnd) => void;
  private done = false;
  private ackTimer: NodeJS.Timeout | null;
  private readonly maxTimer: NodeJS.Timeout | null;

  constructor(
    private readonly caller: Dialog,
    private readonly callee: Dialog,
    private readonly media: MediaSession,
    limits: { ackTimeoutMs: number; maxDurationMs: number },
    private readonly logger: Logger,
  ) {
    this.ended = new Promise((r) => (this.resolve = r));
    caller.on('destroy', () => this.end('caller', this.callee));
    callee.on('destroy', () => this.end('callee', this.caller));
    caller.on('modify', (req: SipRequest, res: SipResponse) => void this.reinvite('caller', req, res));
    callee.on('modify', (req: SipRequest, res: SipResponse) => void this.reinvite('callee', req, res));
    // 0: no ACK is awaited (the caller leg is one we ACKed ourselves: a click-to-call).
    this.ackTimer = limits.ackTimeoutMs > 0 ? setTimeout(() => this.hangup('no-ack'), limits.ackTimeoutMs) : null;
    this.maxTimer = limits.maxDurationMs > 0 ? setTimeout(() => this.hangup('max-duration'), limits.maxDurationMs) : null;
    caller.once('ack', () => {
      if (this.ackTimer) clearTimeout(this.ackTimer);
      this.ackTimer = null;
    });
  }

  /** Ends the call from our side: BYE on both legs (a leg that never answers the BYE is dropped by drachtio's timer). */
  hangup(by: HangupBy): void {
    if (this.done) return;
    this.finish(by);
    for (const d of [this.caller, this.callee]) void d.destroy().catch((err: unknown) => this.logger.debug({ err }, 'BYE not sent'));
  }

  private end(by: 'caller' | 'callee', other: Dialog): void {
    if (this.done) return;
    this.finish(by);
    void other.destroy().catch((err: unknown) => this.logger.debug({ err }, 'BYE to the other leg not sent'));
  }

  private finish(by: HangupBy): void {
    this.done = true;
    if (this.ackTimer) clearTimeout(this.ackTimer);
    if (this.maxTimer) clearTimeout(this.maxTimer);
    this.resolve({ by, at: new Date() });
  }

  private async reinvite(from: 'caller' | 'callee', req: SipRequest, res: SipResponse): Promise<void> {
    const [here, there] = from === 'caller' ? [this.caller, this.callee] : [this.callee, this.caller];
    try {
      const step = await this.media.reinvite(from, req.body);
      let otherAnswer: string | null = null;
      if (step.toOther !== null) {
        try {
          otherAnswer = await there.modify(step.toOther);
        } catch (err) {
          if (step.otherDecides) throw err;
          this.logger.info({ from, status: (err as { status?: number })?.status }, 'the other phone refused to be told of the hold; the call goes on');
        }
      }
      const back = await step.answer(otherAnswer);
      here.local.sdp = back;
      res.send(200, { body: back, headers: { 'Content-Type': 'application/sdp', Contact: (here as unknown as { local: { contact: string } }).local.contact } });
    } catch (err) {
      // The other leg refused (488) or is gone: refuse the re-INVITE, the call goes on as it was (RFC 3261 §14.2).
      const status = (err as { status?: number })?.status;
      this.logger.info({ from, status }, 're-INVITE not accepted by the other leg');
      if (!res.finalResponseSent) res.send(status && status >= 400 && status < 700 ? status : 488);
    }
  }
}
