import { useState } from 'preact/hooks';
import type { ClientCard } from '../../../http/api/clients.js';
import { useApp } from '../context.js';
import { ApiError } from '../api.js';
import { phoneApi } from './api.js';

/**
 * A number that belongs to no client: make a card for it, or add it to a
 * client found by name or number. The API decides what the operator may change
 * (a client another department works is not theirs to edit).
 */
export function UnknownCaller({ number, onResolved }: { number: string; onResolved: () => void }) {
  const { t } = useApp();
  const [found, setFound] = useState<ClientCard[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const outsider = number.startsWith('+');

  const run = async (fn: () => Promise<unknown>) => {
    setError(null);
    setBusy(true);
    try {
      await fn();
      return true;
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
      return false;
    } finally {
      setBusy(false);
    }
  };
  const field = (e: Event, name: string) => String(new FormData(e.currentTarget as HTMLFormElement).get(name) ?? '').trim();

  return (
    <div class="unknown-caller timeline">
      <p>{t('phone.unknownText', { number })}</p>
      {outsider && (
        <>
          <form
            class="inline-form"
            onSubmit={(e) => {
              e.preventDefault();
              const name = field(e, 'name');
              if (name) void run(() => phoneApi.createClient(name, number)).then((ok) => ok && onResolved());
            }}
          >
            <label>
              {t('phone.clientName')}
              <input name="name" required maxLength={200} autoComplete="off" />
            </label>
            <button type="submit" disabled={busy}>
              {t('phone.createClient')}
            </button>
          </form>
          <form
            class="inline-form"
            role="search"
            aria-label={t('phone.linkTitle')}
            onSubmit={(e) => {
              e.preventDefault();
              const q = field(e, 'q');
              if (q) void run(async () => setFound((await phoneApi.searchClients(q)).items));
            }}
          >
            <label>
              {t('phone.findClient')}
              <input name="q" type="search" required maxLength={200} autoComplete="off" />
            </label>
            <button type="submit" disabled={busy}>
              {t('phone.search')}
            </button>
          </form>
          {found && (
            <ul class="found" aria-label={t('phone.found')}>
              {found.length === 0 && <li class="muted">{t('phone.noneFound')}</li>}
              {found.map((c) => (
                <li key={c.id}>
                  <span class="name">{c.name}</span>
                  <button type="button" disabled={busy} onClick={() => void run(() => phoneApi.linkPhone(c.id, number)).then((ok) => ok && onResolved())}>
                    {t('phone.link', { name: c.name })}
                  </button>
                </li>
              ))}
            </ul>
          )}
        </>
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
