import { useEffect, useState } from 'preact/hooks';
import type { AuditQueryParams, AuditRecord, VerifyResult } from '../../../http/api/admin.js';
import { ApiError } from '../api.js';
import { useApp } from '../context.js';
import { deskApi } from './api.js';
import { Head } from './table.js';

const PAGE = 100;

/** A datetime-local value (the reader's own time zone) as the ISO instant the API filters by. */
const instant = (local: string): string | undefined => (local ? new Date(local).toISOString() : undefined);

/**
 * The audit log for auditors and admins: newest first, filtered by actor,
 * action and time range, older pages on demand, and the hash chain verified
 * on the server at the press of a button. Read-only, like the API.
 */
export function AuditPage() {
  const { t, fmt } = useApp();
  const [actions, setActions] = useState<string[]>([]);
  const [filter, setFilter] = useState<AuditQueryParams>({});
  const [items, setItems] = useState<AuditRecord[] | null>(null);
  const [next, setNext] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [verify, setVerify] = useState<VerifyResult | 'running' | null>(null);
  const explain = (err: unknown) => setError(err instanceof ApiError ? err.message : String(err));

  useEffect(() => {
    deskApi.auditActions().then((r) => setActions(r.items), explain);
  }, []);
  useEffect(() => {
    setItems(null);
    deskApi.audit({ ...filter, limit: PAGE }).then((p) => {
      setError(null);
      setItems(p.items);
      setNext(p.next);
    }, explain);
  }, [filter]);

  const apply = (e: Event) => {
    e.preventDefault();
    const d = new FormData(e.currentTarget as HTMLFormElement);
    const text = (k: string) => String(d.get(k) ?? '').trim() || undefined;
    setFilter({ actor: text('actor'), action: text('action'), from: instant(String(d.get('from') ?? '')), to: instant(String(d.get('to') ?? '')) });
  };
  const older = async () => {
    if (next === null) return;
    try {
      const p = await deskApi.audit({ ...filter, limit: PAGE, before: next });
      setItems((cur) => [...(cur ?? []), ...p.items]);
      setNext(p.next);
    } catch (err) {
      explain(err);
    }
  };
  const runVerify = async () => {
    setVerify('running');
    try {
      setVerify(await deskApi.verifyAudit());
    } catch (err) {
      setVerify(null);
      explain(err);
    }
  };

  return (
    <div class="admin-page audit">
      <h1>{t('audit.title')}</h1>
      <div class="verify">
        <button type="button" onClick={() => void runVerify()} disabled={verify === 'running'}>
          {t('audit.verify')}
        </button>
        <p role="status" class={verify && verify !== 'running' ? (verify.ok ? 'verify-ok' : 'verify-bad') : ''}>
          {verify === 'running'
            ? t('audit.verifying')
            : verify === null
              ? ''
              : verify.ok
                ? t('audit.intact', { count: verify.count, head: verify.head.slice(0, 16) })
                : t('audit.broken', { count: verify.count, first: verify.firstBad, reason: verify.reason })}
        </p>
      </div>
      <form class="admin-form filters" onSubmit={apply} aria-labelledby="audit-filters">
        <h2 id="audit-filters">{t('audit.filters')}</h2>
        <label>
          {t('audit.actor')}
          <input name="actor" maxLength={128} placeholder="user:olga" />
        </label>
        <label>
          {t('audit.action')}
          <select name="action">
            <option value="">{t('audit.anyAction')}</option>
            {actions.map((a) => (
              <option value={a}>{a}</option>
            ))}
          </select>
        </label>
        <label>
          {t('audit.from')}
          <input name="from" type="datetime-local" step={1} />
        </label>
        <label>
          {t('audit.to')}
          <input name="to" type="datetime-local" step={1} />
        </label>
        <button type="submit">{t('audit.apply')}</button>
      </form>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {items && items.length === 0 && <p class="muted">{t('audit.none')}</p>}
      {items && items.length > 0 && (
        <table aria-label={t('audit.records')}>
          <Head cols={['#', 'audit.time', 'audit.actor', 'audit.action', 'audit.target', 'audit.source', 'audit.details']} />
          <tbody>
            {items.map((r) => (
              <tr>
                <td>{r.seq}</td>
                <td>
                  <time dateTime={r.at}>{fmt.dateTime(r.at)}</time>
                </td>
                <td>{r.actor}</td>
                <td>{r.action}</td>
                <td>{r.target}</td>
                <td>{r.source}</td>
                <td class="details">{Object.keys(r.details).length ? JSON.stringify(r.details) : ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {next !== null && (
        <button type="button" class="ghost" onClick={() => void older()}>
          {t('audit.older')}
        </button>
      )}
    </div>
  );
}
