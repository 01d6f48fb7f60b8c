import type { FastifyReply, FastifyRequest } from 'fastify';
import { SwitchboardError } from '../../common/errors.js';
import type { Principal } from '../../domain/access/roles.js';
import type { ConversationService } from '../../domain/conversations/conversations.js';
import { canSee } from '../../domain/conversations/visibility.js';
import { canSeeCall } from '../../domain/events/call-visibility.js';
import { principalOf } from '../../http/request.js';
import type { SessionsEnded } from '../../domain/access/sessions.js';
import type { LiveBus, LiveEvent } from '../core/live.js';
import { credentialOf } from '../../http/browser-cookie.js';

/** Where the stream hears that sessions ended (SessionService.onEnded). */
export interface SessionEndings {
  onEnded(fn: SessionsEnded): () => void;
  get(id: string): unknown;
}

const HEARTBEAT_MS = 15_000;
/** How often a stream looks its session up: one LMDB read, and it catches an end committed by another process. */
const SESSION_CHECK_MS = 1000;

/**
 * Server-Sent Events for operators' screens, authenticated like the rest of
 * the API (Authorization: Bearer, sent by fetch(), or the console's session
 * cookie, sent by EventSource; a token never goes in a URL).
 * Each event is filtered through the same rule as GET /conversations, so an
 * operator is told only about conversations they may see, and a call through
 * canSeeCall (their extension's, their department's; the extension is read at
 * each call, so a changed one takes effect at once). A session ended in
 * this process (logout, revoke, user disabled or role changed, new password,
 * sweep) ends its streams at once; one ended by another process (the CLI) is
 * seen by a read of the session every second; the token is checked again at
 * each heartbeat (expiry, the user disabled).
 */
export async function liveStream(request: FastifyRequest, reply: FastifyReply, bus: LiveBus, conversations: ConversationService, authenticate: (secret: string) => Principal | null, sessions: SessionEndings, extensionOf: (username: string) => string | null): Promise<void> {
  if (!String(request.headers.accept ?? '').includes('text/event-stream')) {
    throw new SwitchboardError('SWB_ERR_BAD_REQUEST', 'this is an event stream: send Accept: text/event-stream');
  }
  const who = principalOf(request);
  const secret = credentialOf(request) ?? '';
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
  res.write(`retry: 2000\n: connected\n\n`);

  const send = (event: LiveEvent): void => {
    if (event.type === 'call') {
      if (canSeeCall(who, event.call, who.kind === 'user' ? extensionOf(who.id) : null)) res.write(`event: call\ndata: ${JSON.stringify(event)}\n\n`);
      return;
    }
    const conv = conversations.get(event.conversationId);
    if (!conv || !canSee(who, conv)) return;
    const data = event.type === 'conversation' ? { type: event.type, conversation: conv } : event;
    res.write(`event: ${event.type}\ndata: ${JSON.stringify(data)}\n\n`);
  };
  const unsubscribe = bus.subscribe(send);
  let closed = false;
  const revoked = (how: 'ended' | 'gone' | 'heartbeat'): void => {
    if (closed) return;
    closed = true;
    request.log.info({ user: who.id, session: who.sessionId?.slice(0, 12) ?? null, how }, 'live stream closed: its session ended');
    res.end();
  };
  const stopHearing = who.sessionId ? sessions.onEnded((ids) => ids.includes(who.sessionId!) && revoked('ended')) : () => undefined;
  const check = who.sessionId ? setInterval(() => sessions.get(who.sessionId!) === null && revoked('gone'), SESSION_CHECK_MS) : null;
  check?.unref();
  const beat = setInterval(() => {
    if (!authenticate(secret)) return revoked('heartbeat');
    res.write(': heartbeat\n\n');
  }, HEARTBEAT_MS);
  beat.unref();
  const end = (): void => {
    clearInterval(beat);
    if (check) clearInterval(check);
    unsubscribe();
    stopHearing();
  };
  res.on('close', end);
  request.raw.on('close', end);
}
