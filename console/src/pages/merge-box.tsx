import { useState } from 'preact/hooks';
import type { ClientCard } from '../../../http/api/clients.js';
import { ApiError } from '../api.js';
import { useApp } from '../context.js';
import { deskApi } from './api.js';

/**
 * Two cards of one person become one (supervisors and admins): the other
 * card's identities, conversations and history move into this one. Found by
 * the same search as the top bar; nothing happens before the confirmation.
 */
export function MergeBox({ client, onMerged }: { client: ClientCard; onMerged: (c: ClientCard) => void }) {
  const { t } = useApp();
  const [open, setOpen] = useState(false);
  const [q, setQ] = useState('');
  const [found, setFound] = useState<ClientCard[] | null>(null);
  const [chosen, setChosen] = useState<ClientCard | null>(null);
  const [message, setMessage] = useState<{ error: boolean; text: string } | null>(null);

  const search = async (e: Event) => {
    e.preventDefault();
    setChosen(null);
    try {
      setFound((await deskApi.searchClients(q.trim(), 10)).items.filter((c) => c.id !== client.id));
    } catch (err) {
      setMessage({ error: true, text: err instanceof ApiError ? err.message : String(err) });
    }
  };
  const merge = async () => {
    if (!chosen) return;
    try {
      const merged = await deskApi.merge(client.id, chosen.id);
      setMessage({ error: false, text: t('merge.done', { source: chosen.name }) });
      setOpen(false);
      setFound(null);
      setChosen(null);
      onMerged(merged);
    } catch (err) {
      setMessage({ error: true, text: err instanceof ApiError ? err.message : String(err) });
    }
  };

  return (
    <section class="merge" aria-labelledby="merge-title">
      <h4 id="merge-title">{t('merge.title')}</h4>
      {!open ? (
        <button type="button" class="small ghost" onClick={() => setOpen(true)}>
          {t('merge.start')}
        </button>
      ) : (
        <>
          <form class="inline-add" onSubmit={search}>
            <label for="merge-q" class="visually-hidden">
              {t('merge.search')}
            </label>
            <input id="merge-q" type="search" value={q} maxLength={200} required placeholder={t('merge.search')} onInput={(e) => setQ(e.currentTarget.value)} />
            <button type="submit" class="small">
              {t('merge.find')}
            </button>
          </form>
          {found && found.length === 0 && <p class="muted">{t('search.none')}</p>}
          {found && found.length > 0 && (
            <ul class="merge-found" aria-label={t('merge.candidates')}>
              {found.map((c) => (
                <li>
                  <button type="button" class="small ghost" aria-pressed={chosen?.id === c.id} onClick={() => setChosen(c)}>
                    {c.name}
                  </button>
                  <span class="muted">{c.identities.map((i) => `${i.kind}: ${i.value}`).join(' · ')}</span>
                </li>
              ))}
            </ul>
          )}
          {chosen && (
            <div class="confirm">
              <p>{t('merge.confirmText', { source: chosen.name, target: client.name })}</p>
              <button type="button" class="small danger" onClick={() => void merge()}>
                {t('merge.confirm')}
              </button>
            </div>
          )}
        </>
      )}
      {message && (
        <p class={message.error ? 'error' : 'notice'} role={message.error ? 'alert' : 'status'}>
          {message.text}
        </p>
      )}
    </section>
  );
}
