import t from 'tap';
import type { Test } from 'tap';
import type { Appliance } from '../../../appliance/app.js';
import { testAppliance, bearer, STRONG_PASSWORD } from '../../helpers/appliance.js';
import { startSlapd, SERVICE_DN, GROUPS, PEOPLE, type Person, type Slapd } from '../../helpers/slapd.js';
import { totpCode } from '../../../domain/access/totp.js';

/* Staff sign in with their directory accounts; leaving the directory ends their access (issue 11, item 3). */

const pw = (uid: string) => `${uid} directory password 1`;
const person = (uid: string, groups: string[]): Person => ({ uid, password: pw(uid), groups });
const PEOPLE_LIST = [
  person('alice', ['staff', 'sales']),
  person('sam', ['staff', 'supervisors', 'support']),
  person('erin', ['admins']),
  person('gus', ['other']),
  person('bob', ['staff']),
  person('mallory', ['staff']),
  person('dora', ['staff']),
  person('lock', ['staff']),
  person('root', ['admins']),
];
const GROUP_LIST = ['staff', 'sales', 'support', 'supervisors', 'admins', 'other'];

function directoryConfig(slapd: Slapd) {
  return {
    url: slapd.ldaps,
    caFile: slapd.caFile,
    bindDn: SERVICE_DN,
    bindPassword: { file: slapd.serviceSecretFile },
    baseDn: PEOPLE,
    // OpenLDAP has no "disabled" flag of its own: the filter leaves out what the firm marks disabled.
    userFilter: '(&(objectClass=inetOrgPerson)(uid={username})(!(employeeType=disabled)))',
    groupBaseDn: GROUPS,
    roles: [
      { group: slapd.groupDn('admins'), role: 'admin' },
      { group: slapd.groupDn('supervisors'), role: 'supervisor' },
      { group: slapd.groupDn('staff'), role: 'operator' },
    ],
    departments: [
      { group: slapd.groupDn('sales'), department: 'sales' },
      { group: slapd.groupDn('support'), department: 'support' },
    ],
    syncMinutes: 5,
  };
}

async function setup(t: Test): Promise<{ app: Appliance; slapd: Slapd; logs: { text: string } }> {
  const slapd = await startSlapd(t, PEOPLE_LIST, GROUP_LIST);
  const { app, logs } = await testAppliance(t, { access: { loginRatePerMinute: 10_000, directory: directoryConfig(slapd) } });
  return { app, slapd, logs };
}

async function signIn(app: Appliance, username: string, password: string, extra: { remoteAddress?: string; totp?: string } = {}) {
  return app.http.inject({ method: 'POST', url: '/api/v1/sessions', remoteAddress: extra.remoteAddress ?? '127.0.0.1', payload: { username, password, ...(extra.totp ? { totp: extra.totp } : {}) } });
}

const current = (app: Appliance, token: string) => app.http.inject({ method: 'GET', url: '/api/v1/sessions/current', headers: bearer(token) });
const audited = (app: Appliance, action: string) => [...app.audit.all()].filter((r) => r.action === action);

/** The re-check interval passing, without waiting minutes: the record's last check is moved back. */
async function ageCheck(app: Appliance, username: string, minutes: number): Promise<void> {
  await app.store.write(() => {
    const u = app.access.users.require(username);
    app.access.users.putInTxn({ ...u, directory: { ...u.directory!, checkedAt: u.directory!.checkedAt - minutes * 60_000 } });
  });
}

t.test('a directory user signs in with the directory password; role and department come from the groups', async (t) => {
  const { app, slapd } = await setup(t);
  const res = await signIn(app, 'Alice', pw('alice'));
  t.equal(res.statusCode, 201, res.body);
  t.equal(res.json().role, 'operator');
  t.match((await current(app, res.json().token)).json(), { username: 'alice', role: 'operator', department: 'sales' });
  const rec = app.access.users.require('alice');
  t.equal(rec.passwordHash, '', 'no password is kept here');
  t.same(rec.directory && { dn: rec.directory.dn, lost: rec.directory.lost }, { dn: slapd.dnOf('alice'), lost: false });
  t.same(audited(app, 'user.create').map((r) => [r.target, r.actor, r.details.directory]), [['user:alice', 'system', slapd.dnOf('alice')]], 'the record made from the directory is audited');

  const sam = await signIn(app, 'sam', pw('sam'));
  t.equal(sam.json().role, 'supervisor', 'the first mapped group decides: supervisors before staff');
  t.equal(app.access.users.require('sam').department, 'support');

  t.equal((await signIn(app, 'alice', pw('alice'))).statusCode, 201, 'a second sign-in');
  t.equal(audited(app, 'user.create').length, 2, 'makes no second record');

  const change = await app.http.inject({ method: 'PUT', url: '/api/v1/users/me/password', headers: bearer(res.json().token), payload: { current: pw('alice'), password: STRONG_PASSWORD } });
  t.equal(change.statusCode, 409, 'the password is changed in the directory, not here');
  t.match(change.json().message, /directory/);
  const enrol = (password: string) => app.http.inject({ method: 'POST', url: '/api/v1/users/me/totp', headers: bearer(res.json().token), payload: { password } });
  t.equal((await enrol('not alices password')).statusCode, 401, 'a fresh proof with a wrong directory password is refused');
  t.equal((await enrol(pw('alice'))).statusCode, 201, 'and the directory password proves a security change');
});

t.test('a group change in the directory reaches the role at the next check, and a new role ends the old sessions', async (t) => {
  const { app, slapd } = await setup(t);
  const token = (await signIn(app, 'dora', pw('dora'))).json().token as string;
  await slapd.modify(`dn: ${slapd.groupDn('supervisors')}\nchangetype: modify\nadd: member\nmember: ${slapd.dnOf('dora')}\n`);
  t.equal((await current(app, token)).json().role, 'operator', 'before syncMinutes the record stands');
  await ageCheck(app, 'dora', 6);
  t.equal((await current(app, token)).statusCode, 401, 'the session made for an operator ended with the promotion');
  t.equal(app.access.users.require('dora').role, 'supervisor');
  t.ok(audited(app, 'user.directory.sync').some((r) => r.target === 'user:dora' && r.details.role === 'supervisor'));
  t.equal((await signIn(app, 'dora', pw('dora'))).json().role, 'supervisor');
});

t.test('the local TOTP second factor still applies to a directory admin', async (t) => {
  const { app } = await setup(t);
  const first = await signIn(app, 'erin', pw('erin'));
  t.equal(first.statusCode, 401);
  t.same([first.json().error, first.json().details.enrolment], ['SWB_ERR_TOTP_REQUIRED', 'pending'], 'the password alone opens nothing');
  // In the console, the proved directory password shows the pending enrolment's QR code, as for a new local admin.
  const browser = { host: '127.0.0.1:8080', origin: 'http://127.0.0.1:8080' };
  const wrong = await app.http.inject({ method: 'POST', url: '/api/v1/browser/session', headers: browser, payload: { username: 'erin', password: 'not erins password' } });
  t.notMatch(wrong.body, /otpauth/, 'no secret for a wrong password');
  const qr = await app.http.inject({ method: 'POST', url: '/api/v1/browser/session', headers: browser, payload: { username: 'erin', password: pw('erin') } });
  t.match(qr.json(), { error: 'SWB_ERR_TOTP_REQUIRED', details: { enrolment: 'pending', totpUri: /^otpauth:\/\/totp\/Switchboard:erin\?/, qr: /^data:image\/svg\+xml;base64,/ } });
  const secret = new URL(qr.json().details.totpUri).searchParams.get('secret')!;
  t.equal(secret, app.access.users.require('erin').totp!.secret);
  t.equal((await signIn(app, 'erin', pw('erin'), { totp: totpCode(secret, Date.now() - 60_000) })).statusCode, 401, 'a stale code is refused');
  const ok = await signIn(app, 'erin', pw('erin'), { totp: totpCode(secret) });
  t.equal(ok.statusCode, 201, ok.body);
  t.equal(ok.json().role, 'admin');
});

t.test('no mapped group, a wrong password, and the lockout counted as for local accounts', async (t) => {
  const { app } = await setup(t);
  const gus = await signIn(app, 'gus', pw('gus'));
  t.equal(gus.statusCode, 403);
  t.equal(gus.json().error, 'SWB_ERR_ACCOUNT_DISABLED', 'a right password in no mapped group opens nothing');
  t.equal(app.access.users.get('gus'), undefined, 'and makes no record');
  t.ok(audited(app, 'login.failure').some((r) => r.target === 'user:gus' && r.details.reason === 'in no mapped group'));

  const wrong = await signIn(app, 'alice', 'not alices password');
  t.equal(wrong.statusCode, 401);
  t.equal(wrong.json().error, 'SWB_ERR_BAD_CREDENTIALS');
  t.ok(audited(app, 'login.failure').some((r) => r.target === 'user:alice' && r.details.reason === 'refused by the directory' && r.details.failures === 1), 'counted by the login guard');

  // Ten failures from five addresses lock the name, exactly as for a local account (test/domain/access/lockout.test.ts).
  const codes: number[] = [];
  for (let i = 0; i < 10; i++) codes.push((await signIn(app, 'lock', `wrong ${i} directory pass`, { remoteAddress: `127.0.0.${10 + (i % 5)}` })).statusCode);
  t.same(codes, Array(10).fill(401));
  t.same(audited(app, 'login.locked').map((r) => r.target), ['user:lock']);
  const right = await signIn(app, 'lock', pw('lock'), { remoteAddress: '127.0.0.30' });
  t.equal(right.statusCode, 423, 'the right directory password does not open a locked name');
});

t.test('a user disabled, removed from every mapped group, or deleted in the directory loses access after the re-check interval', async (t) => {
  const { app, slapd } = await setup(t);
  const tokens: Record<string, string> = {};
  for (const uid of ['alice', 'bob', 'mallory']) tokens[uid] = (await signIn(app, uid, pw(uid))).json().token;

  await slapd.modify(`dn: ${slapd.dnOf('alice')}\nchangetype: modify\nadd: employeeType\nemployeeType: disabled\n`);
  await slapd.modify(`dn: ${slapd.groupDn('staff')}\nchangetype: modify\ndelete: member\nmember: ${slapd.dnOf('bob')}\n`);
  await slapd.modify(`dn: ${slapd.dnOf('mallory')}\nchangetype: delete\n`);
  for (const uid of ['alice', 'bob']) t.equal((await current(app, tokens[uid]!)).statusCode, 200, `${uid}: within syncMinutes the session stands`);

  for (const uid of ['alice', 'bob', 'mallory']) await ageCheck(app, uid, 6);
  for (const uid of ['alice', 'bob']) t.equal((await current(app, tokens[uid]!)).statusCode, 401, `${uid}: the next request after the interval is refused`);
  // mallory makes no request: the periodic sweep (as for an open live stream) ends the session.
  await app.access.sweep();
  t.equal((await current(app, tokens.mallory!)).statusCode, 401, 'mallory: ended by the sweep');

  t.same(app.access.sessions.list().map((s) => s.username), [], 'every session of theirs ended');
  const revokes = Object.fromEntries(audited(app, 'user.directory.revoke').map((r) => [r.target, r.details]));
  t.same(revokes, {
    'user:alice': { reason: 'not found in the directory', sessionsEnded: 1 },
    'user:bob': { reason: 'in no mapped group', sessionsEnded: 1 },
    'user:mallory': { reason: 'not found in the directory', sessionsEnded: 1 },
  });
  for (const uid of ['alice', 'bob']) t.equal((await signIn(app, uid, pw(uid))).statusCode, uid === 'bob' ? 403 : 401, `${uid} cannot sign in again`);

  await slapd.modify(`dn: ${slapd.groupDn('staff')}\nchangetype: modify\nadd: member\nmember: ${slapd.dnOf('bob')}\n`);
  const back = await signIn(app, 'bob', pw('bob'));
  t.equal(back.statusCode, 201, 'back in a mapped group, bob signs in again');
  t.ok(audited(app, 'user.directory.sync').some((r) => r.target === 'user:bob' && r.details.restored === true), 'restored, audited');

  await app.access.updateUser('bob', { disabled: true }, { actor: 'user:admin', source: 'test' });
  t.equal((await signIn(app, 'bob', pw('bob'))).statusCode, 403, 'an admin disabling a directory user here is not undone by the directory');
});

t.test('the directory down: a clear error for its users, a local break-glass admin still signs in', async (t) => {
  const { app, slapd, logs } = await setup(t);
  const { totpUri } = await app.access.users.create({ username: 'root', password: STRONG_PASSWORD, role: 'admin' }, { actor: 'test', source: 'test' });
  const secret = new URL(totpUri!).searchParams.get('secret')!;
  t.equal((await signIn(app, 'root', pw('root'))).statusCode, 401, 'a local account is never signed in by a directory entry of the same name');

  const alice = (await signIn(app, 'alice', pw('alice'))).json().token as string;
  // Alice leaves, and the directory goes down before her next check.
  await slapd.modify(`dn: ${slapd.groupDn('staff')}\nchangetype: modify\ndelete: member\nmember: ${slapd.dnOf('alice')}\n`);
  await slapd.stop();
  const down = await signIn(app, 'alice', pw('alice'));
  t.equal(down.statusCode, 503);
  t.equal(down.json().error, 'SWB_ERR_DIRECTORY_UNAVAILABLE');
  t.notMatch(down.body, /127\.0\.0\.1|ECONNREFUSED/, 'the answer names no host');
  t.match(logs.text, /directory unavailable/, 'the log says what failed');
  t.equal(audited(app, 'login.failure').filter((r) => r.target === 'user:alice').length, 0, 'an outage is no failed sign-in');

  const root = await signIn(app, 'root', STRONG_PASSWORD, { totp: totpCode(secret) });
  t.equal(root.statusCode, 201, 'break-glass: the local admin signs in');

  await ageCheck(app, 'alice', 6);
  t.equal((await current(app, alice)).statusCode, 200, 'an outage does not sign the firm out: the check waits for the directory');

  await slapd.start();
  t.equal(await app.access.directory!.recheck('alice'), 'unavailable', 'within the minute after a failure the directory is not asked again');
  t.equal(await app.access.directory!.recheck('alice', Date.now() + 61_000), 'revoked', 'a minute on, with the directory back, the check is made');
  t.equal((await current(app, alice)).statusCode, 401, 'and her session is over');
});

t.test('LDAP injection characters in the name sign nobody in', async (t) => {
  const { app } = await setup(t);
  const names = ['*', 'al*', 'alice)(uid=*', '*)(|(uid=*', 'alice\\', 'alice\u0000', '(uid=alice)'];
  for (const [i, name] of names.entries()) {
    // An address apart for each: every try counts as a failure, and one address would soon wait.
    const res = await signIn(app, name, pw('alice'), { remoteAddress: `127.0.1.${i + 1}` });
    t.equal(res.statusCode, 401, `${JSON.stringify(name)}: 401`);
  }
  t.same(app.access.sessions.list(), [], 'no session');
  t.equal(app.access.users.list().length, 0, 'no record');
});
