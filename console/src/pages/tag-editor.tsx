import { useState } from 'preact/hooks';
import { useApp } from '../context.js';

/**
 * Tags as a list with a remove button each and a field to add one; every
 * change is saved at once through `save` (the client's or the conversation's
 * tags), which answers with what the server kept.
 */
export function TagEditor({ id, tags, listLabel, inputLabel, save, readOnly }: { id: string; tags: string[]; listLabel: string; inputLabel: string; save: (tags: string[]) => Promise<void>; readOnly?: boolean }) {
  const { t } = useApp();
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const run = async (next: string[]) => {
    setBusy(true);
    try {
      await save(next);
      return true;
    } catch {
      // The caller shows the refusal.
      return false;
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="tag-editor">
      {tags.length ? (
        <ul class="tags" aria-label={listLabel}>
          {tags.map((tag) => (
            <li>
              <span>{tag}</span>
              {!readOnly && (
                <button type="button" class="chip-x" disabled={busy} aria-label={t('tags.remove', { tag })} onClick={() => void run(tags.filter((x) => x !== tag))}>
                  ×
                </button>
              )}
            </li>
          ))}
        </ul>
      ) : (
        <p class="muted">{t('card.none')}</p>
      )}
      {!readOnly && (
        <form
          class="inline-add"
          aria-label={listLabel}
          onSubmit={async (e) => {
            e.preventDefault();
            const tag = text.trim();
            if (!tag || tags.includes(tag)) return setText('');
            if (await run([...tags, tag])) setText('');
          }}
        >
          <label for={`${id}-new`} class="visually-hidden">
            {inputLabel}
          </label>
          <input id={`${id}-new`} value={text} maxLength={64} placeholder={inputLabel} onInput={(e) => setText(e.currentTarget.value)} />
          <button type="submit" class="small" disabled={busy || !text.trim()}>
            {t('tags.add')}
          </button>
        </form>
      )}
    </div>
  );
}
