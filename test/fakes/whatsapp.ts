import type { ServerResponse } from 'node:http';
import { createHmac, randomBytes } from 'node:crypto';
import { FakeServer, parseForm, type Received } from './fake-server.js';

export const WA = { phoneNumberId: '106540352242922', accessToken: 'EAAGfakeAccessTokenForTests0123456789', appSecret: 'fake-app-secret-0123456789abcdef', verifyToken: 'fake-verify-token-42' };

export interface WaSent {
  to: string;
  type: string;
  text: string;
  wamid: string;
  documentId?: string;
  filename?: string;
}

/**
 * The WhatsApp Cloud API (Graph) as documented: a bearer access token on every
 * call (190 OAuthException otherwise), the messages endpoint's request and
 * response shapes and (#100) parameter errors, media by id then by URL with
 * the same token, and (when `enforceLimits`) 130429 past the number's
 * throughput and 131056 past the per-recipient pair rate.
 */
export class FakeWhatsApp extends FakeServer {
  readonly sent: WaSent[] = [];
  readonly media = new Map<string, { data: Buffer; mime: string }>();
  enforceLimits = false;
  perSecond = 80;
  pairGapMs = 1000;
  private readonly recent: number[] = [];
  private readonly lastTo = new Map<string, number>();

  constructor(readonly cfg = WA) {
    super();
  }

  textsTo(to: string): string[] {
    return this.sent.filter((s) => s.to === to).map((s) => s.text);
  }

  private error(res: ServerResponse, status: number, code: number, message: string, type = 'OAuthException'): void {
    this.json(res, status, { error: { message, type, code, fbtrace_id: `A${randomBytes(8).toString('hex')}` } });
  }

  protected async handle(req: Received, url: URL, res: ServerResponse): Promise<void> {
    if (req.headers.authorization !== `Bearer ${this.cfg.accessToken}`) return this.error(res, 401, 190, 'Invalid OAuth access token - Cannot parse access token');
    const parts = url.pathname.split('/').filter(Boolean);
    if (parts[0] === 'media-download' && req.method === 'GET') {
      const m = this.media.get(parts[1] ?? '');
      if (!m) return this.error(res, 404, 100, 'media not found');
      res.writeHead(200, { 'content-type': m.mime, 'content-length': m.data.length });
      return void res.end(m.data);
    }
    if (parts.length === 1 && req.method === 'GET') {
      const m = this.media.get(parts[0]!);
      if (!m) return this.error(res, 400, 100, `Unsupported get request. Object with ID '${parts[0]}' does not exist`, 'GraphMethodException');
      return this.json(res, 200, { messaging_product: 'whatsapp', url: `${this.url}/media-download/${parts[0]}`, mime_type: m.mime, sha256: 'x', file_size: m.data.length, id: parts[0] });
    }
    if (parts[0] !== this.cfg.phoneNumberId || req.method !== 'POST') return this.error(res, 400, 100, 'Unsupported post request.', 'GraphMethodException');
    if (parts[1] === 'media') {
      const form = await parseForm(req);
      const file = form.get('file');
      if (form.get('messaging_product') !== 'whatsapp' || !(file instanceof Blob)) return this.error(res, 400, 100, '(#100) The parameter messaging_product is required.');
      const id = String(Math.floor(Math.random() * 1e15));
      this.media.set(id, { data: Buffer.from(await file.arrayBuffer()), mime: file.type });
      return this.json(res, 200, { id });
    }
    if (parts[1] !== 'messages') return this.error(res, 400, 100, 'Unsupported post request.', 'GraphMethodException');
    let body: Record<string, any>;
    try {
      body = JSON.parse(req.body.toString()) as Record<string, any>;
    } catch {
      return this.error(res, 400, 100, '(#100) Invalid parameter');
    }
    if (body.messaging_product !== 'whatsapp') return this.error(res, 400, 100, '(#100) The parameter messaging_product is required.');
    if (typeof body.to !== 'string' || !/^\+?\d{6,20}$/.test(body.to)) return this.error(res, 400, 100, '(#100) Invalid parameter');
    let text = '';
    if (body.type === 'text') {
      text = body.text?.body;
      if (typeof text !== 'string' || !text) return this.error(res, 400, 100, '(#100) The parameter text[\'body\'] is required.');
      if (text.length > 4096) return this.error(res, 400, 100, '(#100) Param text[\'body\'] must be at most 4096 characters long.');
    } else if (body.type === 'document') {
      // One media object a message, by id or link, never both; captions up to 1024 characters.
      if (Array.isArray(body.document) || (body.document?.id && body.document?.link)) return this.error(res, 400, 100, '(#100) Invalid parameter');
      if (!this.media.has(body.document?.id)) return this.error(res, 400, 131053, 'Media upload error');
      if (typeof body.document.caption === 'string' && body.document.caption.length > 1024) return this.error(res, 400, 100, "(#100) Param document['caption'] must be at most 1024 characters long.");
      text = body.document.caption ?? '';
    } else return this.error(res, 400, 131051, 'Unsupported message type');
    const now = Date.now();
    if (this.enforceLimits) {
      while (this.recent.length && this.recent[0]! < now - 1000) this.recent.shift();
      if (this.recent.length >= this.perSecond) return this.error(res, 429, 130429, '(#130429) Rate limit hit', 'OAuthException');
      if (now - (this.lastTo.get(body.to) ?? 0) < this.pairGapMs) return this.error(res, 400, 131056, '(#131056) (Business Account, Consumer Account) pair rate limit hit', 'OAuthException');
    }
    this.recent.push(now);
    this.lastTo.set(body.to, now);
    const wamid = `wamid.HBgL${randomBytes(12).toString('hex').toUpperCase()}`;
    this.sent.push({ to: body.to, type: body.type, text, wamid, ...(body.type === 'document' ? { documentId: body.document.id, ...(body.document.filename ? { filename: body.document.filename } : {}) } : {}) });
    this.json(res, 200, { messaging_product: 'whatsapp', contacts: [{ input: body.to, wa_id: body.to }], messages: [{ id: wamid }] });
  }
}

/** X-Hub-Signature-256 over exactly these bytes, with the app secret. */
export function sign(raw: string | Buffer, appSecret = WA.appSecret): string {
  return `sha256=${createHmac('sha256', appSecret).update(raw).digest('hex')}`;
}

function envelope(value: Record<string, unknown>, phoneNumberId = WA.phoneNumberId): Record<string, unknown> {
  return {
    object: 'whatsapp_business_account',
    entry: [{ id: '102290129340398', changes: [{ field: 'messages', value: { messaging_product: 'whatsapp', metadata: { display_phone_number: '15550783881', phone_number_id: phoneNumberId }, ...value } }] }],
  };
}

/** A client's text message webhook, as Meta sends it. */
export function waText(from: string, text: string, wamid = `wamid.IN${randomBytes(10).toString('hex')}`, name = 'Olga Smirnova'): Record<string, unknown> {
  return envelope({ contacts: [{ profile: { name }, wa_id: from }], messages: [{ from, id: wamid, timestamp: String(Math.floor(Date.now() / 1000)), type: 'text', text: { body: text } }] });
}

export function waMessage(from: string, message: Record<string, unknown>): Record<string, unknown> {
  return envelope({ contacts: [{ profile: { name: 'Olga Smirnova' }, wa_id: from }], messages: [{ from, id: `wamid.IN${randomBytes(10).toString('hex')}`, timestamp: String(Math.floor(Date.now() / 1000)), ...message }] });
}

/** A delivery status webhook for one of our messages. */
export function waStatus(wamid: string, status: string, recipient: string, errors?: Array<Record<string, unknown>>): Record<string, unknown> {
  return envelope({ statuses: [{ id: wamid, status, timestamp: String(Math.floor(Date.now() / 1000)), recipient_id: recipient, ...(errors ? { errors } : {}) }] });
}
