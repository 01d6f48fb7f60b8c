import type { Logger } from 'pino';
import { makeAddressCheck } from '../../common/address-allow.js';
import type { Middleware, SipRequest, SipResponse } from '../drachtio/srf.js';
import type { SipConfig } from '../config.js';
import type { SipMetrics } from '../metrics.js';
import type { BanList } from './bans.js';
import { RateLimiter } from './rate-limit.js';
import { ScannerFilter } from './scanners.js';

/**
 * The first middleware for every request outside a dialog, before any digest
 * or store work: scanners, banned addresses and floods cost a map lookup.
 *
 * Refusals still get a final response (403, or 503 with Retry-After for rate
 * limits, RFC 3261 §21.5.4): a request the application never answers keeps a
 * server transaction open in drachtio-server (and, for an INVITE, an entry in
 * drachtio-srf), so silence would let a flood pile up state. drachtio-server's
 * own `<spammers action="discard">` list (lab mode and the README configure
 * it) drops known scanners before they get this far, without an answer.
 */
export class ProtectionGuard {
  private readonly register: RateLimiter;
  private readonly invite: RateLimiter;
  private readonly scanners: ScannerFilter;
  private readonly trusted: (address: string) => boolean;

  constructor(
    cfg: SipConfig['protection'],
    trustedAddresses: string[],
    private readonly bans: BanList,
    private readonly metrics: SipMetrics | null,
    private readonly logger: Logger,
  ) {
    this.register = new RateLimiter(cfg.registerPerSecond, cfg.registerBurst);
    this.invite = new RateLimiter(cfg.invitePerSecond, cfg.inviteBurst);
    this.scanners = new ScannerFilter(cfg.scannerUserAgents);
    const check = makeAddressCheck([...cfg.trusted, ...trustedAddresses]);
    // makeAddressCheck always lets loopback through (right for the API); here only what is listed counts.
    const listed = new Set([...cfg.trusted, ...trustedAddresses]);
    this.trusted = (a) => listed.has(a) || (!a.startsWith('127.') && a !== '::1' && check(a));
  }

  middleware(): Middleware {
    return (req, res, next) => {
      if (this.admit(req, res)) next();
    };
  }

  /** True to go on; otherwise the request has been answered (or, for ACK, ignored). */
  admit(req: SipRequest, res: SipResponse): boolean {
    const address = req.source_address;
    if (this.trusted(address)) return true;
    const method = req.method;
    if (this.scanners.isScanner(req.get('User-Agent'))) {
      this.refuse(req, res, 'scanner', 403);
      if (!this.bans.isBanned(address)) {
        this.logger.warn({ source: address }, 'SIP scanner banned');
        void this.bans.ban(address, 'scanner').catch((err: unknown) => this.logger.error({ err }, 'ban not stored'));
      }
      return false;
    }
    if (this.bans.isBanned(address)) {
      this.refuse(req, res, 'banned', 403);
      return false;
    }
    const limiter = method === 'REGISTER' ? this.register : method === 'INVITE' ? this.invite : null;
    if (limiter && !limiter.take(address)) {
      this.refuse(req, res, 'rate_limited', 503);
      return false;
    }
    return true;
  }

  private refuse(req: SipRequest, res: SipResponse, reason: string, status: 403 | 503): void {
    this.metrics?.refused.inc({ method: KNOWN_METHODS.has(req.method) ? req.method : 'other', reason });
    if (req.method === 'ACK') return;
    res.send(status, status === 503 ? { headers: { 'Retry-After': '30' } } : undefined);
  }
}

const KNOWN_METHODS = new Set(['REGISTER', 'INVITE', 'OPTIONS', 'BYE', 'CANCEL', 'ACK', 'SUBSCRIBE', 'NOTIFY', 'MESSAGE', 'INFO', 'PUBLISH', 'REFER', 'UPDATE', 'PRACK']);
