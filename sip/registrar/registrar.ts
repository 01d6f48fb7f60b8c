import type { Logger } from 'pino';
import type { SipRequest, SipResponse } from '../drachtio/srf.js';
import type { SipConfig } from '../config.js';
import type { SipMetrics } from '../metrics.js';
import type { RequestAuthenticator } from '../auth/request-auth.js';
import { BindingStore, type Binding, type ContactChange } from './bindings.js';
import { parseContacts } from './contact-header.js';

type RegistrarConfig = SipConfig['registrar'];

/**
 * REGISTER handling (RFC 3261 §10.3): authenticate, then add, refresh, remove
 * or list the contacts of the extension named in To, and answer with every
 * contact it now has. The 200 goes out only after the bindings are on disk.
 */
export class Registrar {
  constructor(
    private readonly cfg: RegistrarConfig,
    private readonly auth: RequestAuthenticator,
    private readonly bindings: BindingStore,
    private readonly metrics: SipMetrics | null,
    private readonly logger: Logger,
  ) {}

  async handle(req: SipRequest, res: SipResponse): Promise<void> {
    try {
      await this.register(req, res);
    } catch (err) {
      this.count('failed');
      this.logger.error({ err }, 'REGISTER failed');
      if (!res.finalResponseSent) res.send(500, 'Server Internal Error');
    }
  }

  private async register(req: SipRequest, res: SipResponse): Promise<void> {
    const callId = req.get('Call-ID');
    const cseq = parseInt(req.get('CSeq') ?? '', 10);
    if (!callId || !Number.isFinite(cseq)) return this.reject(res, 400, 'Missing Call-ID or CSeq', 'invalid');
    const auth = await this.auth.check(req, res, 'To');
    if (auth.outcome !== 'ok' || !auth.extension) {
      this.count(auth.outcome === 'challenged' ? 'challenged' : auth.outcome === 'stale' ? 'stale' : auth.outcome === 'invalid' ? 'invalid' : 'forbidden');
      return;
    }
    const extension = auth.extension.number;
    const parsed = parseContacts(req.get('Contact'));
    const meta = { callId, cseq, userAgent: req.get('User-Agent')?.slice(0, 200) ?? null, received: `${req.protocol}/${req.source_address}:${req.source_port}` };
    const headerExpires = req.get('Expires');
    if (parsed.kind === 'invalid') return this.reject(res, 400, 'Invalid Contact', 'invalid');

    if (parsed.kind === 'star') {
      // RFC 3261 §10.2.2: "*" only with Expires: 0 and no other contact.
      if (headerExpires === undefined || parseInt(headerExpires, 10) !== 0) return this.reject(res, 400, 'Contact * needs Expires: 0', 'invalid');
      const result = await this.bindings.removeAll(extension, meta);
      if (!result.ok) return this.reject(res, 500, 'Out of order REGISTER', 'out_of_order');
      this.count('unregistered');
      return this.ok(res, []);
    }

    if (parsed.contacts.length === 0) {
      // A query (RFC 3261 §10.2.3): no change, the current bindings in the answer.
      this.count('queried');
      return this.ok(res, this.bindings.contactsOf(extension));
    }

    const changes: ContactChange[] = [];
    for (const c of parsed.contacts) {
      const raw = c.params.expires ?? headerExpires;
      let expires = raw === undefined || raw === null ? this.cfg.defaultExpires : Number(raw);
      if (!/^\d+$/.test(String(raw ?? this.cfg.defaultExpires))) return this.reject(res, 400, 'Invalid expires', 'invalid');
      if (expires > 0 && expires < this.cfg.minExpires) {
        // RFC 3261 §10.3 step 7 / §21.4.17: refuse, and say what is acceptable.
        this.count('interval_too_brief');
        res.send(423, 'Interval Too Brief', { headers: { 'Min-Expires': String(this.cfg.minExpires) } });
        return;
      }
      expires = Math.min(expires, this.cfg.maxExpires);
      changes.push({ contact: c.uri, expires });
    }
    const result = await this.bindings.apply(extension, changes, meta, this.cfg.maxContacts);
    if (!result.ok) return this.reject(res, 500, 'Out of order REGISTER', 'out_of_order');
    const removedAll = changes.every((c) => c.expires === 0);
    this.count(removedAll ? 'unregistered' : 'registered');
    this.logger.debug({ extension, contacts: result.bindings.length }, removedAll ? 'unregistered' : 'registered');
    this.ok(res, result.bindings);
  }

  private ok(res: SipResponse, bindings: Binding[]): void {
    const now = Date.now();
    const headers: Record<string, string> = { Date: new Date(now).toUTCString() };
    if (bindings.length) headers.Contact = bindings.map((b) => `<${b.contact}>;expires=${Math.max(0, Math.round((b.expiresAt - now) / 1000))}`).join(', ');
    res.send(200, { headers });
  }

  private reject(res: SipResponse, status: number, reason: string, outcome: string): void {
    this.count(outcome);
    res.send(status, reason);
  }

  private count(outcome: string): void {
    this.metrics?.registrations.inc({ outcome });
  }
}
