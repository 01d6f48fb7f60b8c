import type { ServerResponse } from 'node:http';
import { FakeServer, parseForm, type Received } from './fake-server.js';

export const TG_TOKEN = '123456789:AAHfakeTokenForTestsOnly_abcdefghijk';

export interface TgSent {
  method: string;
  chatId: string;
  text: string;
  messageId: number;
  document?: { name: string; bytes: number };
}

/**
 * The Telegram Bot API as documented (core.telegram.org/bots/api): the token in
 * the path (/bot<token>/METHOD, 401 Unauthorized otherwise), {ok, result} or
 * {ok: false, error_code, description, parameters}, getUpdates with offset
 * confirmation and long polling, 409 while a webhook is set, and (when
 * `enforceLimits`) 429 with parameters.retry_after past ~1 message/s per chat
 * or 30/s per bot.
 */
export class FakeTelegram extends FakeServer {
  readonly sent: TgSent[] = [];
  readonly files = new Map<string, Buffer>();
  webhook: { url: string; secret: string | null } | null = null;
  enforceLimits = false;
  blockedChats = new Set<string>();
  private updates: Array<Record<string, unknown>> = [];
  private nextUpdateId = 1000;
  private nextMessageId = 1;
  private waiting: Array<() => void> = [];
  private readonly lastPerChat = new Map<string, number>();
  private readonly recent: number[] = [];

  constructor(readonly token = TG_TOKEN) {
    super();
  }

  /** An update for getUpdates; returns its update_id. */
  push(update: Record<string, unknown>): number {
    const id = this.nextUpdateId++;
    this.updates.push({ update_id: id, ...update });
    for (const w of this.waiting.splice(0)) w();
    return id;
  }

  addFile(fileId: string, data: Buffer): void {
    this.files.set(fileId, data);
  }

  textsTo(chatId: string | number): string[] {
    return this.sent.filter((s) => s.chatId === String(chatId)).map((s) => s.text);
  }

  private ok(res: ServerResponse, result: unknown): void {
    this.json(res, 200, { ok: true, result });
  }

  private fail(res: ServerResponse, code: number, description: string, parameters?: Record<string, unknown>): void {
    this.json(res, code, { ok: false, error_code: code, description, ...(parameters ? { parameters } : {}) });
  }

  private async params(req: Received): Promise<Record<string, unknown>> {
    const type = String(req.headers['content-type'] ?? '');
    if (type.startsWith('multipart/form-data')) {
      const form = await parseForm(req);
      const out: Record<string, unknown> = {};
      for (const [k, v] of form.entries()) out[k] = v;
      return out;
    }
    if (type.startsWith('application/json')) return req.body.length ? (JSON.parse(req.body.toString()) as Record<string, unknown>) : {};
    return {};
  }

  protected async handle(req: Received, url: URL, res: ServerResponse): Promise<void> {
    const file = /^\/file\/bot([^/]+)\/(.+)$/.exec(url.pathname);
    if (file) {
      if (file[1] !== this.token) return this.fail(res, 401, 'Unauthorized');
      const data = this.files.get(file[2]!.replace(/^documents\/(.+)\.bin$/, '$1'));
      if (!data) return this.fail(res, 404, 'Not Found');
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': data.length });
      return void res.end(data);
    }
    const m = /^\/bot([^/]+)\/(\w+)$/.exec(url.pathname);
    if (!m) return this.fail(res, 404, 'Not Found');
    if (m[1] !== this.token) return this.fail(res, 401, 'Unauthorized');
    const p = await this.params(req);
    switch (m[2]) {
      case 'getMe':
        return this.ok(res, { id: 123456789, is_bot: true, first_name: 'Fake', username: 'fake_bot' });
      case 'setWebhook': {
        const secret = p.secret_token === undefined || p.secret_token === null ? null : String(p.secret_token);
        if (secret !== null && !/^[A-Za-z0-9_-]{1,256}$/.test(secret)) return this.fail(res, 400, 'Bad Request: secret token contains unallowed characters');
        if (typeof p.url !== 'string' || !/^https?:\/\//.test(p.url)) return this.fail(res, 400, 'Bad Request: bad webhook: An HTTPS URL must be provided for webhook');
        this.webhook = { url: p.url, secret };
        return this.ok(res, true);
      }
      case 'deleteWebhook':
        this.webhook = null;
        return this.ok(res, true);
      case 'getUpdates':
        return this.getUpdates(p, res);
      case 'getFile': {
        const id = String(p.file_id ?? '');
        const data = this.files.get(id);
        if (!data) return this.fail(res, 400, 'Bad Request: invalid file_id');
        if (data.length > 20 * 1024 * 1024) return this.fail(res, 400, 'Bad Request: file is too big');
        return this.ok(res, { file_id: id, file_unique_id: `u${id}`, file_size: data.length, file_path: `documents/${id}.bin` });
      }
      case 'sendMessage':
      case 'sendDocument':
        return this.send(m[2], p, res);
      default:
        return this.fail(res, 404, 'Not Found');
    }
  }

  private async getUpdates(p: Record<string, unknown>, res: ServerResponse): Promise<void> {
    if (this.webhook) return this.fail(res, 409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first");
    const offset = Number(p.offset ?? 0);
    // An offset confirms every update below it: Telegram forgets them.
    if (offset > 0) this.updates = this.updates.filter((u) => (u.update_id as number) >= offset);
    const timeout = Math.min(Number(p.timeout ?? 0), 50) * 1000;
    if (this.updates.length === 0 && timeout > 0) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, timeout);
        this.waiting.push(() => (clearTimeout(t), resolve()));
        res.on('close', () => (clearTimeout(t), resolve()));
      });
    }
    const limit = Math.min(Number(p.limit ?? 100), 100);
    this.ok(res, this.updates.slice(0, limit));
  }

  private async send(method: string, p: Record<string, unknown>, res: ServerResponse): Promise<void> {
    const chatId = p.chat_id === undefined ? '' : String(p.chat_id);
    if (!chatId) return this.fail(res, 400, 'Bad Request: chat_id is empty');
    let document: TgSent['document'];
    let text: string;
    if (method === 'sendDocument') {
      const doc = p.document;
      if (!(doc instanceof Blob)) return this.fail(res, 400, 'Bad Request: there is no document in the request');
      document = { name: (doc as File).name ?? 'file', bytes: doc.size };
      text = String(p.caption ?? '');
      if (text.length > 1024) return this.fail(res, 400, 'Bad Request: message caption is too long');
    } else {
      text = typeof p.text === 'string' ? p.text : '';
      if (!text.trim()) return this.fail(res, 400, 'Bad Request: message text is empty');
      if (text.length > 4096) return this.fail(res, 400, 'Bad Request: message is too long');
    }
    if (this.blockedChats.has(chatId)) return this.fail(res, 403, 'Forbidden: bot was blocked by the user');
    const now = Date.now();
    if (this.enforceLimits) {
      while (this.recent.length && this.recent[0]! < now - 1000) this.recent.shift();
      const last = this.lastPerChat.get(chatId) ?? 0;
      // "About" one a second: Telegram does not count to the millisecond, so neither does the fake.
      if (now - last < 950 || this.recent.length >= 30) return this.fail(res, 429, 'Too Many Requests: retry after 1', { retry_after: 1 });
    }
    this.recent.push(now);
    this.lastPerChat.set(chatId, now);
    const messageId = this.nextMessageId++;
    this.sent.push({ method, chatId, text, messageId, ...(document ? { document } : {}) });
    this.ok(res, { message_id: messageId, date: Math.floor(now / 1000), chat: { id: Number(chatId), type: 'private' }, ...(document ? { caption: text } : { text }) });
  }
}

/** A private-chat text message Update, as Telegram sends it. */
export function tgText(chatId: number, text: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { message: { message_id: Math.floor(Math.random() * 1e9), date: Math.floor(Date.now() / 1000), chat: { id: chatId, type: 'private', first_name: 'Ivan', last_name: 'Petrov' }, from: { id: chatId, is_bot: false, first_name: 'Ivan' }, text, ...extra } };
}
