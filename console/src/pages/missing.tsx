import { useApp } from '../context.js';

/** What shows instead of a page that cannot be shown: why, and the way back. */
export function Missing({ message, to = '/' }: { message: string; to?: string }) {
  const { t, navigate } = useApp();
  return (
    <section class="conversation missing">
      <p role="alert">{message}</p>
      <button type="button" onClick={() => navigate(to)}>
        {to === '/' ? t('conv.back') : t('page.home')}
      </button>
    </section>
  );
}
