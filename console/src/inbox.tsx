import { useEffect, useRef, useState } from 'preact/hooks';
import type { Conversation, InboxItem, InboxPage, InboxView, LiveData } from '../../http/api/conversations.js';
import type { BrowserSession } from '../../http/api/sessions.js';
import { ApiError } from './api.js';
import { deskApi } from './pages/api.js';
import { useApp } from './context.js';
import { useNow } from './now.js';
import { useListWindow } from './virtual.js';

/** Live events come in bursts (a message, then its status): one reload per burst. */
const RELOAD_DEBOUNCE_MS = 100;
const PAGE = 200;
/** What CSS gives a row; measured after the first render. */
const ROW_PX = 80;
/** Ask for the next page this many rows before the end of what is loaded. */
const AHEAD = 40;
const BACKSTOP_MS = 30_000;

interface Loaded {
  items: InboxItem[];
  total: number;
  nextCursor: string | null;
}

/** The server's order (domain/conversations/inbox-order.ts): latest activity first, ties by id. */
const activity = (c: Conversation): string => [c.lastInboundAt, c.lastOutboundAt, c.openedAt].reduce<string>((a, b) => (b && b > a ? b : a), '');
const before = (a: Conversation, b: Conversation): boolean => (activity(a) === activity(b) ? a.id < b.id : activity(a) > activity(b));

/** Whether a conversation (as the live stream tells it now) still belongs in this view. */
function fits(view: InboxView, c: Conversation, me: BrowserSession): boolean {
  switch (view) {
    case 'closed':
      return c.status === 'closed';
    case 'mine':
      return c.status === 'open' && c.assignee === me.username;
    case 'unassigned':
      return c.status === 'open' && c.assignee === null;
    case 'department':
      return c.status === 'open' && c.department === me.department;
    default:
      return c.status === 'open';
  }
}

/**
 * A fresh first page over what was loaded: the first page is the truth for its
 * range; rows after it are kept (the cursor of what was loaded still holds),
 * minus those the first page now holds.
 */
function mergeTop(cur: Loaded | null, fresh: InboxPage): Loaded {
  const last = fresh.items[fresh.items.length - 1]?.conversation;
  if (!cur || !fresh.nextCursor || !last) return { items: fresh.items, total: fresh.total, nextCursor: fresh.nextCursor };
  const ids = new Set(fresh.items.map((i) => i.conversation.id));
  const rest = cur.items.filter((i) => !ids.has(i.conversation.id) && before(last, i.conversation));
  return { items: [...fresh.items, ...rest], total: fresh.total, nextCursor: rest.length ? cur.nextCursor : fresh.nextCursor };
}

/** One row, fresh from the server, put where the order says (or dropped when it left the view). */
function upsert(cur: Loaded | null, id: string, row: InboxItem | undefined): Loaded | null {
  if (!cur) return cur;
  const items = cur.items.filter((i) => i.conversation.id !== id);
  if (row) {
    const at = items.findIndex((i) => before(row.conversation, i.conversation));
    // Past the last loaded row with more to come: the cursor will bring it in its turn.
    if (at !== -1 || !cur.nextCursor) items.splice(at === -1 ? items.length : at, 0, row);
  }
  return { ...cur, items };
}

/**
 * A message or note the live stream just told of, drawn into its row at once
 * (the preview, the wait, the unread count, the row's place); the reload that
 * follows brings the server's word for all of it. Without this every open
 * console would wait for its own reload of the page before showing the text.
 */
function patchRow(cur: Loaded | null, d: Extract<LiveData, { type: 'message' }>, open: boolean): Loaded | null {
  const e = d.event;
  const row = cur?.items.find((i) => i.conversation.id === d.conversationId);
  if (!cur || !row || (e.kind !== 'message' && e.kind !== 'note') || (row.last && row.last.at > e.at)) return cur;
  const inbound = e.kind === 'message' && e.direction === 'in';
  const outbound = e.kind === 'message' && e.direction === 'out';
  const c = row.conversation;
  const next: InboxItem = {
    ...row,
    conversation: { ...c, lastInboundAt: inbound ? e.at : c.lastInboundAt, lastOutboundAt: outbound ? e.at : c.lastOutboundAt },
    last: { id: e.id, at: e.at, kind: e.kind, direction: e.direction, text: e.payload.text, status: e.kind === 'message' ? e.payload.status : null },
    waitingSince: outbound ? null : inbound ? (row.waitingSince ?? e.at) : row.waitingSince,
    unread: inbound && !open ? { ...row.unread, count: row.unread.count + 1 } : outbound ? { count: 0, complete: true } : row.unread,
  };
  return upsert(cur, d.conversationId, next);
}

export function Inbox({ view, onView, selected }: { view: InboxView; onView: (v: InboxView) => void; selected: string | null }) {
  const { t, session, onLive } = useApp();
  const [data, setData] = useState<Loaded | null>(null);
  const [error, setError] = useState<string | null>(null);
  const seq = useRef(0);
  const loadingMore = useRef(false);
  const win = useListWindow(data?.items.length ?? 0, ROW_PX);
  const now = useNow(30_000);
  const selectedRef = useRef(selected);
  selectedRef.current = selected;

  const fail = (err: unknown) => setError(err instanceof ApiError && err.network ? t('error.network') : t('error.generic', { message: err instanceof Error ? err.message : String(err) }));

  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | null = null;
    const mine = ++seq.current;
    setData(null);
    const refresh = () =>
      deskApi.inbox(view, 'activity', null, PAGE).then((page) => {
        if (mine !== seq.current) return;
        setData((cur) => mergeTop(cur, page));
        setError(null);
      }, fail);
    void refresh();
    // The live stream tells only who may see a conversation now: one taken from me leaves my list at the next refresh.
    const backstop = setInterval(() => void refresh(), BACKSTOP_MS);
    const off = onLive((d: LiveData | null) => {
      // A conversation that left this view (closed, reassigned) goes at once, wherever it was in the list;
      // one that came into it (assigned to me) is fetched alone, as it may sort far below the first page.
      // Calls change no conversation row (a busy desk hears many).
      if (d?.type === 'call') return;
      if (d?.type === 'message') setData((cur) => patchRow(cur, d, d.conversationId === selectedRef.current));
      if (d?.type === 'conversation') {
        if (!fits(view, d.conversation, session)) setData((cur) => upsert(cur, d.conversationId, undefined));
        else
          void deskApi.inboxRow(view, d.conversationId).then((p) => mine === seq.current && setData((cur) => upsert(cur, d.conversationId, p.items[0])), () => undefined);
      }
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => void refresh(), RELOAD_DEBOUNCE_MS);
    });
    return () => {
      off();
      clearInterval(backstop);
      if (timer) clearTimeout(timer);
    };
  }, [view, onLive, t, session]);

  // Near the end of what is loaded: the next page, by the cursor.
  useEffect(() => {
    if (!data?.nextCursor || loadingMore.current || win.end < data.items.length - AHEAD) return;
    loadingMore.current = true;
    const mine = seq.current;
    deskApi
      .inbox(view, 'activity', data.nextCursor, PAGE)
      .then((page) => {
        if (mine !== seq.current) return;
        setData((cur) => {
          if (!cur) return cur;
          const ids = new Set(cur.items.map((i) => i.conversation.id));
          return { items: [...cur.items, ...page.items.filter((i) => !ids.has(i.conversation.id))], total: page.total, nextCursor: page.nextCursor };
        });
      }, fail)
      .finally(() => (loadingMore.current = false));
  }, [data, win.end, view]);

  const views: InboxView[] = ['mine', 'unassigned', ...(session.department ? (['department'] as const) : []), ...(session.role === 'operator' ? [] : (['all'] as const)), 'closed'];
  const items = data?.items ?? [];

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
      {data && items.length === 0 && <p class="empty">{t('inbox.empty')}</p>}
      {data && items.length > 0 && <p class="count">{t('inbox.count', { shown: items.length, total: data.total })}</p>}
      <div class="conversations-scroll" ref={win.ref} onScroll={win.onScroll}>
        <ul class="conversations" aria-label={t('inbox.list')} style={{ paddingTop: `${win.padTop}px`, paddingBottom: `${win.padBottom}px` }}>
          {items.slice(win.start, win.end).map((item, k) => (
            <Row key={item.conversation.id} item={item} now={now} selected={item.conversation.id === selected} pos={win.start + k + 1} size={data?.total ?? items.length} />
          ))}
        </ul>
      </div>
    </nav>
  );
}

function Row({ item, now, selected, pos, size }: { item: InboxItem; now: number; selected: boolean; pos: number; size: number }) {
  const { t, fmt, session, navigate } = useApp();
  const c = item.conversation;
  const href = `/c/${encodeURIComponent(c.id)}`;
  const prefix = item.last?.kind === 'note' ? t('inbox.note') : item.last?.direction === 'out' ? t('inbox.you') : '';
  // The open conversation is being read: its messages are not unread, whatever the last reload said.
  const unread = selected ? 0 : item.unread.count;
  return (
    <li class={selected ? 'selected' : ''} aria-setsize={size} aria-posinset={pos}>
      <a
        href={href}
        aria-current={selected ? 'page' : undefined}
        onClick={(e) => {
          e.preventDefault();
          navigate(href);
        }}
      >
        <span class="row1">
          <span class="name">{item.client.name}</span>
          {unread > 0 && <span class="unread">{t(item.unread.complete ? 'inbox.unread' : 'inbox.unreadMore', { count: unread })}</span>}
          <span class="channel">{c.channelId ?? t('conv.manual')}</span>
        </span>
        <span class="preview">{item.last ? prefix + item.last.text : t('inbox.noPreview')}</span>
        <span class="row3">
          {item.waitingSince ? <span class="waiting">{t('inbox.waiting', { time: fmt.since(item.waitingSince, now) })}</span> : <span />}
          {session.role !== 'operator' && c.assignee && <span class="assignee">{t('inbox.assignedTo', { user: c.assignee })}</span>}
          {item.last && <time dateTime={item.last.at}>{fmt.dateTime(item.last.at)}</time>}
        </span>
      </a>
    </li>
  );
}
