import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import type { Conversation } from '../../http/api/conversations.js';
import type { ClientCard as Card } from '../../http/api/clients.js';
import type { HistoryEvent } from '../../http/api/history.js';
import { api, ApiError } from './api.js';
import { useApp } from './context.js';
import { Timeline } from './timeline.js';
import { ClientCard } from './client-card.js';
import { ReplyBox } from './reply-box.js';
import { ConversationActions } from './actions.js';
import { deskApi } from './pages/api.js';
import { TagEditor } from './pages/tag-editor.js';
import { useMarkSeen } from './pages/seen.js';
import { Missing } from './pages/missing.js';

/**
 * Newest first, each event once: live events, pages and our own sends meet here.
 * A send's answer may be older than what the live stream already said of the
 * same message (a retry is answered with the first result, still `queued`):
 * `keep` leaves an event we already have as it is.
 */
export function merge(current: HistoryEvent[], incoming: HistoryEvent[], keep = false): HistoryEvent[] {
  const byId = new Map(current.map((e) => [e.id, e]));
  for (const e of incoming) if (!keep || !byId.has(e.id)) byId.set(e.id, e);
  return [...byId.values()].sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));
}

/** After a drop, how far back (in pages of 50) the view pages to meet what it already shows before it starts afresh. */
const CATCH_UP_PAGES = 20;

export function ConversationPane({ id }: { id: string }) {
  const { t, onLive, navigate } = useApp();
  const [conv, setConv] = useState<Conversation | null>(null);
  const [client, setClient] = useState<Card | null>(null);
  const [events, setEvents] = useState<HistoryEvent[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loaded, setLoaded] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);

  const loadNewest = useCallback(async (clientId: string) => {
    const page = await api.history(clientId, null);
    setEvents((cur) => merge(cur, page.items));
    setLoaded(true);
    return page;
  }, []);

  // What the view shows now, for a catch-up that must not leave a hole.
  const shown = useRef(events);
  shown.current = events;
  /**
   * Back from a drop: newer pages until one meets an event already shown, so
   * more than a page missed leaves no hole between the newest page and the rest.
   * Missed more than CATCH_UP_PAGES: the view starts again from what it fetched.
   */
  const catchUp = useCallback(async (clientId: string) => {
    const have = new Set(shown.current.map((e) => e.id));
    const got: HistoryEvent[] = [];
    let next: string | null = null;
    for (let n = 0; n < CATCH_UP_PAGES; n++) {
      const page = await api.history(clientId, next);
      got.push(...page.items);
      if (have.size === 0 || !page.nextCursor || page.items.some((e) => have.has(e.id))) return setEvents((cur) => merge(cur, got));
      next = page.nextCursor;
    }
    setEvents(merge([], got));
    setCursor(next);
  }, []);

  useEffect(() => {
    let stop = false;
    (async () => {
      const c = await api.conversation(id);
      if (stop) return;
      setConv(c);
      const [card, page] = await Promise.all([api.client(c.clientId), loadNewest(c.clientId)]);
      if (stop) return;
      setClient(card);
      setCursor(page.nextCursor);
    })().catch((err: unknown) => {
      if (stop) return;
      if (err instanceof ApiError && (err.code === 'SWB_ERR_NOT_FOUND' || err.code === 'SWB_ERR_FORBIDDEN')) setFailure(t('conv.notFound'));
      else if (!(err instanceof ApiError && err.code === 'SWB_ERR_UNAUTHENTICATED')) setFailure(t('error.generic', { message: String(err instanceof Error ? err.message : err) }));
    });
    return () => {
      stop = true;
    };
  }, [id, loadNewest, t]);

  const clientId = conv?.clientId ?? null;
  const seen = useMarkSeen(id, loaded ? (events[0]?.at ?? null) : null);
  useEffect(
    () =>
      onLive((data) => {
        if (!clientId) return;
        if (data === null) {
          // Reconnected: whatever happened while the stream was down is in the newest pages.
          void catchUp(clientId).catch(() => undefined);
          void api.conversation(id).then(setConv, () => undefined);
          return;
        }
        if (data.type === 'message' && data.event.clientId === clientId) {
          setEvents((cur) => merge(cur, [data.event]));
          if (data.conversationId === id) seen(data.event.at);
        }
        if (data.type === 'status') {
          setEvents((cur) => cur.map((e) => (e.id === data.eventId && e.kind === 'message' ? { ...e, payload: { ...e.payload, status: data.status, ...(data.error ? { error: data.error } : {}) } } : e)));
        }
        if (data.type === 'conversation' && data.conversation.id === id) setConv(data.conversation);
        // A call with this client ended: its event is now in the history.
        if (data.type === 'call' && data.call.state === 'ended' && data.call.clientId === clientId) void loadNewest(clientId).catch(() => undefined);
      }),
    [id, clientId, onLive, loadNewest, catchUp, seen],
  );

  const older = async () => {
    if (!clientId || !cursor) return;
    const page = await api.history(clientId, cursor);
    setEvents((cur) => merge(cur, page.items));
    setCursor(page.nextCursor);
  };

  if (failure) return <Missing message={failure} />;
  if (!conv || !client) return <p class="loading">{t('app.loading')}</p>;
  return (
    <section class="conversation" aria-labelledby="conv-title">
      <header class="conv-head">
        <button type="button" class="ghost back" onClick={() => navigate('/')}>
          ← {t('conv.back')}
        </button>
        <h2 id="conv-title">{client.name}</h2>
        <span class="channel">{conv.channelId ?? t('conv.manual')}</span>
        <span class={`badge status-${conv.status}`}>{t(`conv.status.${conv.status}`)}</span>
        <ConversationActions conv={conv} onChange={setConv} />
        <div class="conv-tags">
          <span class="muted">{t('conv.tags')}:</span>
          <TagEditor id="conv-tags" tags={conv.tags} listLabel={t('conv.tags')} inputLabel={t('conv.newTag')} save={async (tags) => setConv(await deskApi.setConversationTags(conv.id, tags))} />
        </div>
      </header>
      <div class="conv-body">
        <Timeline events={events} client={client} loaded={loaded} hasOlder={cursor !== null} onOlder={older} />
        <ClientCard client={client} onChange={setClient} />
      </div>
      <ReplyBox conv={conv} onSent={(e) => setEvents((cur) => merge(cur, [e], true))} />
    </section>
  );
}
