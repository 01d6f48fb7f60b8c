import type { ServerResponse } from 'node:http';
import { FakeServer, type Received } from './fake-server.js';

export const VK = { groupId: 218000001, accessToken: 'vk1.a.fakeCommunityTokenForTests0123456789', secret: 'vk-callback-secret-42', confirmation: 'a1b2c3d4' };

export interface VkSent {
  peerId: string;
  text: string;
  randomId: number;
  messageId: number;
}

/**
 * The VK API as documented (dev.vk.com/method/messages.send): methods POSTed
 * as forms with access_token and v, errors as HTTP 200 with
 * {error: {error_code, error_msg}} (5 bad token, 100 bad parameter, 6 and 9
 * rate limits), random_id required and honoured (a resend with the same
 * random_id returns the first message's id and delivers nothing), and the Bots
 * Long Poll server. `acceptThenHang(n)` delivers the next n messages and then
 * never answers: a crash between the provider's send and our commit.
 */
export class FakeVk extends FakeServer {
  readonly sent: VkSent[] = [];
  private readonly byRandomId = new Map<string, number>();
  private nextId = 1;
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
    if (m[1] !== 'messages.send') return this.error(res, 3, 'Unknown method passed');
    const peerId = p.get('peer_id') ?? '';
    const randomId = p.get('random_id');
    const text = p.get('message') ?? '';
    if (!/^-?\d+$/.test(peerId)) return this.error(res, 100, 'One of the parameters specified was missing or invalid: peer_id is undefined');
    if (randomId === null || !/^-?\d+$/.test(randomId)) return this.error(res, 100, 'One of the parameters specified was missing or invalid: random_id is a required parameter');
    if (!text) return this.error(res, 100, 'One of the parameters specified was missing or invalid: message is empty or invalid');
    const key = `${peerId}:${randomId}`;
    let id = this.byRandomId.get(key);
    if (id === undefined) {
      id = this.nextId++;
      this.byRandomId.set(key, id);
      this.sent.push({ peerId, text, randomId: Number(randomId), messageId: id });
    }
    if (this.hangAfterAccept > 0) {
      this.hangAfterAccept--;
      return; // delivered, never answered
    }
    this.json(res, 200, { response: id });
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
