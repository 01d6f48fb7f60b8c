import type { ClientCard as Card } from '../../http/api/clients.js';
import { useApp } from './context.js';
import { CallButton } from './phone/call-button.js';

/** Everything here is the client's or a messenger's text: shown as text, never as markup or a link. */
export function ClientCard({ client }: { client: Card }) {
  const { t } = useApp();
  const fields = Object.entries(client.fields);
  return (
    <aside class="card" aria-labelledby="card-title">
      <h3 id="card-title">{t('card.title')}</h3>
      <p class="card-name">{client.name}</p>
      <h4>{t('card.identities')}</h4>
      {client.identities.length ? (
        <dl>
          {client.identities.map((i) => (
            <>
              <dt>{i.kind}</dt>
              <dd>
                {i.value}
                {i.kind === 'phone' && <CallButton number={i.value} />}
              </dd>
            </>
          ))}
        </dl>
      ) : (
        <p class="muted">{t('card.none')}</p>
      )}
      <h4>{t('card.tags')}</h4>
      {client.tags.length ? (
        <ul class="tags">
          {client.tags.map((tag) => (
            <li>{tag}</li>
          ))}
        </ul>
      ) : (
        <p class="muted">{t('card.none')}</p>
      )}
      <h4>{t('card.fields')}</h4>
      {fields.length ? (
        <dl>
          {fields.map(([k, v]) => (
            <>
              <dt>{k}</dt>
              <dd>{v}</dd>
            </>
          ))}
        </dl>
      ) : (
        <p class="muted">{t('card.none')}</p>
      )}
    </aside>
  );
}
