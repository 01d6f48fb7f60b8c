import type { FastifyReply, FastifyRequest } from 'fastify';
import { SwitchboardError } from '../../appliance/errors.js';
import type { Principal } from '../../appliance/access/roles.js';
import type { ConversationService } from '../../appliance/conversations/conversations.js';
import { canSee } from '../../appliance/conversations/visibility.js';
import { principalOf } from '../../appliance/http/plugins/auth.js';
import type { LiveBus, LiveEvent } from '../core/live.js';

const HEARTBEAT_MS = 15_000;

/**
 * Server-Sent Events for operators' screens, authenticated like the rest of
 * the API (Authorization: Bearer, sent by fetch(); a token never goes in a URL).
 * Each event is filtered through the same rule as GET /conversations, so an
 * operator is told only about conversations they may see. The token is checked
 * again at each heartbeat: a revoked session's stream ends within 15 s.
 */
export async function liveStream(request: FastifyRequest, reply: FastifyReply, bus: LiveBus, conversations: ConversationService, authenticate: (secret: string) => Principal | null): Promise<void> {
  if (!String(request.headers.accept ?? '').includes('text/event-stream')) {
    throw new SwitchboardError('SWB_ERR_BAD_REQUEST', 'this is an event stream: send Accept: text/event-stream');
  }
  const who = principalOf(request);
  const secret = /^Bearer\s+(\S+)/i.exec(request.headers.authorization ?? '')?.[1] ?? '';
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
  res.write(`retry: 2000\n: connected\n\n`);

  const send = (event: LiveEvent): void => {
    const conv = conversations.get(event.conversationId);
    if (!conv || !canSee(who, conv)) return;
    const data = event.type === 'conversation' ? { type: event.type, conversation: conv } : event;
    res.write(`event: ${event.type}\ndata: ${JSON.stringify(data)}\n\n`);
  };
  const unsubscribe = bus.subscribe(send);
  const beat = setInterval(() => {
    if (!authenticate(secret)) {
      res.end();
      return;
    }
    res.write(': heartbeat\n\n');
  }, HEARTBEAT_MS);
  beat.unref();
  const end = (): void => {
    clearInterval(beat);
    unsubscribe();
  };
  res.on('close', end);
  request.raw.on('close', end);
}
