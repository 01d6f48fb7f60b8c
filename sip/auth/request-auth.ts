import type { Logger } from 'pino';
import type { SipRequest, SipResponse } from '../drachtio/srf.js';
import type { ExtensionDirectory, Extension } from '../registrar/directory.js';
import type { BanList } from '../protection/bans.js';
import { DigestAuthenticator } from './digest.js';
import { userOf } from '../registrar/contact-header.js';

/** What happened to one request's credentials, for the caller's metrics. */
export type AuthOutcome = 'ok' | 'challenged' | 'stale' | 'forbidden' | 'invalid';

export interface AuthResult {
  outcome: AuthOutcome;
  extension: Extension | null;
}

/**
 * The digest exchange for REGISTER (401, WWW-Authenticate / Authorization) and
 * INVITE (407, Proxy-Authenticate / Proxy-Authorization, RFC 3261 §22.3), with
 * the same answers for known and unknown users. On anything but 'ok' the
 * response has been sent.
 */
export class RequestAuthenticator {
  /** A tls-only extension's right credentials over UDP or TCP: counted by the caller's metrics. */
  onTransportRefused: ((method: string) => void) | null = null;

  constructor(
    private readonly digest: DigestAuthenticator,
    private readonly directory: ExtensionDirectory,
    private readonly bans: BanList,
    private readonly logger: Logger,
  ) {}

  /**
   * `identity` is the header naming who the request is for (To for REGISTER)
   * or from (From for INVITE): an extension may only act as itself.
   */
  async check(req: SipRequest, res: SipResponse, identity: 'To' | 'From'): Promise<AuthResult> {
    const proxy = req.method !== 'REGISTER';
    const header = req.get(proxy ? 'Proxy-Authorization' : 'Authorization');
    const claimed = userOf(req.get(identity));
    const userAgent = req.get('User-Agent');
    if (!header) {
      this.challenge(res, proxy, false, userAgent);
      return { outcome: 'challenged', extension: null };
    }
    const username = DigestAuthenticator.usernameOf(header);
    const ext = username ? this.directory.get(username) : undefined;
    const verdict = this.digest.verify(header, req.method, ext?.password, userAgent);
    if (verdict.ok) {
      if (claimed !== verdict.username) {
        // Right password, but for another extension's address of record (RFC 3261 §10.3 step 3).
        await this.fail(req, res, 'identity mismatch');
        return { outcome: 'forbidden', extension: null };
      }
      if (ext?.transport === 'tls-only' && req.protocol !== 'tls') {
        // After the digest, not before: refusing earlier would tell a stranger which extensions are tls-only.
        this.onTransportRefused?.(req.method);
        await this.fail(req, res, `tls-only extension over ${req.protocol}`);
        return { outcome: 'forbidden', extension: null };
      }
      this.bans.clearFailures(req.source_address);
      return { outcome: 'ok', extension: ext ?? null };
    }
    switch (verdict.reason) {
      case 'stale':
        this.challenge(res, proxy, true, userAgent);
        return { outcome: 'stale', extension: null };
      case 'missing':
      case 'algorithm':
        this.challenge(res, proxy, false, userAgent);
        return { outcome: 'challenged', extension: null };
      case 'malformed':
        res.send(400, 'Malformed Authorization');
        return { outcome: 'invalid', extension: null };
      case 'realm':
        // Credentials for a realm we never offered: a wrong guess, not a stale nonce. Counted, then challenged afresh.
        await this.bans.recordFailure(req.source_address);
        this.challenge(res, proxy, false, userAgent);
        return { outcome: 'challenged', extension: null };
      default:
        await this.fail(req, res, verdict.reason);
        return { outcome: 'forbidden', extension: null };
    }
  }

  challenge(res: SipResponse, proxy: boolean, stale: boolean, userAgent?: string): void {
    const name = proxy ? 'Proxy-Authenticate' : 'WWW-Authenticate';
    // One header line per algorithm (RFC 8760 §2.4). drachtio-srf folds repeated names into one
    // comma-joined line, which RFC 3261 §7.3.1 forbids for these headers, so the lines are joined here.
    const value = this.digest.challenges(stale, userAgent).join(`\r\n${name}: `);
    res.send(proxy ? 407 : 401, { headers: { [name]: value } });
  }

  /** 403 for every failure (unknown user and wrong password alike), counted toward a ban. */
  private async fail(req: SipRequest, res: SipResponse, why: string): Promise<void> {
    this.logger.info({ method: req.method, source: req.source_address, why }, 'SIP authentication failed');
    res.send(403, 'Forbidden');
    await this.bans.recordFailure(req.source_address);
  }
}
