import { useEffect, useState } from 'preact/hooks';
import type { ReplyBody } from '../../../http/api/conversations.js';
import type { ReplyLimits } from '../../../http/api/desk.js';
import { useApp } from '../context.js';
import type { Translate } from '../i18n/index.js';
import { deskApi } from './api.js';

let limits: Promise<ReplyLimits> | null = null;
/** Asked once per page: they change only with the configuration. */
function replyLimits(): Promise<ReplyLimits> {
  limits ??= deskApi.replyLimits().catch((err: unknown) => {
    limits = null;
    throw err;
  });
  return limits;
}

/** What base64 makes of n bytes, plus room for the file's name, type and the JSON around it. */
const onTheWire = (bytes: number, name: string) => 4 * Math.ceil(bytes / 3) + name.length * 6 + 400;

export function formatBytes(n: number, locale: string): string {
  const [value, unit] = n >= 1024 * 1024 ? [n / (1024 * 1024), 'megabyte'] : n >= 1024 ? [n / 1024, 'kilobyte'] : [n, 'byte'];
  return new Intl.NumberFormat(locale, { style: 'unit', unit, unitDisplay: 'short', maximumFractionDigits: 1 }).format(value);
}

/**
 * Why a file cannot go with a reply, before a byte of it is read or sent: over
 * the gateway's attachment limit, or too big for one request once encoded
 * (listen.bodyLimitBytes), or one file too many. null when it may go.
 */
export function refusal(file: { name: string; size: number }, already: ReadonlyArray<{ size: number; name: string }>, l: ReplyLimits, t: Translate, locale: string): string | null {
  const size = formatBytes(file.size, locale);
  if (already.length >= l.maxAttachments) return t('attach.tooMany', { max: l.maxAttachments });
  if (file.size > l.attachmentMaxBytes) return t('attach.tooLarge', { name: file.name, size, max: formatBytes(l.attachmentMaxBytes, locale) });
  const total = [...already, file].reduce((sum, f) => sum + onTheWire(f.size, f.name), 0);
  if (total > l.requestMaxBytes) return t('attach.requestTooLarge', { name: file.name, size, max: formatBytes(Math.floor((l.requestMaxBytes * 3) / 4), locale) });
  return null;
}

function base64Of(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(String(r.result).replace(/^data:[^,]*,/, ''));
    r.onerror = () => reject(r.error ?? new Error('unreadable'));
    r.readAsDataURL(file);
  });
}

/** The API keeps names to 200 characters: a longer one keeps its end (the extension). */
const shortName = (name: string) => (name.length <= 200 ? name : name.slice(0, 90) + '…' + name.slice(-109));

export async function encodeAll(files: readonly File[]): Promise<NonNullable<ReplyBody['attachments']>> {
  return Promise.all(files.map(async (f) => ({ name: shortName(f.name || 'file'), mime: f.type && f.type.length >= 3 ? f.type.slice(0, 100) : 'application/octet-stream', data: await base64Of(f) })));
}

/** The files picked for the reply being written, with the reason any was refused. */
export function AttachmentPicker({ files, onFiles, disabled }: { files: File[]; onFiles: (f: File[]) => void; disabled: boolean }) {
  const { t, locale } = useApp();
  const [problem, setProblem] = useState<string | null>(null);
  const [l, setL] = useState<ReplyLimits | null>(null);
  useEffect(() => {
    replyLimits().then(setL, () => undefined);
  }, []);

  const pick = (list: FileList | null) => {
    if (!list || !l) return;
    const next = [...files];
    let why: string | null = null;
    for (const f of Array.from(list)) {
      const r = refusal(f, next, l, t, locale);
      if (r) why = r;
      else next.push(f);
    }
    setProblem(why);
    onFiles(next);
  };

  return (
    <div class="attachments">
      <label class="attach-button">
        <span>{t('attach.label')}</span>
        <input
          type="file"
          multiple
          disabled={disabled || !l}
          onChange={(e) => {
            pick(e.currentTarget.files);
            e.currentTarget.value = '';
          }}
        />
      </label>
      {files.length > 0 && (
        <ul class="files" aria-label={t('attach.list')}>
          {files.map((f, i) => (
            <li>
              <span>{f.name}</span> <span class="muted">{formatBytes(f.size, locale)}</span>
              <button type="button" class="chip-x" disabled={disabled} aria-label={t('attach.remove', { name: f.name })} onClick={() => onFiles(files.filter((_, k) => k !== i))}>
                ×
              </button>
            </li>
          ))}
        </ul>
      )}
      {problem && (
        <p class="error" role="alert">
          {problem}
        </p>
      )}
    </div>
  );
}
