import { useEffect, useRef, useState } from 'preact/hooks';
import type { ClientCard } from '../../../http/api/clients.js';
import { ApiError } from '../api.js';
import { useApp } from '../context.js';
import { deskApi } from './api.js';
import { navOf, type Page } from './routes.js';

/** The pages this role may open; the others are not offered (and the API refuses them anyway). */
export function NavLinks({ page }: { page: Page }) {
  const { t, session, navigate } = useApp();
  const current = page.kind === 'conversation' || page.kind === 'client' ? 'inbox' : page.kind;
  return (
    <nav class="pages" aria-label={t('nav.label')}>
      {navOf(session.role).map((l) => (
        <a
          href={l.href}
          aria-current={l.kind === current ? 'page' : undefined}
          onClick={(e) => {
            e.preventDefault();
            navigate(l.href);
          }}
        >
          {t(`nav.${l.kind}`)}
        </a>
      ))}
    </nav>
  );
}

const SEARCH_DEBOUNCE_MS = 250;

/**
 * Clients by name, by any identity (a phone in any spelling: the API tries the
 * text as every kind) or handle. A result opens the client's card.
 */
export function ClientSearch() {
  const { t, navigate } = useApp();
  const [q, setQ] = useState('');
  const [found, setFound] = useState<ClientCard[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const seq = useRef(0);
  const box = useRef<HTMLFormElement>(null);

  useEffect(() => {
    const text = q.trim();
    const mine = ++seq.current;
    if (!text) {
      setFound(null);
      return;
    }
    const timer = setTimeout(() => {
      deskApi.searchClients(text).then(
        (r) => mine === seq.current && (setFound(r.items), setError(null)),
        (err: unknown) => mine === seq.current && setError(err instanceof ApiError ? err.message : String(err)),
      );
    }, SEARCH_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [q]);

  // A click elsewhere closes the results.
  useEffect(() => {
    const away = (e: Event) => box.current && !box.current.contains(e.target as Node) && setFound(null);
    addEventListener('pointerdown', away);
    return () => removeEventListener('pointerdown', away);
  }, []);

  const open = (c: ClientCard) => {
    setFound(null);
    setQ('');
    navigate(`/clients/${encodeURIComponent(c.id)}`);
  };

  return (
    <form
      ref={box}
      class="client-search"
      role="search"
      onSubmit={(e) => {
        e.preventDefault();
        if (found?.[0]) open(found[0]);
      }}
      onKeyDown={(e) => e.key === 'Escape' && (setFound(null), setQ(''))}
    >
      <label for="client-search" class="visually-hidden">
        {t('search.label')}
      </label>
      <input id="client-search" type="search" value={q} placeholder={t('search.placeholder')} autoComplete="off" maxLength={200} onInput={(e) => setQ(e.currentTarget.value)} />
      {error && (
        <p class="search-results error" role="alert">
          {error}
        </p>
      )}
      {found && (
        <div class="search-results">
          {found.length === 0 ? (
            <p role="status">{t('search.none')}</p>
          ) : (
            <ul aria-label={t('search.results')}>
              {found.map((c) => (
                <li>
                  <a
                    href={`/clients/${encodeURIComponent(c.id)}`}
                    onClick={(e) => {
                      e.preventDefault();
                      open(c);
                    }}
                  >
                    <span class="name">{c.name}</span>
                    <span class="muted">{c.identities.map((i) => `${i.kind}: ${i.value}`).join(' · ')}</span>
                  </a>
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </form>
  );
}
