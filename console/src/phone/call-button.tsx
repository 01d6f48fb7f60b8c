import { useState } from 'preact/hooks';
import { useApp } from '../context.js';
import { ApiError } from '../api.js';
import { phoneApi } from './api.js';
import { phoneErrorKey, usePhone } from './state.js';
import { callStatus } from './status.js';

/**
 * Click-to-call beside a phone number: the appliance rings my own phone first
 * and, when I pick up, the number. What happens next comes from the live stream.
 */
export function CallButton({ number }: { number: string }) {
  const app = useApp();
  const { t } = app;
  const phone = usePhone();
  const [callId, setCallId] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const call = callId ? phone.calls.get(callId) : undefined;
  const active = call !== undefined && call.state !== 'ended';

  const start = async () => {
    setError(null);
    setBusy(true);
    try {
      const c = await phoneApi.clickToCall(number);
      phone.track(c);
      setCallId(c.id);
    } catch (err) {
      const key = phoneErrorKey(err);
      setError(key ? t(key) : t('error.generic', { message: err instanceof ApiError ? err.message : String(err) }));
    } finally {
      setBusy(false);
    }
  };

  return (
    <span class="call-action">
      <button type="button" class="call" aria-label={t('phone.callNumber', { number })} disabled={busy || active} onClick={() => void start()}>
        {t('phone.call')}
      </button>
      {call && (
        <span class="call-progress" role="status">
          {callStatus(call, app)}
        </span>
      )}
      {error && (
        <span class="error" role="alert">
          {error}
        </span>
      )}
    </span>
  );
}
