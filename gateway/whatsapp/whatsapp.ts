import { readFile } from 'node:fs/promises';
import { SwitchboardError } from '../../common/errors.js';
import type { WhatsAppChannelConfig } from '../config.js';
import { refusal, type Bridge, type BridgeContext, type OutboxItem, type PartSent, type WebhookReply, type WebhookRequest } from '../core/bridge.js';
import { partsOf, sendParts } from '../core/parts.js';
import type { ChannelInfo } from '../core/ingest.js';
import type { RemoteFile } from '../core/message.js';
import { callProvider, transient, type ProviderResponse, type SendOutcome } from '../core/provider-http.js';
import { sameSecret, validHubSignature } from '../core/secrets.js';
import { resolveSecretValue } from '../../common/config.js';
import { normalizePayload } from './normalize.js';

interface GraphError {
  error?: { message?: string; type?: string; code?: number; error_subcode?: number };
}

/** Graph error codes worth another try (developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes). */
const RETRY_CODES = new Set([1, 2, 4, 80007, 130429, 131000, 131016, 131048, 131056, 133004, 190]);

/**
 * A WhatsApp Business number on the Cloud API. Inbound arrives only by webhook
 * (verified once with hub.verify_token, then every POST signed with the app
 * secret in X-Hub-Signature-256, checked over the raw bytes); outbound goes
 * through the Graph API with the access token as a bearer.
 */
export class WhatsAppBridge implements Bridge {
  readonly type = 'whatsapp' as const;
  readonly identityKind = 'whatsapp' as const;
  readonly id: string;
  private readonly accessToken: string;
  private readonly appSecret: string;
  private readonly verifyToken: string;
  private readonly info: ChannelInfo;

  constructor(
    private readonly cfg: WhatsAppChannelConfig,
    private readonly ctx: BridgeContext,
  ) {
    this.id = cfg.id;
    this.accessToken = resolveSecretValue(cfg.accessToken, `channels ${cfg.id}.accessToken`);
    this.appSecret = resolveSecretValue(cfg.appSecret, `channels ${cfg.id}.appSecret`);
    this.verifyToken = resolveSecretValue(cfg.verifyToken, `channels ${cfg.id}.verifyToken`);
    this.info = { id: cfg.id, type: 'whatsapp', department: cfg.department ?? null };
  }

  async start(): Promise<void> {}
  async stop(): Promise<void> {}

  /** Nothing to hold open: inbound is pushed to us, outbound is per request. */
  health(): 'ok' | 'down' {
    return 'ok';
  }

  private get auth(): Record<string, string> {
    return { authorization: `Bearer ${this.accessToken}` };
  }

  async webhook(req: WebhookRequest): Promise<WebhookReply> {
    if (req.method === 'GET') {
      // The subscription handshake: echo hub.challenge only to someone who knows the verify token.
      const ok = req.query['hub.mode'] === 'subscribe' && sameSecret(req.query['hub.verify_token'], this.verifyToken);
      return ok ? { status: 200, body: String(req.query['hub.challenge'] ?? '') } : refusal('SWB_ERR_WEBHOOK_SIGNATURE', 'hub.verify_token does not match');
    }
    const signature = req.headers['x-hub-signature-256'];
    if (typeof signature !== 'string') return refusal('SWB_ERR_UNAUTHENTICATED', 'X-Hub-Signature-256 is missing');
    if (!validHubSignature(signature, this.appSecret, req.raw)) return refusal('SWB_ERR_WEBHOOK_SIGNATURE', 'X-Hub-Signature-256 does not match the body');
    let body: unknown;
    try {
      body = JSON.parse(req.raw.toString('utf8'));
    } catch {
      return refusal('SWB_ERR_BAD_REQUEST', 'body is not valid JSON');
    }
    await this.ctx.ingest.accept(this.info, normalizePayload(body, this.cfg.phoneNumberId), { fetchFile: (f) => this.download(f), limitSenders: true });
    return { status: 200, body: 'EVENT_RECEIVED' };
  }

  /** GET /{media-id} gives a short-lived URL; the file itself needs the same bearer token. */
  private async download(file: RemoteFile) {
    const r = await callProvider(`${this.cfg.apiBase}/${encodeURIComponent(file.ref)}`, { headers: this.auth, timeoutMs: this.ctx.timeoutMs });
    if (r.status >= 500 || r.status === 429) throw new SwitchboardError('SWB_ERR_PROVIDER_UNAVAILABLE', `media ${r.status}`);
    const meta = r.body as { url?: string; mime_type?: string; file_size?: number } | null;
    if (r.status !== 200 || typeof meta?.url !== 'string') return this.ctx.attachments.refused(file, 'unavailable');
    const sized: RemoteFile = { ...file, mime: meta.mime_type ?? file.mime, ...(typeof meta.file_size === 'number' ? { bytes: meta.file_size } : {}) };
    return this.ctx.attachments.download(meta.url, this.auth, sized);
  }

  /**
   * The Cloud API takes one media object a message: each file is uploaded and
   * sent as its own document message (the text as the first one's caption, or a
   * text message before them when it is too long for one), each recorded before
   * the next, so only the part in flight at a crash can arrive twice.
   */
  async send(item: OutboxItem, signal: AbortSignal, partSent: PartSent): Promise<SendOutcome> {
    const base = { messaging_product: 'whatsapp', recipient_type: 'individual', to: item.to };
    const text = (body: string) => () => this.message({ ...base, type: 'text', text: { body, preview_url: false } }, signal);
    const file = (i: number, caption: string | undefined) => async (): Promise<SendOutcome> => {
      const attachment = item.attachments[i]!;
      try {
        const form = new FormData();
        form.set('messaging_product', 'whatsapp');
        form.set('type', attachment.mime);
        form.set('file', new Blob([await readFile(this.ctx.attachments.pathOf(attachment))], { type: attachment.mime }), attachment.name ?? 'file');
        const up = await callProvider(`${this.cfg.apiBase}/${this.cfg.phoneNumberId}/media`, { method: 'POST', headers: this.auth, body: form, timeoutMs: this.ctx.timeoutMs, signal });
        const mediaId = (up.body as { id?: string } | null)?.id;
        if (up.status !== 200 || !mediaId) return classify(up);
        return this.message({ ...base, type: 'document', document: { id: mediaId, ...(caption ? { caption } : {}), ...(attachment.name ? { filename: attachment.name } : {}) } }, signal);
      } catch (err) {
        return transient(err);
      }
    };
    return sendParts(item, partsOf(item, text, file), partSent);
  }

  private async message(message: Record<string, unknown>, signal: AbortSignal): Promise<SendOutcome> {
    try {
      const r = await callProvider(`${this.cfg.apiBase}/${this.cfg.phoneNumberId}/messages`, {
        method: 'POST',
        headers: { ...this.auth, 'content-type': 'application/json' },
        body: JSON.stringify(message),
        timeoutMs: this.ctx.timeoutMs,
        signal,
      });
      return classify(r);
    } catch (err) {
      return transient(err);
    }
  }
}

/** A Graph API answer to an outbox decision. */
export function classify(r: ProviderResponse): SendOutcome {
  if (r.status === 200) {
    const id = (r.body as { messages?: Array<{ id?: string }> } | null)?.messages?.[0]?.id;
    if (id) return { ok: true, externalId: id };
  }
  const e = (r.body as GraphError | null)?.error;
  const code = e?.code;
  const reason = `whatsapp ${code ?? r.status}: ${String(e?.message ?? 'no message').slice(0, 200)}`;
  // 131056: too many messages to one recipient in a short time; wait on that pair only.
  if (code === 131056) return { ok: false, retry: true, reason, scope: 'recipient' };
  if (r.status >= 500 || r.status === 429 || (code !== undefined && RETRY_CODES.has(code)) || r.status === 401) return { ok: false, retry: true, reason };
  return { ok: false, retry: false, reason };
}
