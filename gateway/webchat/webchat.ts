import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import websocket from '@fastify/websocket';
import type { WebSocket } from 'ws';
import { createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import type { Attachment } from '../../domain/history/events.js';
import type { Key } from 'lmdb';
import { SwitchboardError, isSwitchboardError } from '../../common/errors.js';
import type { ClientService } from '../../domain/clients/clients.js';
import type { HistoryService } from '../../domain/history/history.js';
import { Value } from '@sinclair/typebox/value';
import { WebchatVisitorsSchema, type WebchatChannelConfig, type WebchatVisitorsConfig } from '../config.js';
import type { Bridge, BridgeContext, OutboxItem } from '../core/bridge.js';
import type { ChannelInfo } from '../core/ingest.js';
import type { SendOutcome } from '../core/provider-http.js';
import { sameSecret } from '../core/secrets.js';
import { widgetScript } from './widget.js';
import { REFUSAL_REASONS, VisitorGate, addressKey, originKey, type Refusal, type Source } from './visitors.js';

const HELLO_TIMEOUT_MS = 10_000;
const MAX_FRAME = 16 * 1024;
const WELCOME_MESSAGES = 100;

interface Frame {
  type?: string;
  token?: string | null;
  id?: string;
  text?: string;
}

/** Closes the tabs of a visitor identity that expired unused; the widget then forgets its token. */
const EXPIRED = 4000;

/**
 * Web chat: the widget on the firm's site talks to this bridge over a WebSocket
 * on the public listener. A visitor is known by a token the bridge signs
 * (visitorId + HMAC with a per-channel key kept in the store), so the server
 * keeps no row per page view and a visitor can only ever name themselves:
 * a forged or foreign token is replaced by a fresh identity, never honoured.
 * A token names someone only while its visitor is a client (has written) or is
 * still pending in the VisitorGate; new identities and first messages are
 * limited per source address and per Origin there.
 */
export class WebchatBridge implements Bridge {
  readonly type = 'webchat' as const;
  readonly identityKind = 'webchat' as const;
  readonly id: string;
  private readonly info: ChannelInfo;
  private key: Buffer = Buffer.alloc(0);
  private readonly sockets = new Map<string, Set<WebSocket>>();
  readonly visitors: VisitorGate;
  private sweeper: NodeJS.Timeout | null = null;

  constructor(
    private readonly cfg: WebchatChannelConfig,
    private readonly ctx: BridgeContext,
    private readonly clients: ClientService,
    private readonly history: HistoryService,
  ) {
    this.id = cfg.id;
    this.info = { id: cfg.id, type: 'webchat', department: cfg.department ?? null };
    // A channel provisioned before these settings existed was stored without them.
    this.visitors = new VisitorGate(Value.Default(WebchatVisitorsSchema, structuredClone(cfg.visitors ?? {})) as WebchatVisitorsConfig);
    for (const reason of REFUSAL_REASONS) ctx.metrics.webchatRefusals.inc({ channel: cfg.id, reason }, 0);
  }

  async start(): Promise<void> {
    const db = this.ctx.store.db<Buffer, Key>('channels');
    this.key = await this.ctx.store.write(() => {
      const have = db.get(['wc-key', this.id]);
      if (have) return Buffer.from(have);
      const fresh = randomBytes(32);
      db.putSync(['wc-key', this.id], fresh);
      return fresh;
    });
    this.sweeper = setInterval(() => this.expireIdle(), this.visitors.sweepMs);
    this.sweeper.unref();
  }

  /** Forgets the visitors who never wrote within their lifetime, and closes their tabs. */
  expireIdle(now?: number): void {
    for (const id of this.visitors.expire(now)) {
      for (const ws of this.sockets.get(id) ?? []) ws.close(EXPIRED, 'visitor expired');
      this.sockets.delete(id);
    }
  }

  async stop(): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper);
    for (const set of this.sockets.values()) for (const ws of set) ws.close(1001, 'server stopping');
    this.sockets.clear();
  }

  health(): 'ok' | 'down' {
    return 'ok';
  }

  private sign(visitorId: string): string {
    return createHmac('sha256', this.key).update(visitorId).digest('base64url');
  }

  private visitorOf(token: unknown): string | null {
    if (typeof token !== 'string' || token.length > 200) return null;
    const [visitorId, mac] = token.split('.');
    if (!visitorId || !mac || !/^[0-9a-f-]{36}$/.test(visitorId)) return null;
    return sameSecret(mac, this.sign(visitorId)) ? visitorId : null;
  }

  /**
   * The outbox hands a reply here. It is the visitor's as soon as it is stored
   * (shown at their next visit); the id is the outbox item's, so a resend after a
   * crash carries the same id and the widget shows each id once.
   */
  async send(item: OutboxItem): Promise<SendOutcome> {
    return { ok: true, externalId: item.id };
  }

  /**
   * A reply's files as links the widget can open without a header (an <a href>):
   * capability URLs signed with the channel key over the hash, type and name, so
   * only a visitor the reply was pushed to learns one, and none can be made up.
   */
  private files(attachments: Attachment[]): Array<{ name: string; mime: string; bytes: number; url: string }> {
    return attachments
      .filter((a) => a.file && a.sha256)
      .map((a) => {
        const name = a.name ?? 'file';
        const q = new URLSearchParams({ name, mime: a.mime, sig: this.fileSig(a.sha256!, a.mime, name) });
        return { name, mime: a.mime, bytes: a.bytes, url: `/webchat/${encodeURIComponent(this.id)}/files/${a.sha256}?${q}` };
      });
  }

  private fileSig(sha256: string, mime: string, name: string): string {
    return createHmac('sha256', this.key).update(`file\u0000${sha256}\u0000${mime}\u0000${name}`).digest('base64url');
  }

  /** Pushed to open tabs only after `sent` is committed, so the widget's receipts always find the message. */
  committed(item: OutboxItem): void {
    const frame = JSON.stringify({ type: 'message', id: item.id, text: item.text, files: this.files(item.attachments), at: item.createdAt });
    for (const ws of this.sockets.get(item.to) ?? []) if (ws.readyState === ws.OPEN) ws.send(frame);
  }

  /** The visitor's own messages on this channel, oldest first; replies not yet sent are pushed when they are. */
  private transcript(visitorId: string): Array<{ id: string; direction: string; text: string; files: ReturnType<WebchatBridge['files']>; at: string }> {
    const client = this.clients.findByIdentity('webchat', visitorId);
    if (!client) return [];
    const out = [];
    for (const e of this.history.page(client.id, { limit: 200 }).items) {
      if (e.kind !== 'message' || e.channel !== this.id || !e.payload.externalId) continue;
      out.push({ id: e.direction === 'in' ? e.payload.externalId.slice(visitorId.length + 1) : e.payload.externalId, direction: e.direction ?? 'in', text: e.payload.text, files: this.files(e.payload.attachments), at: e.at });
      if (out.length === WELCOME_MESSAGES) break;
    }
    return out.reverse();
  }

  /** The refusal as a frame the widget shows, and into the metric; the caller decides whether the socket stays. */
  private refused(refusal: Refusal, reply: (f: Record<string, unknown>) => void, id?: string): void {
    this.ctx.metrics.webchatRefusals.inc({ channel: this.id, reason: refusal.reason });
    reply({ type: 'error', ...(id ? { id } : {}), code: 'SWB_ERR_RATE_LIMITED', message: refusal.message, retryAfterSeconds: refusal.retryAfterSeconds });
  }

  /** The visitor a hello's token names, if it still names one; otherwise a new one, if the limits allow. */
  private greet(token: unknown, source: Source): string | Refusal {
    const claimed = this.visitorOf(token);
    if (claimed !== null && (this.visitors.has(claimed) || this.clients.findByIdentity('webchat', claimed))) return claimed;
    const fresh = randomUUID();
    return this.visitors.issue(fresh, source) ?? fresh;
  }

  private connected(ws: WebSocket, source: Source): void {
    let visitorId: string | null = null;
    const reply = (f: Record<string, unknown>): void => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(f));
    };
    const helloTimer = setTimeout(() => visitorId === null && ws.close(1008, 'hello expected'), HELLO_TIMEOUT_MS);
    ws.on('close', () => {
      clearTimeout(helloTimer);
      const set = visitorId ? this.sockets.get(visitorId) : undefined;
      set?.delete(ws);
      if (set?.size === 0) this.sockets.delete(visitorId!);
    });
    ws.on('message', (data) => {
      // Frames already received when the socket was closed (an expired visitor) are not acted on.
      if (ws.readyState !== ws.OPEN) return;
      let f: Frame;
      try {
        f = JSON.parse(String(data)) as Frame;
      } catch {
        return reply({ type: 'error', code: 'SWB_ERR_BAD_REQUEST' });
      }
      if (f.type === 'hello' && visitorId === null) {
        const greeted = this.greet(f.token, source);
        if (typeof greeted !== 'string') {
          this.refused(greeted, reply);
          return ws.close(1013, 'try again later');
        }
        visitorId = greeted;
        const set = this.sockets.get(visitorId) ?? new Set();
        set.add(ws);
        this.sockets.set(visitorId, set);
        return reply({ type: 'welcome', token: `${visitorId}.${this.sign(visitorId)}`, messages: this.transcript(visitorId) });
      }
      if (visitorId === null) return reply({ type: 'error', code: 'SWB_ERR_UNAUTHENTICATED' });
      void this.frame(visitorId, source, f, reply);
    });
  }

  private async frame(visitorId: string, source: Source, f: Frame, reply: (f: Record<string, unknown>) => void): Promise<void> {
    const id = typeof f.id === 'string' && /^[\w-]{1,64}$/.test(f.id) ? f.id : null;
    if (!id) return reply({ type: 'error', code: 'SWB_ERR_VALIDATION' });
    try {
      if (f.type === 'message') {
        if (typeof f.text !== 'string' || f.text.trim() === '' || f.text.length > 4096) return reply({ type: 'error', id, code: 'SWB_ERR_VALIDATION' });
        const over = this.visitors.beginWrite(visitorId, source);
        if (over) return this.refused(over, reply, id);
        let stored = false;
        try {
          await this.ctx.ingest.accept(this.info, [{ type: 'message', dedupeKey: `${visitorId}:${id}`, sender: { kind: 'webchat', value: visitorId, name: null }, text: f.text, files: [], externalId: `${visitorId}:${id}` }], { limitSenders: true });
          stored = true;
        } finally {
          this.visitors.done(visitorId, stored);
        }
        return reply({ type: 'ack', id });
      }
      if (f.type === 'received' || f.type === 'seen') {
        // Only a reply to this visitor can be marked by this visitor.
        const ref = this.ctx.ingest.refOf(this.id, id);
        const client = this.clients.findByIdentity('webchat', visitorId);
        if (!ref || !client || (this.clients.get(ref.clientId)?.id ?? ref.clientId) !== client.id) return;
        await this.ctx.ingest.accept(this.info, [{ type: 'status', externalId: id, status: f.type === 'seen' ? 'read' : 'delivered' }]);
        return;
      }
      reply({ type: 'error', id, code: 'SWB_ERR_VALIDATION' });
    } catch (err) {
      reply({ type: 'error', id, code: isSwitchboardError(err) ? err.code : 'SWB_ERR_INTERNAL' });
    }
  }

  /** The widget script and the WebSocket, on the public listener, for every web chat channel. */
  static async register(app: FastifyInstance, bridges: WebchatBridge[]): Promise<void> {
    if (bridges.length === 0) return;
    const byId = new Map(bridges.map((b) => [b.id, b]));
    const find = (request: FastifyRequest): WebchatBridge => {
      const b = byId.get((request.params as { channelId: string }).channelId);
      if (!b) throw new SwitchboardError('SWB_ERR_NOT_FOUND', 'no such web chat');
      return b;
    };
    await app.register(websocket, { options: { maxPayload: MAX_FRAME } });
    app.get('/webchat/:channelId/widget.js', { config: { roles: 'public' } }, async (request, reply) => {
      const b = find(request);
      return reply.type('application/javascript; charset=utf-8').header('cache-control', 'public, max-age=300').send(widgetScript(b.id, b.cfg.title));
    });
    app.get('/webchat/:channelId/files/:sha256', { config: { roles: 'public' } }, async (request, reply) => {
      const b = find(request);
      const { sha256 } = request.params as { sha256: string };
      const q = request.query as { name?: string; mime?: string; sig?: string };
      if (!/^[0-9a-f]{64}$/.test(sha256) || typeof q.name !== 'string' || typeof q.mime !== 'string' || !sameSecret(q.sig, b.fileSig(sha256, q.mime, q.name))) throw new SwitchboardError('SWB_ERR_NOT_FOUND', 'no such file');
      const file = b.ctx.attachments.pathOf({ file: `attachments/${sha256.slice(0, 2)}/${sha256}`, mime: q.mime, bytes: 0 });
      await access(file).catch(() => {
        throw new SwitchboardError('SWB_ERR_NOT_FOUND', 'no such file');
      });
      return reply
        .type(q.mime)
        // A header is Latin-1: the real name travels in RFC 6266's filename*.
        .header('content-disposition', `attachment; filename="${q.name.replace(/[^\x20-\x7e]|["\\]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(q.name)}`)
        .header('content-security-policy', "default-src 'none'")
        .header('x-content-type-options', 'nosniff')
        .send(createReadStream(file));
    });
    app.get(
      '/webchat/:channelId/ws',
      {
        config: { roles: 'public' },
        websocket: true,
        // Only the firm's own pages may open a chat: a browser always sends Origin on a WebSocket.
        preValidation: async (request) => {
          const b = find(request);
          const origin = request.headers.origin;
          if (b.cfg.allowedOrigins.length && (typeof origin !== 'string' || !b.cfg.allowedOrigins.includes(origin))) throw new SwitchboardError('SWB_ERR_FORBIDDEN', 'this page may not open the chat');
        },
      },
      // The socket's own peer: the public listener trusts no forwarding header, so none can pick the address counted.
      (socket, request) => find(request).connected(socket, { address: addressKey(request.socket.remoteAddress), origin: originKey(request.headers.origin) }),
    );
  }
}
