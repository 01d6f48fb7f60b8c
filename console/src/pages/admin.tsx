import { useState } from 'preact/hooks';
import type { PublicUser } from '../../../http/api/admin.js';
import { useApp } from '../context.js';
import { deskApi } from './api.js';
import { usePoll } from './poll.js';
import { TokensSection } from './admin-tokens.js';
import { TelephonySection } from './admin-telephony.js';
import { NoticeLine, useAction } from './action.js';
import { Head } from './table.js';

const ROLES = ['operator', 'supervisor', 'admin', 'auditor'] as const;
const USERS_MS = 10_000;

/** Users, service tokens, and the live state of extensions, trunks and channels: the admin's page. */
export function AdminPage() {
  const { t } = useApp();
  return (
    <div class="admin-page">
      <h1>{t('admin.title')}</h1>
      <UsersSection />
      <TokensSection />
      <TelephonySection />
    </div>
  );
}

const orNull = (v: FormDataEntryValue | null) => (String(v ?? '').trim() === '' ? null : String(v).trim());

function UsersSection() {
  const { t } = useApp();
  const users = usePoll(deskApi.users, USERS_MS);
  const sessions = usePoll(deskApi.sessions, USERS_MS);
  const reload = () => (users.reload(), sessions.reload());
  const { notice, act } = useAction(reload);
  const [editing, setEditing] = useState<string | null>(null);
  const count = (u: string) => (sessions.data?.items ?? []).filter((s) => s.username === u).length;

  const create = async (e: Event) => {
    e.preventDefault();
    const f = e.currentTarget as HTMLFormElement;
    const d = new FormData(f);
    const username = String(d.get('username') ?? '').trim();
    const ok = await act(
      () => deskApi.createUser({ username, password: String(d.get('password') ?? ''), role: String(d.get('role')) as PublicUser['role'], department: orNull(d.get('department')), extension: orNull(d.get('extension')) }),
      t('admin.created', { user: username }),
    );
    if (ok) f.reset();
  };

  return (
    <section aria-labelledby="admin-users">
      <h2 id="admin-users">{t('admin.users')}</h2>
      {users.error && <p class="error" role="alert">{users.error}</p>}
      <NoticeLine notice={notice} />
      <table>
        <Head cols={['admin.username', 'admin.role', 'conv.department', 'sup.extension', 'admin.signIn', 'admin.sessions', 'admin.actions']} />
        <tbody>
          {(users.data?.items ?? []).map((u) =>
            editing === u.username ? (
              <EditRow user={u} act={act} done={() => setEditing(null)} />
            ) : (
              <tr>
                <th scope="row">{u.username}</th>
                <td>{t(`role.${u.role}`)}</td>
                <td>{u.department ?? '—'}</td>
                <td>{u.extension ?? '—'}</td>
                <td>{[u.disabled ? t('admin.disabled') : null, u.locked ? t('admin.locked') : null, t(`admin.totp.${u.totp}`)].filter(Boolean).join(' · ')}</td>
                <td>{count(u.username)}</td>
                <td>
                  <div class="row-actions">
                  <button type="button" class="small ghost" aria-label={t('admin.editUser', { user: u.username })} onClick={() => setEditing(u.username)}>
                    {t('admin.edit')}
                  </button>
                  {u.totp !== 'none' && (
                    <button type="button" class="small ghost" aria-label={t('admin.resetTotpOf', { user: u.username })} onClick={() => void act(() => deskApi.resetTotp(u.username), t('admin.totpReset', { user: u.username }))}>
                      {t('admin.resetTotp')}
                    </button>
                  )}
                  {u.locked && (
                    <button type="button" class="small ghost" aria-label={t('admin.unlockUser', { user: u.username })} onClick={() => void act(() => deskApi.unlock(u.username), t('admin.unlocked', { user: u.username }))}>
                      {t('admin.unlock')}
                    </button>
                  )}
                  {count(u.username) > 0 && (
                    <button type="button" class="small ghost" aria-label={t('admin.endSessionsOf', { user: u.username })} onClick={() => void act(() => deskApi.endSessions(u.username), t('admin.sessionsEnded', { user: u.username }))}>
                      {t('admin.endSessions')}
                    </button>
                  )}
                  </div>
                </td>
              </tr>
            ),
          )}
        </tbody>
      </table>

      <form class="admin-form" onSubmit={create} aria-labelledby="admin-new-user">
        <h3 id="admin-new-user">{t('admin.newUser')}</h3>
        <label>
          {t('admin.username')}
          <input name="username" required minLength={2} maxLength={64} autoComplete="off" />
        </label>
        <label>
          {t('admin.password')}
          <input name="password" type="password" required maxLength={4096} autoComplete="new-password" />
        </label>
        <UserFields />
        <button type="submit">{t('admin.create')}</button>
        <p class="hint">{t('admin.createHint')}</p>
      </form>
    </section>
  );
}

function EditRow({ user, act, done }: { user: PublicUser; act: (fn: () => Promise<unknown>, done: string) => Promise<boolean>; done: () => void }) {
  const { t } = useApp();
  const save = async (e: Event) => {
    e.preventDefault();
    const d = new FormData(e.currentTarget as HTMLFormElement);
    const patch = { role: String(d.get('role')) as PublicUser['role'], department: orNull(d.get('department')), extension: orNull(d.get('extension')), disabled: d.get('disabled') === 'on' };
    if (await act(() => deskApi.patchUser(user.username, patch), t('admin.saved', { user: user.username }))) done();
  };
  return (
    <tr class="editing">
      <td colSpan={7}>
        <form class="admin-form inline" onSubmit={save} aria-label={t('admin.editUser', { user: user.username })}>
          <strong>{user.username}</strong>
          <UserFields user={user} />
          <label class="check">
            <input type="checkbox" name="disabled" defaultChecked={user.disabled} />
            {t('admin.disabledLabel')}
          </label>
          <button type="submit" class="small">
            {t('card.save')}
          </button>
          <button type="button" class="small ghost" onClick={done}>
            {t('card.cancel')}
          </button>
        </form>
      </td>
    </tr>
  );
}

/** Role, department and extension: the same fields to create a user and to edit one. */
function UserFields({ user }: { user?: PublicUser }) {
  const { t } = useApp();
  return (
    <>
      <label>
        {t('admin.role')}
        <select name="role" defaultValue={user?.role ?? 'operator'}>
          {ROLES.map((r) => (
            <option value={r}>{t(`role.${r}`)}</option>
          ))}
        </select>
      </label>
      <label>
        {t('conv.department')}
        <input name="department" defaultValue={user?.department ?? ''} maxLength={64} />
      </label>
      <label>
        {t('sup.extension')}
        <input name="extension" defaultValue={user?.extension ?? ''} inputMode="numeric" pattern="[0-9]{2,8}" maxLength={8} />
      </label>
    </>
  );
}
