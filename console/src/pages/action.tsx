import { useState } from 'preact/hooks';
import { ApiError } from '../api.js';

type Notice = { error: boolean; text: string } | null;

/** Runs an admin action and says how it went; the list reloads after. */
export function useAction(reload: () => void): { notice: Notice; act: (fn: () => Promise<unknown>, done: string) => Promise<boolean> } {
  const [notice, setNotice] = useState<Notice>(null);
  const act = async (fn: () => Promise<unknown>, done: string) => {
    setNotice(null);
    try {
      await fn();
      setNotice({ error: false, text: done });
      return true;
    } catch (err) {
      setNotice({ error: true, text: err instanceof ApiError ? err.message : String(err) });
      return false;
    } finally {
      reload();
    }
  };
  return { notice, act };
}

export function NoticeLine({ notice }: { notice: Notice }) {
  if (!notice) return null;
  return (
    <p class={notice.error ? 'error' : 'notice'} role={notice.error ? 'alert' : 'status'}>
      {notice.text}
    </p>
  );
}

