import { useState } from 'preact/hooks';
import type { CreatedToken, ServiceToken } from '../../../http/api/admin.js';
import { useApp } from '../context.js';
import { deskApi } from './api.js';
import { usePoll } from './poll.js';
import { NoticeLine, useAction } from './action.js';
import { Head } from './table.js';

/**
 * Service tokens for machines (Prometheus, a CRM): created with a role, the
 * secret shown once here and never again (the server keeps only its hash),
 * revoked at once. The secret lives in this component's memory until "Done".
 */
export function TokensSection() {
  const { t, fmt } = useApp();
  const tokens = usePoll(deskApi.tokens, 30_000);
  const { notice, act } = useAction(tokens.reload);
  const [fresh, setFresh] = useState<CreatedToken | null>(null);
  const [copied, setCopied] = useState(false);

  const create = async (e: Event) => {
    e.preventDefault();
    const f = e.currentTarget as HTMLFormElement;
    const d = new FormData(f);
    const days = Number(d.get('ttlDays') || 0);
    const name = String(d.get('name') ?? '').trim();
    const ok = await act(async () => {
      setCopied(false);
      setFresh(await deskApi.createToken({ name, role: String(d.get('role')) as ServiceToken['role'], ...(days > 0 ? { ttlDays: days } : {}) }));
    }, t('tokens.created', { name }));
    if (ok) f.reset();
  };
  const copy = async () => {
    if (!fresh) return;
    try {
      await navigator.clipboard.writeText(fresh.token);
      setCopied(true);
    } catch {
      // No clipboard (an insecure origin, a denied permission): the field is selected to copy by hand.
      (document.getElementById('token-secret') as HTMLInputElement | null)?.select();
    }
  };

  return (
    <section aria-labelledby="admin-tokens">
      <h2 id="admin-tokens">{t('tokens.title')}</h2>
      <NoticeLine notice={notice} />
      {fresh && (
        <div class="secret-once" role="region" aria-labelledby="token-once">
          <h3 id="token-once">{t('tokens.onceTitle', { name: fresh.name })}</h3>
          <p>{t('tokens.onceText')}</p>
          <label for="token-secret" class="visually-hidden">
            {t('tokens.secret')}
          </label>
          <input id="token-secret" readOnly value={fresh.token} onFocus={(e) => e.currentTarget.select()} />
          <button type="button" onClick={() => void copy()}>
            {t('tokens.copy')}
          </button>
          <span role="status">{copied ? t('tokens.copied') : ''}</span>
          <button type="button" class="ghost" onClick={() => setFresh(null)}>
            {t('tokens.done')}
          </button>
        </div>
      )}
      {tokens.data && tokens.data.items.length === 0 && <p class="muted">{t('tokens.none')}</p>}
      {tokens.data && tokens.data.items.length > 0 && (
        <table>
          <Head cols={['tokens.name', 'admin.role', 'tokens.createdBy', 'tokens.expires', 'admin.actions']} />
          <tbody>
            {tokens.data.items.map((k) => (
              <tr>
                <th scope="row">{k.name}</th>
                <td>{k.role}</td>
                <td>
                  {k.createdBy} · {fmt.dateTime(k.createdAt)}
                </td>
                <td>{k.expiresAt ? fmt.dateTime(k.expiresAt) : t('tokens.never')}</td>
                <td>
                  <button type="button" class="small ghost" aria-label={t('tokens.revokeOf', { name: k.name })} onClick={() => void act(() => deskApi.revokeToken(k.id), t('tokens.revoked', { name: k.name }))}>
                    {t('tokens.revoke')}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form class="admin-form" onSubmit={create} aria-labelledby="admin-new-token">
        <h3 id="admin-new-token">{t('tokens.new')}</h3>
        <label>
          {t('tokens.name')}
          <input name="name" required maxLength={64} autoComplete="off" />
        </label>
        <label>
          {t('admin.role')}
          <select name="role">
            <option value="metrics">metrics</option>
            <option value="integration">integration</option>
          </select>
        </label>
        <label>
          {t('tokens.ttlDays')}
          <input name="ttlDays" type="number" min={1} max={3650} />
        </label>
        <button type="submit">{t('tokens.create')}</button>
      </form>
    </section>
  );
}
