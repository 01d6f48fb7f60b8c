import { useRef, useState } from 'preact/hooks';
import type { ComponentChildren } from 'preact';
import type { BrowserSession, TotpEnrolmentDetails } from '../../http/api/sessions.js';
import { api, ApiError } from './api.js';
import type { Translate } from './i18n/index.js';
import type { Formats } from './format.js';

interface Props {
  t: Translate;
  fmt: Formats;
  notice: string | null;
  picker: ComponentChildren;
  onSignedIn: (s: BrowserSession) => void;
}

/** The key of an otpauth URI, for people who type it instead of scanning. */
function secretOf(uri: string): string {
  try {
    return new URL(uri).searchParams.get('secret') ?? '';
  } catch {
    return '';
  }
}

export function SignIn({ t, fmt, notice, picker, onSignedIn }: Props) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [enrol, setEnrol] = useState<TotpEnrolmentDetails | null>(null);
  const code = useRef<HTMLInputElement>(null);

  const explain = (err: unknown): string => {
    if (!(err instanceof ApiError)) return t('error.generic', { message: String(err) });
    switch (err.code) {
      case 'network':
        return t('error.network');
      case 'SWB_ERR_BAD_CREDENTIALS':
        return t('signIn.badCredentials');
      case 'SWB_ERR_ACCOUNT_LOCKED': {
        const until = typeof err.details.lockedUntil === 'string' ? fmt.dateTime(err.details.lockedUntil) : '';
        return t('signIn.locked', { time: until });
      }
      case 'SWB_ERR_ACCOUNT_DISABLED':
        return t('signIn.disabled');
      case 'SWB_ERR_RATE_LIMITED':
        return t('signIn.rateLimited');
      case 'SWB_ERR_TOTP_REQUIRED':
        return t('signIn.codeRequired');
      case 'SWB_ERR_INSECURE_TRANSPORT':
        return t('signIn.insecure');
      default:
        return t('error.generic', { message: err.message });
    }
  };

  const submit = async (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    const totp = String(form.get('totp') ?? '').replace(/\s+/g, '');
    setBusy(true);
    setError(null);
    try {
      onSignedIn(await api.signIn({ username: String(form.get('username') ?? ''), password: String(form.get('password') ?? ''), ...(totp ? { totp } : {}) }));
    } catch (err) {
      if (err instanceof ApiError && err.code === 'SWB_ERR_TOTP_REQUIRED' && typeof err.details.qr === 'string') setEnrol(err.details as unknown as TotpEnrolmentDetails);
      setError(explain(err));
      if (err instanceof ApiError && err.code === 'SWB_ERR_TOTP_REQUIRED') code.current?.focus();
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="sign-in-page">
      <div class="sign-in-top">{picker}</div>
      <form class="sign-in" onSubmit={submit} aria-labelledby="sign-in-title">
        <h1 id="sign-in-title">{t('signIn.title')}</h1>
        {notice && !error && (
          <p class="notice" role="status">
            {notice}
          </p>
        )}
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <label for="username">{t('signIn.username')}</label>
        <input id="username" name="username" autocomplete="username" required maxLength={64} autoFocus />
        <label for="password">{t('signIn.password')}</label>
        <input id="password" name="password" type="password" autocomplete="current-password" required maxLength={1024} />
        {enrol?.qr && (
          <section class="enrol" aria-labelledby="enrol-title">
            <h2 id="enrol-title">{t('signIn.enrolTitle')}</h2>
            <p>{t('signIn.enrolText')}</p>
            <img src={enrol.qr} alt={t('signIn.enrolQr')} width={180} height={180} />
            <p>
              {t('signIn.enrolManual')} <code>{secretOf(enrol.totpUri ?? '')}</code>
            </p>
          </section>
        )}
        <label for="totp">{t('signIn.code')}</label>
        <input id="totp" name="totp" ref={code} inputMode="numeric" autocomplete="one-time-code" pattern="[0-9 ]{6,7}" maxLength={7} aria-describedby="totp-hint" />
        <p id="totp-hint" class="hint">
          {t('signIn.codeHint')}
        </p>
        <button type="submit" disabled={busy}>
          {busy ? t('signIn.busy') : t('signIn.submit')}
        </button>
      </form>
    </div>
  );
}
