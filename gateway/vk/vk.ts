import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Key } from 'lmdb';
import type { Attachment } from '../../domain/history/events.js';
import { SwitchboardError } from '../../common/errors.js';
import type { VkChannelConfig } from '../config.js';
import { refusal, type Bridge, type BridgeContext, type OutboxItem, type WebhookReply, type WebhookRequest } from '../core/bridge.js';
import type { ChannelInfo } from '../core/ingest.js';
import { callProvider, transient, type ProviderResponse, type SendOutcome } from '../core/provider-http.js';
import { sameSecret } from '../core/secrets.js';
import { resolveSecretValue } from '../../common/config.js';
import { LoopingBridge } from '../core/looping-bridge.js';
import { normalizeEvent, readReceipt, type ReadReceipt, type VkEvent } from './normalize.js';
import { VkReadIndex } from './read-index.js';

/** VK API error codes worth another try: unknown, too many requests per second, flood control, internal; 5 waits for a fixed token. */
const RETRY_CODES = new Set([1, 5, 6, 9, 10]);
const MAX_BACKOFF_MS = 30_000;

/**
 * A VK community. Inbound by the Callback API (the confirmation code answers
 * VK's handshake; every event carries the secret) or by Bots Long Poll;
 * outbound by messages.send, whose random_id makes VK drop a resend of the
 * same reply: the one provider here where a crash between send and commit
 * cannot double a message.
 */
export class VkBridge extends LoopingBridge implements Bridge {
  readonly type = 'vk' as const;
  readonly identityKind = 'vk' as const;
  readonly id: string;
  private readonly token: string;
  private readonly secret: string | null;
  private readonly confirmation: string | null;
  private readonly info: ChannelInfo;
  private readonly reads: VkReadIndex;

  constructor(
    private readonly cfg: VkChannelConfig,
    private readonly ctx: BridgeContext,
  ) {
    super();
    this.id = cfg.id;
    this.token = resolveSecretValue(cfg.accessToken, `channels ${cfg.id}.accessToken`);
    this.secret = cfg.secret === undefined ? null : resolveSecretValue(cfg.secret, `channels ${cfg.id}.secret`);
    this.confirmation = cfg.confirmation === undefined ? null : resolveSecretValue(cfg.confirmation, `channels ${cfg.id}.confirmation`);
    this.info = { id: cfg.id, type: 'vk', department: cfg.department ?? null };
    this.healthy = cfg.mode === 'callback';
    this.reads = new VkReadIndex(ctx.store, ctx.ingest, cfg.id);
  }

  /** Our reply is with VK: remember its id for message_read (or learn it was read already). */
  sentInTxn(_item: OutboxItem, externalId: string): 'read' | null {
    return this.reads.sentInTxn(externalId);
  }

  async start(): Promise<void> {
    this.running = true;
    this.abort = new AbortController();
    if (this.cfg.mode === 'longpoll') this.loop = this.longPoll();
  }

  /** A VK API method: POSTed as a form, so the token travels in the body and never in a URL. */
  private api(method: string, params: Record<string, string | number>, signal?: AbortSignal): Promise<ProviderResponse> {
    const body = new URLSearchParams({ ...Object.fromEntries(Object.entries(params).map(([k, v]) => [k, String(v)])), access_token: this.token, v: this.cfg.apiVersion });
    return callProvider(`${this.cfg.apiBase}/${method}`, { method: 'POST', body, timeoutMs: this.ctx.timeoutMs, ...(signal ? { signal } : {}) });
  }

  async webhook(req: WebhookRequest): Promise<WebhookReply> {
    if (req.method !== 'POST' || this.cfg.mode !== 'callback') return refusal('SWB_ERR_NOT_FOUND');
    let e: VkEvent;
    try {
      e = JSON.parse(req.raw.toString('utf8')) as VkEvent;
    } catch {
      return refusal('SWB_ERR_BAD_REQUEST', 'body is not valid JSON');
    }
    if (typeof e !== 'object' || e === null || typeof e.type !== 'string') return refusal('SWB_ERR_VALIDATION', 'not a VK Callback API event');
    if (typeof e.secret !== 'string') return refusal('SWB_ERR_UNAUTHENTICATED', 'the event carries no secret');
    if (!sameSecret(e.secret, this.secret ?? '') || e.group_id !== this.cfg.groupId) return refusal('SWB_ERR_WEBHOOK_SIGNATURE', 'secret or group_id does not match');
    if (e.type === 'confirmation') return { status: 200, body: this.confirmation ?? '' };
    const read = readReceipt(e);
    if (read) await this.reads.read([read]);
    await this.ctx.ingest.accept(this.info, normalizeEvent(e), { fetchFile: (f) => this.ctx.attachments.download(f.ref, {}, f), limitSenders: true });
    // VK redelivers anything not answered with exactly "ok".
    return { status: 200, body: 'ok' };
  }

  private async sleep(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, ms);
      this.abort.signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
    });
  }

  /** Bots Long Poll: a server, key and ts from groups.getLongPollServer, then a_check in a loop; ts commits with the events. */
  private async longPoll(): Promise<void> {
    const db = this.ctx.store.db<string, Key>('channels');
    let server: { server: string; key: string; ts: string } | null = null;
    let delay = 500;
    while (this.running) {
      try {
        if (!server) {
          const r = await this.api('groups.getLongPollServer', { group_id: this.cfg.groupId }, this.abort.signal);
          const got = (r.body as { response?: { server: string; key: string; ts: string } })?.response;
          if (!got) throw new SwitchboardError('SWB_ERR_PROVIDER_UNAVAILABLE', `getLongPollServer: ${JSON.stringify((r.body as { error?: unknown })?.error ?? r.status)}`);
          server = { ...got, ts: db.get(['vk-ts', this.id]) ?? got.ts };
        }
        const url = `${server.server}?act=a_check&key=${encodeURIComponent(server.key)}&ts=${encodeURIComponent(server.ts)}&wait=25`;
        const r = await callProvider(url, { timeoutMs: 35_000, signal: this.abort.signal });
        const body = r.body as { ts?: string | number; updates?: VkEvent[]; failed?: number };
        if (body?.failed === 1 && body.ts !== undefined) server.ts = String(body.ts);
        else if (body?.failed) server = null;
        else if (Array.isArray(body?.updates) && body.ts !== undefined) {
          const ts = String(body.ts);
          const events = body.updates.filter((u) => u.group_id === undefined || u.group_id === this.cfg.groupId);
          // Before the commit that moves ts: a crash in between redelivers receipts, and reading twice changes nothing.
          await this.reads.read(events.map(readReceipt).filter((r): r is ReadReceipt => r !== null));
          await this.ctx.ingest.accept(this.info, events.flatMap(normalizeEvent), { fetchFile: (f) => this.ctx.attachments.download(f.ref, {}, f), inTxn: () => db.putSync(['vk-ts', this.id], ts) });
          server.ts = ts;
        } else throw new SwitchboardError('SWB_ERR_PROVIDER_UNAVAILABLE', `a_check answered ${r.status}`);
        this.healthy = true;
        delay = 500;
      } catch (err) {
        if (!this.running) return;
        this.healthy = false;
        this.ctx.logger.warn({ channel: this.id, reason: (err as Error).message, retryInMs: delay }, 'vk long poll failed');
        await this.sleep(delay);
        delay = Math.min(delay * 2, MAX_BACKOFF_MS);
      }
    }
  }

  /**
   * Files first (each uploaded and saved as a doc), then ONE messages.send with
   * them all in `attachment`: the random_id still makes the message exactly-once;
   * a restart may upload a file again, which only leaves an unsent doc behind.
   */
  async send(item: OutboxItem, signal: AbortSignal): Promise<SendOutcome> {
    try {
      const attachments: string[] = [];
      for (const a of item.attachments) {
        const got = await this.upload(item.to, a, signal);
        if (typeof got !== 'string') return got;
        attachments.push(got);
      }
      const params: Record<string, string | number> = { peer_id: item.to, random_id: randomIdFor(item.id) };
      if (item.text) params.message = item.text;
      if (attachments.length) params.attachment = attachments.join(',');
      return classify(await this.api('messages.send', params, signal), item.to);
    } catch (err) {
      return transient(err);
    }
  }

  /** docs.getMessagesUploadServer, the upload, docs.save (dev.vk.com/api/upload/doc-in-message): "doc<owner>_<id>" for messages.send. */
  private async upload(peerId: string, a: Attachment, signal: AbortSignal): Promise<string | SendOutcome> {
    const server = await this.api('docs.getMessagesUploadServer', { type: 'doc', peer_id: peerId }, signal);
    const url = (server.body as { response?: { upload_url?: string } } | null)?.response?.upload_url;
    if (!url) return failure(server);
    const form = new FormData();
    form.set('file', new Blob([await readFile(this.ctx.attachments.pathOf(a))], { type: a.mime }), a.name ?? 'file');
    const up = await callProvider(url, { method: 'POST', body: form, timeoutMs: this.ctx.timeoutMs, signal });
    // The upload server may answer JSON as text/html.
    const body = (typeof up.body === 'string' ? safeJson(up.body) : up.body) as { file?: string; error?: string } | null;
    if (up.status !== 200 || !body?.file) return { ok: false, retry: up.status >= 500 || up.status === 429, reason: `vk upload ${up.status}: ${String(body?.error ?? 'no file').slice(0, 200)}` };
    const saved = await this.api('docs.save', { file: body.file, title: a.name ?? 'file' }, signal);
    const doc = (saved.body as { response?: { doc?: { id?: number; owner_id?: number } } } | null)?.response?.doc;
    if (!doc?.id || !doc.owner_id) return failure(saved);
    return `doc${doc.owner_id}_${doc.id}`;
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** A stable int32 per outbox item: the same reply sent again after a restart carries the same random_id. */
export function randomIdFor(itemId: string): number {
  return createHash('sha256').update(itemId).digest().readInt32BE(0);
}

export function classify(r: ProviderResponse, peerId: string): SendOutcome {
  const body = r.body as { response?: number | Array<{ message_id?: number }>; error?: { error_code?: number; error_msg?: string } } | null;
  if (r.status === 200 && body?.response !== undefined) {
    const id = typeof body.response === 'number' ? body.response : body.response[0]?.message_id;
    return { ok: true, externalId: `${peerId}:${id ?? 'unknown'}` };
  }
  return failure(r);
}

/** A VK error (HTTP 200 with {error}) or an HTTP failure, to retry or not. */
function failure(r: ProviderResponse): SendOutcome {
  const body = r.body as { error?: { error_code?: number; error_msg?: string } } | null;
  const code = body?.error?.error_code;
  const reason = `vk ${code ?? r.status}: ${String(body?.error?.error_msg ?? 'no message').slice(0, 200)}`;
  if (r.status >= 500 || r.status === 429 || (code !== undefined && RETRY_CODES.has(code))) return { ok: false, retry: true, reason };
  return { ok: false, retry: false, reason };
}
