import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { ComponentChildren } from 'preact';
import type { BrowserSession } from '../../http/api/sessions.js';
import type { InboxView } from '../../http/api/conversations.js';
import { api, useSession } from './api.js';
import { connectLive, type LiveState } from './live.js';
import { AppContext, liveHub, type Ctx } from './context.js';
import { initialLocale, saveLocale, translator, LOCALE_NAMES, isLocale, type Locale, type MessageKey } from './i18n/index.js';
import { formats } from './format.js';
import { SignIn } from './sign-in.js';
import { Inbox } from './inbox.js';
import { ConversationPane } from './conversation.js';
import { useIdleSignOut } from './idle.js';
import { PhoneProvider } from './phone/state.js';
import { PhoneStatus } from './phone/status.js';
import { CallerPane } from './phone/caller-pane.js';
import { homeOf, mayOpen, pageOf } from './pages/routes.js';
import { ClientSearch, NavLinks } from './pages/top-bar.js';
import { PageBody } from './pages/pages.js';

export function App() {
  const [locale, setLocale] = useState<Locale>(initialLocale);
  const t = useMemo(() => translator(locale), [locale]);
  const fmt = useMemo(() => formats(locale), [locale]);
  const [session, setSession] = useState<BrowserSession | null | undefined>(undefined);
  const [notice, setNotice] = useState<{ key: MessageKey; params?: Record<string, string | number> } | null>(null);
  const signedIn = useRef(false);
  signedIn.current = !!session;

  const lost = useCallback(() => {
    // Only a session we had can be lost; the first check on load just finds none.
    if (!signedIn.current) return;
    signedIn.current = false;
    setSession(null);
    setNotice({ key: 'signIn.expired' });
  }, []);
  useSession(session ?? null, lost);

  useEffect(() => {
    api.session().then(setSession, () => setSession(null));
  }, []);
  useEffect(() => {
    document.documentElement.lang = locale;
    document.title = t('app.name');
  }, [locale, t]);

  const changeLocale = (l: Locale) => {
    saveLocale(l);
    setLocale(l);
  };
  const localePicker = <LocalePicker locale={locale} label={t('app.language')} onChange={changeLocale} />;

  if (session === undefined) return <p class="loading">{t('app.loading')}</p>;
  if (session === null) {
    return (
      <SignIn
        t={t}
        fmt={fmt}
        notice={notice ? t(notice.key, notice.params) : null}
        picker={localePicker}
        onSignedIn={(s) => {
          setNotice(null);
          setSession(s);
        }}
      />
    );
  }
  return (
    <Shell
      key={session.username}
      session={session}
      locale={locale}
      t={t}
      fmt={fmt}
      picker={localePicker}
      onSignedOut={(key, params) => {
        signedIn.current = false;
        setSession(null);
        setNotice({ key, ...(params ? { params } : {}) });
      }}
    />
  );
}

function LocalePicker(props: { locale: Locale; label: string; onChange: (l: Locale) => void }) {
  return (
    <label class="locale">
      <span>{props.label}</span>
      <select value={props.locale} onChange={(e) => isLocale(e.currentTarget.value) && props.onChange(e.currentTarget.value)}>
        {Object.entries(LOCALE_NAMES).map(([code, name]) => (
          <option value={code} lang={code}>
            {name}
          </option>
        ))}
      </select>
    </label>
  );
}

interface ShellProps {
  session: BrowserSession;
  locale: Locale;
  t: Ctx['t'];
  fmt: Ctx['fmt'];
  picker: ComponentChildren;
  onSignedOut: (key: MessageKey, params?: Record<string, number>) => void;
}

/** The signed-in window: the inbox beside the open conversation, one live stream for both. */
function Shell({ session, locale, t, fmt, picker, onSignedOut }: ShellProps) {
  const [path, setPath] = useState(() => location.pathname);
  const page = pageOf(path);
  const open = page.kind === 'conversation' ? page.id : null;
  const [view, setView] = useState<InboxView>(session.role === 'operator' ? 'mine' : 'all');
  const [live, setLive] = useState<LiveState>('connecting');
  const hub = useMemo(liveHub, []);

  useEffect(() => {
    // An auditor has no inbox: their home is the audit log.
    if (location.pathname === '/' && homeOf(session.role) !== '/') {
      history.replaceState(null, '', homeOf(session.role));
      setPath(location.pathname);
    }
    const pop = () => setPath(location.pathname);
    addEventListener('popstate', pop);
    return () => removeEventListener('popstate', pop);
  }, []);
  // The live stream is the desk's (an auditor's session is refused it).
  const staff = mayOpen(session.role, { kind: 'inbox' });
  useEffect(
    () =>
      !staff ? undefined : connectLive({
        event: hub.emit,
        state: setLive,
        reconnected: () => hub.emit(null),
        // A broken stream may mean the session ended: asking is what sends the page to sign-in.
        broken: () => void api.session().catch(() => undefined),
      }),
    [hub, staff],
  );

  const signOut = async (key: MessageKey, params?: Record<string, number>) => {
    await api.signOut().catch(() => undefined);
    onSignedOut(key, params);
  };
  useIdleSignOut(session.idleSeconds, () => void signOut('signIn.idle', { minutes: Math.round(session.idleSeconds / 60) }));

  const navigate = useCallback((to: string) => {
    history.pushState(null, '', to);
    setPath(location.pathname);
  }, []);
  const ctx: Ctx = { locale, t, fmt, session, onLive: hub.on, navigate };
  // The inbox beside the pane for the desk's own pages, when the role has an inbox; the rest take the whole window.
  const desk = ['inbox', 'conversation', 'client', 'call'].includes(page.kind) && mayOpen(session.role, page);

  return (
    <AppContext.Provider value={ctx}>
      {/* The phone's state and screen pop, for every screen below. */}
      <PhoneProvider>
      <div class={`shell ${desk ? (page.kind === 'inbox' ? '' : 'has-open') : 'wide'}`}>
        <header class="topbar">
          <span class="brand">{t('app.name')}</span>
          <NavLinks page={page} />
          {staff && <ClientSearch />}
          {staff && (
            <span class={`live live-${live}`} role="status">
              {live === 'open' ? t('inbox.live') : t('inbox.offline')}
            </span>
          )}
          {staff && <PhoneStatus />}
          <span class="who">{t('app.signedInAs', { user: session.username, role: t(`role.${session.role}`) })}</span>
          {picker}
          <button type="button" class="ghost" onClick={() => void signOut('signIn.signedOut')}>
            {t('app.signOut')}
          </button>
        </header>
        {desk && <Inbox view={view} onView={setView} selected={open} />}
        {desk ? (
          <main class="pane">{page.kind === 'call' ? <CallerPane key={page.id} id={page.id} /> : open ? <ConversationPane key={open} id={open} /> : page.kind === 'client' ? <PageBody page={page} /> : <p class="empty-pane">{t('conv.none')}</p>}</main>
        ) : (
          <main class="page">
            <PageBody page={page} />
          </main>
        )}
      </div>
      </PhoneProvider>
    </AppContext.Provider>
  );
}
