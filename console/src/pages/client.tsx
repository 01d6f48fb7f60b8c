import { useEffect, useState } from 'preact/hooks';
import type { ClientCard as Card } from '../../../http/api/clients.js';
import type { Conversation } from '../../../http/api/conversations.js';
import type { HistoryEvent } from '../../../http/api/history.js';
import { api, ApiError } from '../api.js';
import { useApp } from '../context.js';
import { ClientCard } from '../client-card.js';
import { Timeline } from '../timeline.js';
import { deskApi } from './api.js';
import { Missing } from './missing.js';

const byTimeDesc = (a: HistoryEvent, b: HistoryEvent) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0);

/**
 * A client's card opened from the search: the card (editable), the
 * conversations of theirs the reader may see, and the timeline when the API
 * lets them read it (an operator only while one of the client's conversations
 * is theirs or their department's).
 */
export function ClientPage({ id }: { id: string }) {
  const { t, fmt, navigate, onLive } = useApp();
  const [client, setClient] = useState<Card | null>(null);
  const [convs, setConvs] = useState<Conversation[]>([]);
  const [events, setEvents] = useState<HistoryEvent[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [history, setHistory] = useState<'loading' | 'shown' | 'hidden'>('loading');
  const [failure, setFailure] = useState<string | null>(null);
  /** Bumped after a merge: the conversations and the timeline of the other card are here now. */
  const [generation, setGeneration] = useState(0);

  useEffect(() => {
    let stop = false;
    (async () => {
      const card = await api.client(id);
      if (stop) return;
      setClient(card);
      setConvs((await deskApi.clientConversations(card.id)).items);
      try {
        const page = await api.history(card.id, null);
        if (stop) return;
        setEvents(page.items);
        setCursor(page.nextCursor);
        setHistory('shown');
      } catch (err) {
        if (err instanceof ApiError && err.code === 'SWB_ERR_FORBIDDEN') setHistory('hidden');
        else throw err;
      }
    })().catch((err: unknown) => {
      if (stop || (err instanceof ApiError && err.code === 'SWB_ERR_UNAUTHENTICATED')) return;
      setFailure(err instanceof ApiError && err.code === 'SWB_ERR_NOT_FOUND' ? t('client.notFound') : t('error.generic', { message: err instanceof Error ? err.message : String(err) }));
    });
    return () => {
      stop = true;
    };
  }, [id, t, generation]);

  useEffect(
    () =>
      onLive((d) => {
        if (d?.type === 'message' && client && d.event.clientId === client.id && history === 'shown') setEvents((cur) => (cur.some((e) => e.id === d.event.id) ? cur : [d.event, ...cur].sort(byTimeDesc)));
      }),
    [onLive, client, history],
  );

  if (failure) return <Missing message={failure} />;
  if (!client) return <p class="loading">{t('app.loading')}</p>;
  const older = async () => {
    if (!cursor) return;
    const page = await api.history(client.id, cursor);
    setEvents((cur) => [...cur, ...page.items.filter((e) => !cur.some((x) => x.id === e.id))]);
    setCursor(page.nextCursor);
  };
  return (
    <section class="conversation client-page" aria-labelledby="client-title">
      <header class="conv-head">
        <button type="button" class="ghost back" onClick={() => navigate('/')}>
          ← {t('conv.back')}
        </button>
        <h2 id="client-title">{client.name}</h2>
        <ul class="client-convs" aria-label={t('client.conversations')}>
          {convs.map((c) => (
            <li>
              <a
                href={`/c/${encodeURIComponent(c.id)}`}
                onClick={(e) => {
                  e.preventDefault();
                  navigate(`/c/${encodeURIComponent(c.id)}`);
                }}
              >
                {t('client.conversation', { channel: c.channelId ?? t('conv.manual'), status: t(`conv.status.${c.status}`), opened: fmt.dateTime(c.openedAt) })}
              </a>
            </li>
          ))}
        </ul>
        {convs.length === 0 && <p class="muted">{t('client.noConversations')}</p>}
      </header>
      <div class="conv-body">
        {history === 'hidden' ? (
          <p class="empty-pane">{t('client.historyHidden')}</p>
        ) : (
          <Timeline events={events} client={client} loaded={history === 'shown'} hasOlder={cursor !== null} onOlder={older} />
        )}
        <ClientCard
          client={client}
          onChange={(c) => {
            const merged = (c.mergedFrom?.length ?? 0) !== (client.mergedFrom?.length ?? 0);
            setClient(c);
            if (merged) setGeneration((g) => g + 1);
          }}
        />
      </div>
    </section>
  );
}
