import { useState } from 'preact/hooks';
import { useApp } from '../context.js';
import { usePhone } from './state.js';
import type { CallSummary } from '../../../http/api/calls.js';
import type { Ctx } from '../context.js';
import './phone.css';

/** One line for a call's state, as a person reads it. */
export function callStatus(call: CallSummary, { t }: Pick<Ctx, 't'>): string {
  if (call.state === 'ended') return t('phone.ended', { outcome: t(`outcome.${call.outcome ?? 'failed'}`) });
  if (call.state === 'answered') return t('phone.connected');
  return call.direction === 'out' ? t('phone.calling') : t('phone.ringing');
}

/** The header's phone corner: my extension and its phone, and my status (online takes new conversations; away does not). */
export function PhoneStatus() {
  const { t, session } = useApp();
  const phone = usePhone();
  const [error, setError] = useState(false);
  if (!['admin', 'supervisor', 'operator'].includes(session.role)) return null;
  return (
    <div class="phone-status">
      {phone.extension && (
        <span class={`phone-ext ${phone.registered ? 'up' : 'down'}`}>
          {t('phone.extension', { extension: phone.extension })} · {phone.registered ? t('phone.registered') : t('phone.unregistered')}
        </span>
      )}
      <label class="presence">
        <span>{t('phone.presence')}</span>
        <select
          value={phone.online === null ? '' : phone.online ? 'online' : 'away'}
          disabled={phone.online === null}
          onChange={(e) => {
            setError(false);
            phone.setOnline(e.currentTarget.value === 'online').catch(() => setError(true));
          }}
        >
          {phone.online === null && <option value="">…</option>}
          <option value="online">{t('phone.online')}</option>
          <option value="away">{t('phone.away')}</option>
        </select>
      </label>
      {error && <span role="alert">{t('phone.presenceFailed')}</span>}
    </div>
  );
}
