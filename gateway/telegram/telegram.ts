import { readFile } from 'node:fs/promises';
import type { Key } from 'lmdb';
import { SwitchboardError } from '../../common/errors.js';
import type { TelegramChannelConfig } from '../config.js';
import { refusal, type Bridge, type BridgeContext, type OutboxItem, type PartSent, type WebhookReply, type WebhookRequest } from '../core/bridge.js';
import { partsOf, sendParts } from '../core/parts.js';
import type { ChannelInfo } from '../core/ingest.js';
import type { RemoteFile } from '../core/message.js';
import { callProvider, transient, type ProviderResponse, type SendOutcome } from '../core/provider-http.js';
import { redactUrl, secretMatcher } from '../core/secrets.js';
import { resolveSecretValue } from '../../common/config.js';
import { LoopingBridge } from '../core/looping-bridge.js';
import { ALLOWED_UPDATES, isUpdate, normalizeUpdate, type TgUpdate } from './normalize.js';

const MAX_POLL_BACKOFF_MS = 30_000;

interface TgAnswer {
  ok?: boolean;
  result?: unknown;
  error_code?: number;
  description?: string;
  parameters?: { retry_after?: number };
}

/**
 * A Telegram bot (Bot API). Long polling by default: getUpdates with an offset
 * needs no inbound port, and the offset commits in the same transaction as the
 * messages it covers, so a restart neither skips nor re-stores an update. In
 * webhook mode the bot registers webhookUrl with a secret_token, and each
 * webhook must carry it in X-Telegram-Bot-Api-Secret-Token.
 */
export class TelegramBridge extends LoopingBridge implements Bridge {
  readonly type = 'telegram' as const;
  readonly identityKind = 'telegram' as const;
  readonly id: string;
  private readonly token: string;
  private readonly secret: string | null;
  private readonly secretOk: (presented: string | undefined) => boolean;
  private readonly info: ChannelInfo;
  private offset = 0;

  constructor(
    private readonly cfg: TelegramChannelConfig,
    private readonly ctx: BridgeContext,
  ) {
    super();
    this.id = cfg.id;
    this.token = resolveSecretValue(cfg.token, `channels ${cfg.id}.token`);
    this.secret = cfg.webhookSecret === undefined ? null : resolveSecretValue(cfg.webhookSecret, `channels ${cfg.id}.webhookSecret`);
    this.secretOk = this.secret === null ? () => false : secretMatcher(this.secret);
    this.info = { id: cfg.id, type: 'telegram', department: cfg.department ?? null };
  }

  /** The token is in the path of every Bot API URL: build them here only, and log them only through redactUrl. */
  private method(name: string): string {
    return `${this.cfg.apiBase}/bot${this.token}/${name}`;
  }

  private async call(name: string, body: unknown, timeoutMs = this.ctx.timeoutMs, signal?: AbortSignal): Promise<ProviderResponse> {
    return callProvider(this.method(name), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), timeoutMs, ...(signal ? { signal } : {}) });
  }

  private get db() {
    return this.ctx.store.db<number, Key>('channels');
  }

  async start(): Promise<void> {
    this.running = true;
    this.abort = new AbortController();
    this.offset = this.db.get(['tg-offset', this.id]) ?? 0;
    if (this.cfg.mode === 'webhook') this.loop = this.register();
    else this.loop = this.poll();
  }

  private async sleep(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, ms);
      this.abort.signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
    });
  }

  /** setWebhook until it takes: Telegram may be unreachable at boot. */
  private async register(): Promise<void> {
    let delay = 1000;
    while (this.running) {
      try {
        const r = await this.call('setWebhook', { url: this.cfg.webhookUrl, secret_token: this.secret, allowed_updates: ALLOWED_UPDATES }, this.ctx.timeoutMs, this.abort.signal);
        if (r.status === 200 && (r.body as TgAnswer).ok) {
          this.healthy = true;
          return;
        }
        this.ctx.logger.warn({ channel: this.id, status: r.status, description: (r.body as TgAnswer)?.description }, 'telegram setWebhook refused');
      } catch (err) {
        this.ctx.logger.warn({ channel: this.id, reason: (err as Error).message }, 'telegram setWebhook failed');
      }
      await this.sleep(delay);
      delay = Math.min(delay * 2, MAX_POLL_BACKOFF_MS);
    }
  }

  private async poll(): Promise<void> {
    let delay = 500;
    while (this.running) {
      try {
        const wait = this.cfg.pollTimeoutSeconds;
        const r = await this.call('getUpdates', { offset: this.offset, timeout: wait, allowed_updates: ALLOWED_UPDATES }, (wait + 10) * 1000, this.abort.signal);
        const answer = r.body as TgAnswer;
        if (r.status === 409) {
          // A webhook is set (or another poller runs): polling and webhooks exclude each other.
          this.ctx.logger.warn({ channel: this.id }, 'telegram getUpdates conflicts with a webhook; deleting it');
          await this.call('deleteWebhook', {}, this.ctx.timeoutMs, this.abort.signal).catch(() => undefined);
          throw new SwitchboardError('SWB_ERR_PROVIDER_UNAVAILABLE', 'getUpdates 409');
        }
        if (r.status !== 200 || !answer?.ok || !Array.isArray(answer.result)) {
          const retryAfter = answer?.parameters?.retry_after;
          throw new SwitchboardError('SWB_ERR_PROVIDER_UNAVAILABLE', `getUpdates answered ${r.status}${retryAfter ? `, retry after ${retryAfter}s` : ''}`);
        }
        await this.take(answer.result as TgUpdate[]);
        this.healthy = true;
        delay = 500;
      } catch (err) {
        if (!this.running) return;
        this.healthy = false;
        this.ctx.logger.warn({ channel: this.id, reason: (err as Error).message, retryInMs: delay }, 'telegram polling failed');
        await this.sleep(delay);
        delay = Math.min(delay * 2, MAX_POLL_BACKOFF_MS);
      }
    }
  }

  /** A batch of polled updates, stored with the offset that confirms them to Telegram. */
  private async take(updates: TgUpdate[]): Promise<void> {
    const valid = updates.filter(isUpdate);
    if (valid.length === 0) return;
    const next = Math.max(...valid.map((u) => u.update_id)) + 1;
    await this.ctx.ingest.accept(this.info, valid.flatMap(normalizeUpdate), {
      fetchFile: (f) => this.download(f),
      inTxn: () => this.db.putSync(['tg-offset', this.id], next),
    });
    this.offset = next;
  }

  async webhook(req: WebhookRequest): Promise<WebhookReply> {
    if (req.method !== 'POST' || this.cfg.mode !== 'webhook' || this.secret === null) return refusal('SWB_ERR_NOT_FOUND');
    const presented = req.headers['x-telegram-bot-api-secret-token'];
    if (typeof presented !== 'string') return unauthorized(401);
    if (!this.secretOk(presented)) return unauthorized(403);
    let body: unknown;
    try {
      body = JSON.parse(req.raw.toString('utf8'));
    } catch {
      return refusal('SWB_ERR_BAD_REQUEST', 'body is not valid JSON');
    }
    if (!isUpdate(body)) return refusal('SWB_ERR_VALIDATION', 'not a Telegram Update (no update_id)');
    await this.ctx.ingest.accept(this.info, normalizeUpdate(body), { fetchFile: (f) => this.download(f), limitSenders: true });
    return { status: 200, body: { ok: true } };
  }

  /** getFile, then the file itself from /file/bot<token>/<file_path>. */
  private async download(file: RemoteFile) {
    const limit = this.ctx.attachments.maxBytes;
    if (file.bytes !== undefined && file.bytes > limit) return this.ctx.attachments.refused(file, 'too_large');
    const r = await this.call('getFile', { file_id: file.ref });
    const result = (r.body as TgAnswer)?.result as { file_path?: string; file_size?: number } | undefined;
    if (r.status >= 500 || r.status === 429) throw new SwitchboardError('SWB_ERR_PROVIDER_UNAVAILABLE', `getFile answered ${r.status}`);
    // The Bot API refuses files over 20 MB with 400 "file is too big".
    if (r.status === 400 && /too big/i.test(String((r.body as TgAnswer)?.description))) return this.ctx.attachments.refused(file, 'too_large');
    if (r.status !== 200 || !result?.file_path) return this.ctx.attachments.refused(file, 'unavailable');
    const sized = result.file_size ? { ...file, bytes: result.file_size } : file;
    return this.ctx.attachments.download(`${this.cfg.apiBase}/file/bot${this.token}/${result.file_path}`, {}, sized);
  }

  /**
   * One sendDocument per file (the text as the first one's caption, or a
   * sendMessage before them when it is too long for one), each recorded before
   * the next: Telegram cannot deduplicate, so only the part in flight at a crash
   * can arrive twice. (sendMediaGroup would make a crash resend the whole album.)
   */
  async send(item: OutboxItem, signal: AbortSignal, partSent: PartSent): Promise<SendOutcome> {
    const guarded = (fn: () => Promise<ProviderResponse>) => async (): Promise<SendOutcome> => {
      try {
        return classify(await fn(), item.to);
      } catch (err) {
        return transient(err);
      }
    };
    const text = (t: string) => guarded(() => this.call('sendMessage', { chat_id: item.to, text: t }, this.ctx.timeoutMs, signal));
    const file = (i: number, caption: string | undefined) =>
      guarded(async () => {
        const attachment = item.attachments[i]!;
        const form = new FormData();
        form.set('chat_id', item.to);
        if (caption) form.set('caption', caption);
        form.set('document', new Blob([await readFile(this.ctx.attachments.pathOf(attachment))], { type: attachment.mime }), attachment.name ?? 'file');
        return callProvider(this.method('sendDocument'), { method: 'POST', body: form, timeoutMs: this.ctx.timeoutMs, signal });
      });
    return sendParts(item, partsOf(item, text, file), partSent);
  }

  /** For logs and tests: how this bridge's URLs look once redacted. */
  redacted(name: string): string {
    return redactUrl(this.method(name));
  }
}

function unauthorized(status: 401 | 403): WebhookReply {
  return status === 401 ? refusal('SWB_ERR_UNAUTHENTICATED', 'X-Telegram-Bot-Api-Secret-Token is missing') : refusal('SWB_ERR_WEBHOOK_SIGNATURE', 'X-Telegram-Bot-Api-Secret-Token does not match');
}

/** Bot API answers (core.telegram.org/bots/api#making-requests, #responseparameters) to an outbox decision. */
export function classify(r: ProviderResponse, chatId: string): SendOutcome {
  const a = (r.body ?? {}) as TgAnswer;
  if (r.status === 200 && a.ok) {
    const id = (a.result as { message_id?: number } | undefined)?.message_id;
    return { ok: true, externalId: `${chatId}:${id ?? 'unknown'}` };
  }
  const reason = `telegram ${a.error_code ?? r.status}: ${String(a.description ?? 'no description').slice(0, 200)}`;
  if (r.status === 429) {
    const after = Number(a.parameters?.retry_after);
    return { ok: false, retry: true, reason, ...(Number.isFinite(after) && after >= 0 ? { afterMs: after * 1000, scope: 'channel' as const } : {}) };
  }
  if (r.status >= 500) return { ok: false, retry: true, reason };
  // 401/404: the token is wrong or revoked; an admin fixes the config, and the replies wait for it.
  if (r.status === 401 || r.status === 404) return { ok: false, retry: true, reason };
  // 400 (chat not found, text too long), 403 (the user blocked the bot): sending again cannot help.
  return { ok: false, retry: false, reason };
}
