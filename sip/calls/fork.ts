import type { Logger } from 'pino';
import { sipStatusOf, type Dialog, type LateOffer, type SipRequest, type SipResponse, type Srf, type UacOptions } from '../drachtio/srf.js';

export interface Destination {
  uri: string;
  /** Where to send it when that differs from the URI's host (a phone behind NAT: its REGISTER's source). */
  proxy?: string;
  extension: string | null;
}

export type ForkResult<D = Dialog> =
  | { answered: true; dialog: D; destination: Destination }
  | { answered: false; status: number | null; reason: 'failed' | 'timeout' | 'cancel' };

export interface ForkOptions {
  /** The offer; null sends the INVITE without one (RFC 3725 flow I): the answer's 200 makes the offer, and the winner is a LateOffer to ACK. */
  sdp: string | null;
  headers: Record<string, string>;
  auth?: { username: string; password: string };
  timeoutMs: number;
  onRinging?: (res: SipResponse) => void;
}

/** RFC 3261 §16.7 step 6, simplified for a B2BUA: a 6xx ends the search; else busy beats unavailable beats the rest. */
function bestFailure(statuses: number[]): number | null {
  if (statuses.length === 0) return null;
  const six = statuses.find((s) => s >= 600);
  if (six) return six;
  for (const preferred of [486, 487, 480, 408, 404]) if (statuses.includes(preferred)) return preferred;
  return statuses.sort((a, b) => a - b)[0]!;
}

/**
 * Rings several destinations at once; the first 200 wins and the others are
 * cancelled (or, if they answered in the same instant, hung up). Also the
 * ring timeout and the caller's CANCEL land here, as cancel().
 */
export class Fork<D extends Dialog | LateOffer = Dialog> {
  readonly result: Promise<ForkResult<D>>;
  private readonly requests = new Map<number, SipRequest>();
  private settled = false;
  private cancelReason: 'timeout' | 'cancel' | null = null;
  private resolve!: (r: ForkResult<D>) => void;
  private timer: NodeJS.Timeout;

  constructor(
    private readonly srf: Srf,
    destinations: Destination[],
    private readonly opts: ForkOptions,
    private readonly logger: Logger,
  ) {
    this.result = new Promise((r) => (this.resolve = r));
    this.timer = setTimeout(() => this.cancel('timeout'), opts.timeoutMs);
    const failures: number[] = [];
    let pending = destinations.length;
    destinations.forEach((d, i) => {
      this.attempt(i, d).then(
        (dialog) => {
          if (this.settled) {
            // Answered after another branch won, or after the caller gave up.
            void dialog.destroy().catch(() => {});
            return;
          }
          this.finish({ answered: true, dialog, destination: d });
          this.cancelOthers(i);
        },
        (err: unknown) => {
          const status = sipStatusOf(err);
          if (status !== null) failures.push(status);
          else this.logger.warn({ err: (err as Error)?.message, uri: d.uri }, 'INVITE to a destination failed');
          if (--pending === 0 && !this.settled) {
            const reason = this.cancelReason ?? 'failed';
            this.finish({ answered: false, status: reason === 'failed' ? (bestFailure(failures) ?? 503) : bestFailure(failures), reason });
          }
        },
      );
    });
    if (destinations.length === 0) this.finish({ answered: false, status: 480, reason: 'failed' });
  }

  /** Stop ringing: the caller cancelled, or nobody answered in time. */
  cancel(reason: 'timeout' | 'cancel'): void {
    if (this.settled || this.cancelReason) return;
    this.cancelReason = reason;
    this.cancelOthers(-1);
    // Branches whose CANCEL never gets a 487 (a dead phone) must not hold the call open.
    setTimeout(() => this.finish({ answered: false, status: reason === 'timeout' ? 408 : 487, reason }), 4000).unref();
  }

  private attempt(i: number, d: Destination): Promise<D> {
    const uacOpts: UacOptions = this.opts.sdp === null ? { noAck: true, headers: { ...this.opts.headers } } : { localSdp: this.opts.sdp, headers: { ...this.opts.headers } };
    if (d.proxy) uacOpts.proxy = d.proxy;
    if (this.opts.auth) uacOpts.auth = this.opts.auth;
    return this.srf.createUAC<D>(d.uri, uacOpts, {
      cbRequest: (_err, req) => {
        if (!req) return;
        this.requests.set(i, req);
        // Cancelled before the request went out: cancel it now that it exists.
        if (this.cancelReason || this.settled) this.cancelOne(req);
      },
      cbProvisional: (res) => {
        if (!this.settled && !this.cancelReason && res.status > 100) this.opts.onRinging?.(res);
      },
    });
  }

  private cancelOthers(winner: number): void {
    for (const [i, req] of this.requests) if (i !== winner) this.cancelOne(req);
  }

  private cancelOne(req: SipRequest): void {
    try {
      req.cancel((err) => err && this.logger.debug({ err }, 'CANCEL not sent'));
    } catch (err) {
      this.logger.debug({ err }, 'CANCEL not sent');
    }
  }

  private finish(r: ForkResult<D>): void {
    if (this.settled) return;
    this.settled = true;
    clearTimeout(this.timer);
    this.resolve(r);
  }
}
