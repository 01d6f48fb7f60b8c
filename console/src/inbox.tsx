import { useEffect, useRef, useState } from 'preact/hooks';
import type { InboxItem, InboxView } from '../../http/api/conversations.js';
import { api, ApiError } from './api.js';
import { useApp } from './context.js';
import { useNow } from './now.js';

/** Live events come in bursts (a message, then its status): one reload per burst. */
const RELOAD_DEBOUNCE_MS = 100;

export function Inbox({ view, onView, selected }: { view: InboxView; onView: (v: InboxView) => void; selected: string | null }) {
  const { t, fmt, session, onLive, navigate } = useApp();
  const [items, setItems] = useState<InboxItem[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const now = useNow(30_000);
  const seq = useRef(0);

  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | null = null;
    const load = () => {
      const mine = ++seq.current;
      api.inbox(view).then(
        (page) => {
          if (mine !== seq.current) return;
          setItems(page.items);
          setError(null);
        },
        (err: unknown) => mine === seq.current && setError(err instanceof ApiError && err.network ? t('error.network') : t('error.generic', { message: String(err) })),
      );
    };
    load();
    const off = onLive((data) => {
      // Calls change no conversation row (a busy desk hears many).
      if (data?.type === 'call') return;
      if (timer) clearTimeout(timer);
      timer = setTimeout(load, RELOAD_DEBOUNCE_MS);
    });
    return () => {
      off();
      if (timer) clearTimeout(timer);
    };
  }, [view, onLive, t]);

  const views: InboxView[] = ['mine', 'unassigned', ...(session.department ? (['department'] as const) : []), ...(session.role === 'operator' ? [] : (['all'] as const)), 'closed'];

  return (
    <nav class="inbox" aria-label={t('inbox.title')}>
      <div class="views" role="group" aria-label={t('inbox.views')}>
        {views.map((v) => (
          <button type="button" aria-pressed={v === view} onClick={() => onView(v)}>
            {t(`inbox.view.${v}`)}
          </button>
        ))}
      </div>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {items && items.length === 0 && <p class="empty">{t('inbox.empty')}</p>}
      <ul class="conversations" aria-label={t('inbox.list')}>
        {(items ?? []).map((item) => {
          const c = item.conversation;
          const href = `/c/${encodeURIComponent(c.id)}`;
          const prefix = item.last?.kind === 'note' ? t('inbox.note') : item.last?.direction === 'out' ? t('inbox.you') : '';
          return (
            <li key={c.id} class={c.id === selected ? 'selected' : ''}>
              <a
                href={href}
                aria-current={c.id === selected ? 'page' : undefined}
                onClick={(e) => {
                  e.preventDefault();
                  navigate(href);
                }}
              >
                <span class="row1">
                  <span class="name">{item.client.name}</span>
                  <span class="channel">{c.channelId ?? t('conv.manual')}</span>
                </span>
                <span class="preview">{item.last ? prefix + item.last.text : t('inbox.noPreview')}</span>
                <span class="row3">
                  {item.waitingSince ? <span class="waiting">{t('inbox.waiting', { time: fmt.since(item.waitingSince, now) })}</span> : <span />}
                  {item.last && <time dateTime={item.last.at}>{fmt.dateTime(item.last.at)}</time>}
                </span>
                {session.role !== 'operator' && c.assignee && <span class="assignee">{t('inbox.assignedTo', { user: c.assignee })}</span>}
              </a>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
