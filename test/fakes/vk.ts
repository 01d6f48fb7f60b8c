import type { ServerResponse } from 'node:http';
import { FakeServer, parseForm, type Received } from './fake-server.js';

export const VK = { groupId: 218000001, accessToken: 'vk1.a.fakeCommunityTokenForTests0123456789', secret: 'vk-callback-secret-42', confirmation: 'a1b2c3d4' };

export interface VkSent {
  peerId: string;
  text: string;
  randomId: number;
  messageId: number;
  conversationMessageId: number;
  /** The docs of the `attachment` parameter, as uploaded. */
  docs: Array<{ title: string; bytes: number }>;
}

/**
 * The VK API as documented (dev.vk.com/method/messages.send): methods POSTed
 * as forms with access_token and v, errors as HTTP 200 with
 * {error: {error_code, error_msg}} (5 bad token, 100 bad parameter, 6 and 9
 * rate limits), random_id required and honoured (a resend with the same
 * random_id returns the first message's id and delivers nothing), and the Bots
 * Long Poll server. Files go docs.getMessagesUploadServer -> multipart upload
 * (field `file`) -> docs.save -> "doc<owner>_<id>" in messages.send's
 * comma-separated `attachment` (at most 10, message or attachment required).
 * `acceptThenHang(n)` delivers the next n messages and then never answers: a
 * crash between the provider's send and our commit.
 */
export class FakeVk extends FakeServer {
  readonly sent: VkSent[] = [];
  private readonly byRandomId = new Map<string, number>();
  private nextId = 1;
  private readonly uploads = new Map<string, { title: string; bytes: number }>();
  private readonly docs = new Map<string, { title: string; bytes: number }>();
  private readonly cmids = new Map<string, number>();
  private hangAfterAccept = 0;
  private events: Array<Record<string, unknown>> = [];
  private ts = 1;
  private waiting: Array<() => void> = [];
  readonly lpKey = 'lp-key-1';

  constructor(readonly cfg = VK) {
    super();
  }

  acceptThenHang(count: number): void {
    this.hangAfterAccept = count;
  }

  textsTo(peerId: string | number): string[] {
    return this.sent.filter((s) => s.peerId === String(peerId)).map((s) => s.text);
  }

  /** An event for the long poll. */
  push(event: Record<string, unknown>): void {
    this.events.push({ group_id: this.cfg.groupId, event_id: `ev${this.ts}`, v: '5.199', ...event });
    this.ts++;
    for (const w of this.waiting.splice(0)) w();
  }

  private error(res: ServerResponse, code: number, msg: string): void {
    this.json(res, 200, { error: { error_code: code, error_msg: msg, request_params: [] } });
  }

  protected async handle(req: Received, url: URL, res: ServerResponse): Promise<void> {
    if (url.pathname === '/lp') return this.longPoll(url, res);
    if (url.pathname === '/upload') return this.upload(req, url, res);
    const m = /^\/method\/([\w.]+)$/.exec(url.pathname);
    if (!m) return this.json(res, 404, { error: 'not found' });
    const p = new URLSearchParams(req.body.toString());
    for (const [k, v] of url.searchParams) p.set(k, v);
    if (p.get('access_token') !== this.cfg.accessToken) return this.error(res, 5, 'User authorization failed: invalid access_token (4).');
    if (!p.get('v')) return this.error(res, 8, 'Invalid request: v (version) is required');
    if (m[1] === 'groups.getLongPollServer') {
      if (Number(p.get('group_id')) !== this.cfg.groupId) return this.error(res, 100, 'One of the parameters specified was missing or invalid: group_id is undefined');
      return this.json(res, 200, { response: { key: this.lpKey, server: `${this.url}/lp`, ts: String(this.ts) } });
    }
    if (m[1] === 'docs.getMessagesUploadServer') {
      if (p.get('type') !== 'doc' || !/^\d+$/.test(p.get('peer_id') ?? '')) return this.error(res, 100, 'One of the parameters specified was missing or invalid: peer_id is undefined');
      return this.json(res, 200, { response: { upload_url: `${this.url}/upload?act=add_doc&mid=${this.cfg.groupId}&peer=${p.get('peer_id')}` } });
    }
    if (m[1] === 'docs.save') {
      const up = this.uploads.get(p.get('file') ?? '');
      if (!up) return this.error(res, 100, 'One of the parameters specified was missing or invalid: file is invalid');
      const id = this.nextId++;
      this.docs.set(`doc-${this.cfg.groupId}_${id}`, { title: p.get('title') ?? up.title, bytes: up.bytes });
      return this.json(res, 200, { response: { type: 'doc', doc: { id, owner_id: -this.cfg.groupId, title: p.get('title') ?? up.title, size: up.bytes, ext: 'bin', url: `${this.url}/doc/${id}` } } });
    }
    if (m[1] !== 'messages.send') return this.error(res, 3, 'Unknown method passed');
    const peerId = p.get('peer_id') ?? '';
    const randomId = p.get('random_id');
    const text = p.get('message') ?? '';
    const attachment = p.get('attachment');
    const names = attachment ? attachment.split(',') : [];
    if (!/^-?\d+$/.test(peerId)) return this.error(res, 100, 'One of the parameters specified was missing or invalid: peer_id is undefined');
    if (randomId === null || !/^-?\d+$/.test(randomId)) return this.error(res, 100, 'One of the parameters specified was missing or invalid: random_id is a required parameter');
    if (!text && names.length === 0) return this.error(res, 100, 'One of the parameters specified was missing or invalid: message is empty or invalid');
    if (names.length > 10) return this.error(res, 100, 'One of the parameters specified was missing or invalid: too many attachments');
    const docs = names.map((n) => this.docs.get(n));
    if (docs.some((d) => !d)) return this.error(res, 100, 'One of the parameters specified was missing or invalid: attachment is invalid');
    const key = `${peerId}:${randomId}`;
    let id = this.byRandomId.get(key);
    if (id === undefined) {
      id = this.nextId++;
      this.byRandomId.set(key, id);
      const cmid = (this.cmids.get(peerId) ?? 0) + 1;
      this.cmids.set(peerId, cmid);
      this.sent.push({ peerId, text, randomId: Number(randomId), messageId: id, conversationMessageId: cmid, docs: docs as VkSent['docs'] });
    }
    if (this.hangAfterAccept > 0) {
      this.hangAfterAccept--;
      return; // delivered, never answered
    }
    this.json(res, 200, { response: id });
  }

  /** The upload server: multipart with the file in `file`, answered {file} for docs.save. */
  private async upload(req: Received, url: URL, res: ServerResponse): Promise<void> {
    if (url.searchParams.get('act') !== 'add_doc') return this.json(res, 200, { error: 'invalid upload url' });
    const file = (await parseForm(req)).get('file');
    if (!(file instanceof Blob) || file.size === 0) return this.json(res, 200, { error: 'no file' });
    const token = `${this.cfg.groupId}|${this.uploads.size + 1}|${Math.random().toString(36).slice(2)}`;
    this.uploads.set(token, { title: (file as File).name ?? 'file', bytes: file.size });
    this.json(res, 200, { file: token });
  }

  /** message_read as VK sends it when the peer has read the dialog up to `messageId` (our reply's id). */
  readEvent(peerId: number, messageId: number): Record<string, unknown> {
    const cmid = this.sent.find((s) => s.messageId === messageId)?.conversationMessageId ?? 0;
    return { type: 'message_read', object: { from_id: peerId, peer_id: peerId, read_message_id: messageId, conversation_message_id: cmid } };
  }

  private async longPoll(url: URL, res: ServerResponse): Promise<void> {
    if (url.searchParams.get('act') !== 'a_check') return this.json(res, 200, { failed: 2 });
    if (url.searchParams.get('key') !== this.lpKey) return this.json(res, 200, { failed: 2 });
    const ts = Number(url.searchParams.get('ts'));
    const wait = Math.min(Number(url.searchParams.get('wait') ?? 25), 90) * 1000;
    const pending = () => this.events.filter((e) => Number(String(e.event_id).slice(2)) >= ts);
    if (pending().length === 0) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, wait);
        this.waiting.push(() => (clearTimeout(t), resolve()));
        res.on('close', () => (clearTimeout(t), resolve()));
      });
    }
    this.json(res, 200, { ts: String(this.ts), updates: pending() });
  }
}

/** A message_new event (API 5.103+ shape) as the Callback API or Long Poll sends it. */
export function vkMessage(fromId: number, text: string, id = Math.floor(Math.random() * 1e6), extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { type: 'message_new', object: { message: { id, date: Math.floor(Date.now() / 1000), peer_id: fromId, from_id: fromId, text, attachments: [], ...extra }, client_info: { keyboard: true } } };
}
