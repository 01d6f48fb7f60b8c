import { useState } from 'preact/hooks';
import type { InboxItem, LiveData } from '../../../http/api/conversations.js';
import type { DeskSummary } from '../../../http/api/desk.js';
import { api, ApiError } from '../api.js';
import { useApp } from '../context.js';
import { useNow } from '../now.js';
import { deskApi } from './api.js';
import { usePoll } from './poll.js';
import { Head } from './table.js';

/** Phones and presence are not on the live stream: asked again this often. */
const POLL_MS = 2000;
/**
 * Calls follow the live stream (each ringing, answered and ended is an event);
 * a short debounce folds a call's quick steps into one ask. The slow poll is
 * the backstop for an event a dropped stream missed. A module constant: usePoll
 * subscribes again whenever its trigger changes.
 */
const CALLS_LIVE = { when: (d: LiveData | null) => d === null || d.type === 'call', debounceMs: 100 };
const CALLS_BACKSTOP_MS = 30_000;
/** The desk's counts and list also follow the live stream; this is the backstop. */
const DESK_MS = 10_000;
const STEP = 100;

/** Up to `n` open conversations, the client waiting longest first, page by page through the cursor. */
async function waitingFirst(n: number): Promise<{ items: InboxItem[]; total: number }> {
  const items: InboxItem[] = [];
  let cursor: string | null = null;
  let total = 0;
  do {
    const page = await deskApi.inbox('all', 'waiting', cursor, Math.min(200, n - items.length));
    items.push(...page.items);
    total = page.total;
    cursor = page.nextCursor;
  } while (cursor && items.length < n);
  return { items, total };
}

/** The whole desk: who holds what, who waits longest, who is online, calls in progress and registered phones, live. */
export function SupervisorPage() {
  const { t } = useApp();
  const [shown, setShown] = useState(STEP);
  const desk = usePoll(deskApi.desk, DESK_MS, true);
  const presence = usePoll(deskApi.presence, POLL_MS);
  const convs = usePoll(() => waitingFirst(shown), DESK_MS, true);
  const calls = usePoll(deskApi.activeCalls, CALLS_BACKSTOP_MS, CALLS_LIVE);
  const phones = usePoll(deskApi.registrations, POLL_MS);
  const online = new Set((presence.data?.items ?? []).filter((p) => p.online).map((p) => p.username));

  return (
    <div class="admin-page supervisor">
      <h1>{t('sup.title')}</h1>
      <p class="muted">{t('sup.liveNote', { seconds: POLL_MS / 1000 })}</p>
      <Operators desk={desk.data} online={online} error={desk.error ?? presence.error} />
      <section aria-labelledby="sup-convs">
        <h2 id="sup-convs">{t('sup.waiting')}</h2>
        {convs.error && <p class="error" role="alert">{convs.error}</p>}
        <Conversations items={convs.data?.items ?? []} desk={desk.data} onChanged={() => (convs.reload(), desk.reload())} />
        {convs.data && convs.data.items.length < convs.data.total && (
          <button type="button" class="ghost" onClick={() => (setShown(shown + STEP), setTimeout(convs.reload, 0))}>
            {t('sup.more', { shown: convs.data.items.length, total: convs.data.total })}
          </button>
        )}
      </section>
      <Calls calls={calls.data?.items ?? null} error={calls.error} />
      <Phones phones={phones.data?.items ?? null} error={phones.error} />
    </div>
  );
}

function Operators({ desk, online, error }: { desk: DeskSummary | null; online: Set<string>; error: string | null }) {
  const { t, fmt } = useApp();
  const now = useNow(30_000);
  const wait = (iso: string | null) => (iso ? fmt.since(iso, now) : '—');
  return (
    <section aria-labelledby="sup-ops">
      <h2 id="sup-ops">{t('sup.operators')}</h2>
      {error && <p class="error" role="alert">{error}</p>}
      <table>
        <Head cols={['sup.operator', 'conv.department', 'sup.status', 'sup.open', 'sup.waitingCount', 'sup.oldest']} />
        <tbody>
          {(desk?.operators ?? []).map((o) => (
            <tr>
              <th scope="row">{o.username}</th>
              <td>{o.department ?? '—'}</td>
              <td>
                <span class={`presence ${online.has(o.username) ? 'on' : 'off'}`}>{o.disabled ? t('sup.disabled') : online.has(o.username) ? t('sup.online') : t('sup.away')}</span>
              </td>
              <td>{o.open}</td>
              <td>{o.waiting}</td>
              <td>{wait(o.oldestWaiting)}</td>
            </tr>
          ))}
          {desk && (
            <tr class="queue">
              <th scope="row">{t('sup.unassigned')}</th>
              <td>—</td>
              <td>—</td>
              <td>{desk.unassigned.open}</td>
              <td>{desk.unassigned.waiting}</td>
              <td>{wait(desk.unassigned.oldestWaiting)}</td>
            </tr>
          )}
        </tbody>
      </table>
    </section>
  );
}

function Conversations({ items, desk, onChanged }: { items: InboxItem[]; desk: DeskSummary | null; onChanged: () => void }) {
  const { t, fmt, navigate } = useApp();
  const now = useNow(30_000);
  const [error, setError] = useState<string | null>(null);
  const operators = (desk?.operators ?? []).filter((o) => !o.disabled && o.role !== null);
  const reassign = async (id: string, to: string) => {
    setError(null);
    try {
      await api.assign(id, { assignee: to === '' ? null : to });
      onChanged();
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    }
  };
  if (items.length === 0) return <p class="muted">{t('inbox.empty')}</p>;
  return (
    <>
      {error && <p class="error" role="alert">{error}</p>}
      <table>
        <Head cols={['card.title', 'conv.channel', 'conv.department', 'sup.waitingFor', 'conv.assignee']} />
        <tbody>
          {items.map((i) => {
            const c = i.conversation;
            const href = `/c/${encodeURIComponent(c.id)}`;
            const holders = c.assignee && !operators.some((o) => o.username === c.assignee) ? [c.assignee] : [];
            return (
              <tr>
                <th scope="row">
                  <a href={href} onClick={(e) => (e.preventDefault(), navigate(href))}>
                    {i.client.name}
                  </a>
                </th>
                <td>{c.channelId ?? t('conv.manual')}</td>
                <td>{c.department ?? '—'}</td>
                <td>{i.waitingSince ? fmt.since(i.waitingSince, now) : '—'}</td>
                <td>
                  <select aria-label={t('sup.reassign', { client: i.client.name })} value={c.assignee ?? ''} onChange={(e) => void reassign(c.id, e.currentTarget.value)}>
                    <option value="">{t('sup.nobody')}</option>
                    {[...holders, ...operators.map((o) => o.username)].map((u) => (
                      <option value={u}>{u}</option>
                    ))}
                  </select>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </>
  );
}

function Calls({ calls, error }: { calls: Array<{ id: string; direction: string; from: string; to: string; extension: string | null; state: 'ringing' | 'answered'; start: string; answer: string | null }> | null; error: string | null }) {
  const { t, fmt } = useApp();
  const now = useNow(1000);
  return (
    <section aria-labelledby="sup-calls">
      <h2 id="sup-calls">{t('sup.calls')}</h2>
      {error && <p class="error" role="alert">{error}</p>}
      {calls && calls.length === 0 && <p class="muted">{t('sup.noCalls')}</p>}
      {calls && calls.length > 0 && (
        <table>
          <Head cols={['sup.from', 'sup.to', 'sup.extension', 'sup.callState', 'sup.since']} />
          <tbody>
            {calls.map((c) => (
              <tr>
                <td>{c.from}</td>
                <td>{c.to}</td>
                <td>{c.extension ?? '—'}</td>
                <td>{t(c.state === 'ringing' ? 'sup.ringing' : 'sup.talking')}</td>
                <td>{fmt.since(c.answer ?? c.start, now)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function Phones({ phones, error }: { phones: Array<{ extension: string; contact: string; userAgent: string | null; received: string; expiresIn: number }> | null; error: string | null }) {
  const { t, fmt } = useApp();
  return (
    <section aria-labelledby="sup-phones">
      <h2 id="sup-phones">{t('sup.phones')}</h2>
      {error && <p class="error" role="alert">{error}</p>}
      {phones && phones.length === 0 && <p class="muted">{t('sup.noPhones')}</p>}
      {phones && phones.length > 0 && (
        <table>
          <Head cols={['sup.extension', 'sup.contact', 'sup.userAgent', 'sup.expiresIn']} />
          <tbody>
            {phones.map((p) => (
              <tr>
                <td>{p.extension}</td>
                <td>{p.received}</td>
                <td>{p.userAgent ?? '—'}</td>
                <td>{fmt.duration(p.expiresIn)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
