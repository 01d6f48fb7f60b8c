import { useState } from 'preact/hooks';
import type { Conversation } from '../../http/api/conversations.js';
import { api, ApiError } from './api.js';
import { useApp } from './context.js';

/** Close and reopen for anyone who works the conversation; assignment for supervisors and admins (the API's rule). */
export function ConversationActions({ conv, onChange }: { conv: Conversation; onChange: (c: Conversation) => void }) {
  const { t, session } = useApp();
  const [error, setError] = useState<string | null>(null);
  const [assigning, setAssigning] = useState(false);
  const manager = session.role === 'admin' || session.role === 'supervisor';

  const run = async (fn: () => Promise<Conversation>) => {
    setError(null);
    try {
      onChange(await fn());
      return true;
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
      return false;
    }
  };

  const assign = async (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    const value = (name: string) => String(form.get(name) ?? '').trim() || null;
    if (await run(() => api.assign(conv.id, { assignee: value('assignee'), department: value('department') }))) setAssigning(false);
  };

  return (
    <div class="actions">
      {conv.status === 'open' ? (
        <button type="button" onClick={() => void run(() => api.close(conv.id))}>
          {t('conv.close')}
        </button>
      ) : (
        <button type="button" onClick={() => void run(() => api.reopen(conv.id))}>
          {t('conv.reopen')}
        </button>
      )}
      {manager && (
        <button type="button" aria-expanded={assigning} onClick={() => setAssigning(!assigning)}>
          {t('conv.assign')}
        </button>
      )}
      {manager && assigning && (
        <form class="assign" onSubmit={assign}>
          <label>
            {t('conv.assignee')}
            <input name="assignee" defaultValue={conv.assignee ?? ''} maxLength={64} />
          </label>
          <label>
            {t('conv.department')}
            <input name="department" defaultValue={conv.department ?? ''} maxLength={64} />
          </label>
          <button type="submit">{t('conv.assignSave')}</button>
        </form>
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
