import { useCallback, useEffect, useState } from 'preact/hooks';
import type { CallerView } from '../../../http/api/calls.js';
import type { HistoryEvent } from '../../../http/api/history.js';
import { useApp } from '../context.js';
import { ApiError } from '../api.js';
import { Timeline } from '../timeline.js';
import { ClientCard } from '../client-card.js';
import { merge } from '../conversation.js';
import { phoneApi } from './api.js';
import { usePhone } from './state.js';
import { callStatus } from './status.js';
import { UnknownCaller } from './unknown-caller.js';

/**
 * The screen pop (/call/<id>): the caller's card and whole history beside the
 * call's state, or "Unknown caller" with the ways to give the number a card.
 * When the call ends its event is in the history (reloaded on the ended event).
 */
export function CallerPane({ id }: { id: string }) {
  const app = useApp();
  const { t, onLive, navigate } = app;
  const phone = usePhone();
  const [view, setView] = useState<CallerView | null>(null);
  const [events, setEvents] = useState<HistoryEvent[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [failure, setFailure] = useState<string | null>(null);

  const load = useCallback(async () => {
    const v = await phoneApi.caller(id);
    setView(v);
    setEvents((cur) => (v.history ? merge(v.client?.id === cur[0]?.clientId ? cur : [], v.history.items) : []));
    setCursor((cur) => cur ?? v.history?.nextCursor ?? null);
  }, [id]);

  useEffect(() => {
    load().catch((err: unknown) => {
      if (err instanceof ApiError && err.code === 'SWB_ERR_NOT_FOUND') setFailure(t('phone.notFound'));
      else if (!(err instanceof ApiError && err.code === 'SWB_ERR_UNAUTHENTICATED')) setFailure(t('error.generic', { message: String(err instanceof Error ? err.message : err) }));
    });
  }, [load, t]);

  useEffect(
    () =>
      onLive((data) => {
        // Reconnected, or this call ended (its event is now in the history, and an unknown caller now has a card).
        if (data === null || (data.type === 'call' && data.call.id === id && data.call.state === 'ended')) void load().catch(() => undefined);
      }),
    [id, onLive, load],
  );

  const older = async () => {
    if (!cursor) return;
    const page = await phoneApi.caller(id, cursor);
    if (page.history) {
      setEvents((cur) => merge(cur, page.history!.items));
      setCursor(page.history.nextCursor);
    }
  };

  if (failure) {
    return (
      <section class="conversation missing">
        <p role="alert">{failure}</p>
        <button type="button" onClick={() => navigate('/')}>
          {t('conv.back')}
        </button>
      </section>
    );
  }
  if (!view) return <p class="loading">{t('app.loading')}</p>;
  // The live word on the call is newer than the page's until the next load.
  const live = phone.calls.get(id);
  const call = live && (live.state !== 'ringing' || view.call.state === 'ringing') ? live : view.call;
  const number = view.number ?? call.from;
  const client = view.client;
  return (
    <section class="conversation caller" aria-labelledby="caller-title">
      <header class="conv-head">
        <button type="button" class="ghost back" onClick={() => navigate('/')}>
          ← {t('conv.back')}
        </button>
        <h2 id="caller-title">{client ? client.name : t('phone.unknownCaller')}</h2>
        <span class="number">{number}</span>
        <span class={`badge call-state call-${call.state}`} role="status">
          {callStatus(call, app)}
        </span>
      </header>
      <div class="conv-body">
        {client ? (
          <Timeline events={events} client={client} loaded hasOlder={cursor !== null} onOlder={older} />
        ) : (
          <UnknownCaller number={number} onResolved={() => void load().catch(() => undefined)} />
        )}
        {client && <ClientCard client={client} />}
      </div>
    </section>
  );
}
