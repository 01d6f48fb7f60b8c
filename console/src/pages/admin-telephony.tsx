import { useApp } from '../context.js';
import { deskApi } from './api.js';
import { usePoll } from './poll.js';
import { Head } from './table.js';

const POLL_MS = 5000;

/**
 * Extensions, trunks and channels as they are right now. Shown, not edited:
 * their configuration is the config file and `switchboard provision apply`,
 * which the page says.
 */
export function TelephonySection() {
  const { t } = useApp();
  const ext = usePoll(deskApi.extensions, POLL_MS);
  const trunks = usePoll(deskApi.trunks, POLL_MS);
  const channels = usePoll(deskApi.channels, POLL_MS);
  const signalling = ext.data?.signalling ?? trunks.data?.signalling;
  return (
    <section aria-labelledby="admin-tel">
      <h2 id="admin-tel">{t('tel.title')}</h2>
      <p class="notice">{t('tel.configNote')}</p>
      {signalling && <p class={`signalling sig-${signalling}`}>{t(`tel.signalling.${signalling}`)}</p>}
      {[ext.error, trunks.error, channels.error].filter(Boolean).map((e) => (
        <p class="error" role="alert">
          {e}
        </p>
      ))}

      <h3 id="tel-ext">{t('tel.extensions')}</h3>
      <table aria-labelledby="tel-ext">
        <Head cols={['sup.extension', 'tel.name', 'conv.department', 'tel.user', 'tel.phones', 'tel.source']} />
        <tbody>
          {(ext.data?.items ?? []).map((e) => (
            <tr>
              <th scope="row">{e.number}</th>
              <td>{e.name || '—'}</td>
              <td>{e.department ?? '—'}</td>
              <td>{e.user ?? '—'}</td>
              <td>
                <span class={e.contacts > 0 ? 'state ok' : 'state off'}>{e.contacts > 0 ? t('tel.registered', { count: e.contacts }) : t('tel.notRegistered')}</span>
              </td>
              <td>{t(`tel.source.${e.source}`)}</td>
            </tr>
          ))}
        </tbody>
      </table>

      <h3 id="tel-trunks">{t('tel.trunks')}</h3>
      <table aria-labelledby="tel-trunks">
        <Head cols={['tel.trunk', 'tel.host', 'tel.prefix', 'tel.inbound', 'tel.registration']} />
        <tbody>
          {(trunks.data?.items ?? []).map((k) => (
            <tr>
              <th scope="row">{k.id}</th>
              <td>
                {k.host}:{k.port}/{k.transport}
              </td>
              <td>{k.prefix}</td>
              <td>{k.inbound}</td>
              <td>
                <span class={`state ${k.registration === 'registered' ? 'ok' : k.registration === 'failed' ? 'bad' : 'off'}`}>{t(`tel.reg.${k.registration ?? 'none'}`)}</span>
              </td>
            </tr>
          ))}
        </tbody>
      </table>

      <h3 id="tel-channels">{t('tel.channels')}</h3>
      <table aria-labelledby="tel-channels">
        <Head cols={['conv.channel', 'tel.type', 'tel.state', 'tel.outbox']} />
        <tbody>
          {(channels.data?.items ?? []).map((c) => (
            <tr>
              <th scope="row">{c.id}</th>
              <td>{c.type}</td>
              <td>
                <span class={`state ${c.health === 'ok' ? 'ok' : 'bad'}`}>{t(c.health === 'ok' ? 'tel.connected' : 'tel.down')}</span>
              </td>
              <td>{c.outbox}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
