import { useEffect, useState } from 'preact/hooks';
import type { Conversation } from '../../http/api/conversations.js';
import type { HistoryEvent } from '../../http/api/history.js';
import { api, ApiError } from './api.js';
import { useApp } from './context.js';
import { clearDraft, loadDraft, newKey, saveDraft, type Draft } from './draft.js';
import { AttachmentPicker, encodeAll } from './pages/attachments.js';

/** A dropped connection is retried with the same Idempotency-Key: the server answers a retry with the first result. */
const RETRY_DELAYS_MS = [300, 1000, 2000, 4000];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type State = { kind: 'idle' } | { kind: 'sending' } | { kind: 'retrying' } | { kind: 'failed'; message: string };

export function ReplyBox({ conv, onSent }: { conv: Conversation; onSent: (e: HistoryEvent) => void }) {
  const { t } = useApp();
  const [draft, setDraft] = useState<Draft>(() => loadDraft(conv.id));
  const [state, setState] = useState<State>({ kind: 'idle' });
  // Files stay in memory only (a draft in sessionStorage is text); changing them changes the message, so its key.
  const [files, setFiles] = useState<File[]>([]);
  const changeFiles = (f: File[]) => {
    setFiles(f);
    setDraft((d) => ({ ...d, key: null }));
  };
  useEffect(() => saveDraft(conv.id, draft), [conv.id, draft]);

  const busy = state.kind === 'sending' || state.kind === 'retrying';
  const explain = (err: unknown) => (err instanceof ApiError ? (err.network ? t('error.network') : err.message) : String(err));

  const send = async () => {
    if (busy || (draft.text.trim() === '' && files.length === 0)) return;
    // The key is fixed when this text is first sent, and saved with the draft before the request leaves.
    const d: Draft = { text: draft.text, key: draft.key ?? newKey() };
    setDraft(d);
    saveDraft(conv.id, d);
    setState({ kind: 'sending' });
    let attachments: Awaited<ReturnType<typeof encodeAll>> | undefined;
    try {
      attachments = files.length ? await encodeAll(files) : undefined;
    } catch (err) {
      setState({ kind: 'failed', message: explain(err) });
      return;
    }
    for (let attempt = 0; ; attempt++) {
      try {
        const r = await api.reply(conv.id, attachments ? { text: d.text, attachments } : { text: d.text }, d.key!);
        onSent(r.event);
        clearDraft(conv.id);
        setDraft({ text: '', key: null });
        setFiles([]);
        setState({ kind: 'idle' });
        return;
      } catch (err) {
        const again = err instanceof ApiError && (err.network || err.status >= 502);
        if (again && attempt < RETRY_DELAYS_MS.length) {
          setState({ kind: 'retrying' });
          await sleep(RETRY_DELAYS_MS[attempt]!);
          continue;
        }
        // Signed out: the draft (and its key) stay in this tab for after sign-in.
        if (err instanceof ApiError && err.code === 'SWB_ERR_UNAUTHENTICATED') return;
        setState({ kind: 'failed', message: explain(err) });
        return;
      }
    }
  };

  const note = async () => {
    if (busy || draft.text.trim() === '') return;
    setState({ kind: 'sending' });
    try {
      onSent(await api.note(conv.id, { text: draft.text }));
      clearDraft(conv.id);
      setDraft({ text: '', key: null });
      setState({ kind: 'idle' });
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 'SWB_ERR_UNAUTHENTICATED')) setState({ kind: 'failed', message: explain(err) });
    }
  };

  if (conv.status === 'closed') return <p class="reply-closed">{t('reply.closed')}</p>;
  return (
    <form
      class="reply"
      onSubmit={(e) => {
        e.preventDefault();
        void send();
      }}
    >
      <label for="reply">{t('reply.label')}</label>
      <textarea
        id="reply"
        value={draft.text}
        readOnly={busy}
        placeholder={t('reply.placeholder')}
        maxLength={4096}
        rows={3}
        aria-describedby="reply-hint"
        onInput={(e) => setDraft({ text: e.currentTarget.value, key: null })}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
            e.preventDefault();
            void send();
          }
        }}
      />
      <div class="reply-bar">
        <span id="reply-hint" class="hint" role="status">
          {state.kind === 'retrying' ? t('reply.retrying') : state.kind === 'failed' ? t('reply.failed', { message: state.message }) : t('reply.hint')}
        </span>
        <AttachmentPicker files={files} onFiles={changeFiles} disabled={busy} />
        <button type="button" class="ghost" disabled={busy || files.length > 0} onClick={() => void note()}>
          {t('reply.note')}
        </button>
        <button type="submit" disabled={busy}>
          {t('reply.send')}
        </button>
      </div>
    </form>
  );
}
