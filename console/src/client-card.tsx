import { useState } from 'preact/hooks';
import type { ClientCard as Card } from '../../http/api/clients.js';
import { IDENTITY_KINDS } from '../../http/api/identity-kinds.js';
import { ApiError } from './api.js';
import { useApp } from './context.js';
import { CallButton } from './phone/call-button.js';
import { deskApi } from './pages/api.js';
import { TagEditor } from './pages/tag-editor.js';
import { MergeBox } from './pages/merge-box.js';

/**
 * The client's card, editable where `onChange` is given: name, identities,
 * tags and fields; removing an identity and merging two clients for
 * supervisors and admins (the API's rule). Everything here is the client's or
 * a messenger's text: shown as text, never as markup or a link.
 */
export function ClientCard({ client, onChange }: { client: Card; onChange?: (c: Card) => void }) {
  const { t, session } = useApp();
  const [error, setError] = useState<string | null>(null);
  const [editingName, setEditingName] = useState(false);
  const manager = session.role === 'admin' || session.role === 'supervisor';
  const edit = onChange !== undefined;
  const fields = Object.entries(client.fields);

  /** Each edit is one request; the card is what the server answers. */
  const run = async (fn: () => Promise<Card>): Promise<boolean> => {
    setError(null);
    try {
      onChange?.(await fn());
      return true;
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
      throw err;
    }
  };
  const tryRun = (fn: () => Promise<Card>) => run(fn).catch(() => false);
  const form = (e: Event) => {
    e.preventDefault();
    const f = e.currentTarget as HTMLFormElement;
    return { data: new FormData(f), form: f };
  };

  return (
    <aside class="card" aria-labelledby="card-title">
      <h3 id="card-title">{t('card.title')}</h3>
      {editingName ? (
        <form
          class="inline-add"
          onSubmit={async (e) => {
            const { data } = form(e);
            if (await tryRun(() => deskApi.patchClient(client.id, { name: String(data.get('name') ?? '').trim() }))) setEditingName(false);
          }}
        >
          <label for="card-name-input" class="visually-hidden">
            {t('card.name')}
          </label>
          <input id="card-name-input" name="name" defaultValue={client.name} maxLength={200} required />
          <button type="submit" class="small">
            {t('card.save')}
          </button>
          <button type="button" class="small ghost" onClick={() => setEditingName(false)}>
            {t('card.cancel')}
          </button>
        </form>
      ) : (
        <p class="card-name">
          <span>{client.name}</span>
          {edit && (
            <button type="button" class="small ghost" onClick={() => setEditingName(true)}>
              {t('card.editName')}
            </button>
          )}
        </p>
      )}

      <h4>{t('card.identities')}</h4>
      {client.identities.length ? (
        <dl>
          {client.identities.map((i) => (
            <>
              <dt>{i.kind}</dt>
              <dd>
                <span>{i.value}</span>
                {i.kind === 'phone' && <CallButton number={i.value} />}
                {edit && manager && (
                  <button type="button" class="chip-x" aria-label={t('card.removeIdentity', { kind: i.kind, value: i.value })} onClick={() => void tryRun(() => deskApi.removeIdentity(client.id, i.kind, i.value))}>
                    ×
                  </button>
                )}
              </dd>
            </>
          ))}
        </dl>
      ) : (
        <p class="muted">{t('card.none')}</p>
      )}
      {edit && (
        <form
          class="inline-add"
          onSubmit={async (e) => {
            const { data, form: f } = form(e);
            if (await tryRun(() => deskApi.addIdentity(client.id, String(data.get('kind')), String(data.get('value') ?? '').trim()))) f.reset();
          }}
        >
          <label for="card-identity-kind" class="visually-hidden">
            {t('card.identityKind')}
          </label>
          <select id="card-identity-kind" name="kind">
            {IDENTITY_KINDS.map((k) => (
              <option value={k}>{k}</option>
            ))}
          </select>
          <label for="card-identity-value" class="visually-hidden">
            {t('card.identityValue')}
          </label>
          <input id="card-identity-value" name="value" maxLength={256} required placeholder={t('card.identityValue')} />
          <button type="submit" class="small">
            {t('card.addIdentity')}
          </button>
        </form>
      )}

      <h4>{t('card.tags')}</h4>
      <TagEditor id="card-tags" tags={client.tags} listLabel={t('card.tags')} inputLabel={t('card.newTag')} readOnly={!edit} save={(tags) => run(() => deskApi.patchClient(client.id, { tags })).then(() => undefined)} />

      <h4>{t('card.fields')}</h4>
      {fields.length ? (
        <dl>
          {fields.map(([k, v]) => (
            <>
              <dt>{k}</dt>
              <dd>
                <span>{v}</span>
                {edit && (
                  <button
                    type="button"
                    class="chip-x"
                    aria-label={t('card.removeField', { name: k })}
                    onClick={() => void tryRun(() => deskApi.patchClient(client.id, { fields: Object.fromEntries(fields.filter(([x]) => x !== k)) }))}
                  >
                    ×
                  </button>
                )}
              </dd>
            </>
          ))}
        </dl>
      ) : (
        <p class="muted">{t('card.none')}</p>
      )}
      {edit && (
        <form
          class="inline-add fields-add"
          onSubmit={async (e) => {
            const { data, form: f } = form(e);
            const name = String(data.get('name') ?? '').trim();
            if (name && (await tryRun(() => deskApi.patchClient(client.id, { fields: { ...client.fields, [name]: String(data.get('value') ?? '') } })))) f.reset();
          }}
        >
          <label for="card-field-name" class="visually-hidden">
            {t('card.fieldName')}
          </label>
          <input id="card-field-name" name="name" maxLength={64} required placeholder={t('card.fieldName')} />
          <label for="card-field-value" class="visually-hidden">
            {t('card.fieldValue')}
          </label>
          <input id="card-field-value" name="value" maxLength={4000} placeholder={t('card.fieldValue')} />
          <button type="submit" class="small">
            {t('card.saveField')}
          </button>
        </form>
      )}
      {edit && manager && <MergeBox client={client} onMerged={(c) => onChange?.(c)} />}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </aside>
  );
}
