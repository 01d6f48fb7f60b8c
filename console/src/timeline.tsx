import { Component } from 'preact';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { ClientCard } from '../../http/api/clients.js';
import type { HistoryEvent } from '../../http/api/history.js';
import { useApp, type Ctx } from './context.js';
import { RecordingPlayer, usePlayable } from './pages/recording.js';

interface Props {
  /** Newest first. */
  events: HistoryEvent[];
  client: ClientCard;
  loaded: boolean;
  hasOlder: boolean;
  onOlder: () => Promise<void>;
}

/** Near the bottom, a new event scrolls into view; further up, the reader keeps their place. */
const STICK_PX = 80;

export function Timeline({ events, client, loaded, hasOlder, onOlder }: Props) {
  const { t, session } = useApp();
  const mayPlay = usePlayable(events, session);
  const box = useRef<HTMLDivElement>(null);
  const top = useRef<HTMLDivElement>(null);
  const [loadingOlder, setLoadingOlder] = useState(false);
  const geometry = useRef({ height: 0, top: 0, stick: true, oldest: '' });

  // Before the browser paints: an older page keeps what the reader sees where it was.
  useLayoutEffect(() => {
    const el = box.current;
    if (!el) return;
    const g = geometry.current;
    const oldest = events[events.length - 1]?.id ?? '';
    if (g.oldest && oldest !== g.oldest && !g.stick) el.scrollTop = g.top + (el.scrollHeight - g.height);
    else if (g.stick) el.scrollTop = el.scrollHeight;
    g.oldest = oldest;
    g.height = el.scrollHeight;
  }, [events]);

  const onScroll = () => {
    const el = box.current;
    if (!el) return;
    geometry.current.top = el.scrollTop;
    geometry.current.height = el.scrollHeight;
    geometry.current.stick = el.scrollHeight - el.scrollTop - el.clientHeight < STICK_PX;
  };

  const older = async () => {
    if (loadingOlder || !hasOlder) return;
    setLoadingOlder(true);
    try {
      await onOlder();
    } finally {
      setLoadingOlder(false);
    }
  };
  // Scrolling up to the first item asks for the page before it.
  useEffect(() => {
    const el = top.current;
    if (!el || !hasOlder) return;
    const io = new IntersectionObserver((entries) => entries.some((e) => e.isIntersecting) && geometry.current.height > 0 && void older(), { root: box.current });
    io.observe(el);
    return () => io.disconnect();
  });

  return (
    <div class="timeline" ref={box} onScroll={onScroll}>
      <div ref={top} class="timeline-top">
        {hasOlder ? (
          <button type="button" class="ghost" disabled={loadingOlder} onClick={() => void older()}>
            {loadingOlder ? t('history.loading') : t('history.older')}
          </button>
        ) : (
          loaded && <p class="muted">{events.length ? t('history.start') : t('history.empty')}</p>
        )}
      </div>
      <ol class="history" aria-label={t('history.title')}>
        {[...events].reverse().map((e) => (
          <Row key={e.id} event={e} client={client} mayPlay={mayPlay} />
        ))}
      </ol>
    </div>
  );
}

interface EntryProps {
  event: HistoryEvent;
  client: ClientCard;
  mayPlay: (callId: string) => boolean;
}

/**
 * An entry drawn again only when it changed: a client with thousands of events
 * loaded would otherwise redraw every one of them for each older page or new message.
 */
class Row extends Component<EntryProps> {
  override shouldComponentUpdate(next: EntryProps): boolean {
    const p = this.props;
    return next.event !== p.event || next.client !== p.client || (next.event.kind === 'recording' && next.mayPlay !== p.mayPlay);
  }
  override render(p: EntryProps) {
    return <Entry {...p} />;
  }
}

function Entry({ event: e, client, mayPlay }: EntryProps) {
  const app = useApp();
  const { t, fmt } = app;
  const when = (
    <time dateTime={e.at} title={fmt.dateTime(e.at)}>
      {fmt.dateTime(e.at)}
    </time>
  );
  switch (e.kind) {
    case 'message': {
      const p = e.payload;
      const out = e.direction === 'out';
      return (
        <li class={`msg ${out ? 'out' : 'in'}`}>
          <div class="meta">
            <span class="author">{out ? (e.actor?.id ?? '') : client.name}</span>
            {e.channel && <span class="channel">{e.channel}</span>}
            {when}
          </div>
          {p.text && <p class="text">{p.text}</p>}
          {p.attachments.map((a) => (
            <p class="attachment">{t('history.attachment', { name: a.name ?? a.mime })}</p>
          ))}
          {p.location && <p class="attachment">{t('history.location', { place: p.location.name ?? `${p.location.latitude}, ${p.location.longitude}` })}</p>}
          {p.contact && <p class="attachment">{t('history.contact', { name: p.contact.name })}</p>}
          {out && <p class={`delivery status-${p.status}`}>{p.status === 'failed' && p.error ? t('status.failedWhy', { error: p.error }) : t(`status.${p.status}`)}</p>}
        </li>
      );
    }
    case 'recording':
      return (
        <li class="system recording">
          <span>
            {systemLine(e, app)} · {when}
          </span>
          {mayPlay(e.payload.callId) && <RecordingPlayer callId={e.payload.callId} label={systemLine(e, app)} />}
        </li>
      );
    case 'note':
      return (
        <li class="note">
          <div class="meta">
            <span class="author">{t('history.note', { user: e.actor?.id ?? '' })}</span>
            {when}
          </div>
          <p class="text">{e.payload.text}</p>
        </li>
      );
    default:
      return (
        <li class="system">
          {systemLine(e, app)} · {when}
        </li>
      );
  }
}

function systemLine(e: HistoryEvent, { t, fmt }: Ctx): string {
  switch (e.kind) {
    case 'call':
      return t('history.call', { from: e.payload.from, to: e.payload.to, outcome: t(`outcome.${e.payload.outcome}`), duration: fmt.duration(e.payload.durationSec) });
    case 'recording':
      return t('history.recording', { duration: fmt.duration(e.payload.durationSec) });
    case 'assignment':
      return t('history.assignment', { to: e.payload.to ?? t('conv.unassigned'), department: e.payload.department ?? '—' });
    case 'tag':
      return t('history.tag', { added: e.payload.added.join(', ') || '—', removed: e.payload.removed.join(', ') || '—' });
    case 'conversation':
      return t(`history.conv.${e.payload.action}`) + (e.payload.reason ? ` (${e.payload.reason})` : '');
    default:
      return '';
  }
}
