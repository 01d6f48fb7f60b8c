import t from 'tap';
import { testAppliance, userWithToken, STRONG_PASSWORD, bearer } from '../../../helpers/appliance.js';
import type { UserRecord } from '../../../../domain/access/users.js';

/* A user's SIP extension through the users API: set, shown, cleared, one user each, audited. */

t.test('an admin sets an extension at creation and by patch, clears it with null, and each change is audited', async (t) => {
  const { app } = await testAppliance(t);
  const admin = await userWithToken(app, 'root', 'admin');
  const created = await app.http.inject({ method: 'POST', url: '/api/v1/users', headers: bearer(admin), payload: { username: 'olga', password: STRONG_PASSWORD, role: 'operator', extension: '101' } });
  t.equal(created.statusCode, 201, created.body);
  t.equal(created.json().extension, '101');
  t.equal((await app.http.inject({ url: '/api/v1/users/olga', headers: bearer(admin) })).json().extension, '101', 'the user shows it');

  const moved = await app.http.inject({ method: 'PATCH', url: '/api/v1/users/olga', headers: bearer(admin), payload: { extension: '2001' } });
  t.equal(moved.statusCode, 200, moved.body);
  t.equal(moved.json().extension, '2001');
  const cleared = await app.http.inject({ method: 'PATCH', url: '/api/v1/users/olga', headers: bearer(admin), payload: { extension: null } });
  t.equal(cleared.json().extension, null);
  t.equal(app.access.users.extensionOf('olga'), null);

  const audit = [...app.audit.all()].filter((r) => r.target === 'user:olga');
  t.match(audit[0], { action: 'user.create', actor: 'user:root', details: { role: 'operator', extension: '101' } });
  t.match(audit[1], { action: 'user.update', details: { from: { extension: '101' }, to: { extension: '2001' } } });
  t.match(audit[2], { action: 'user.update', details: { from: { extension: '2001' }, to: { extension: null } } });
});

t.test('a second user claiming a taken extension gets SWB_ERR_CONFLICT naming the holder, and nothing changes', async (t) => {
  const { app } = await testAppliance(t);
  const admin = await userWithToken(app, 'root', 'admin');
  await app.http.inject({ method: 'POST', url: '/api/v1/users', headers: bearer(admin), payload: { username: 'olga', password: STRONG_PASSWORD, role: 'operator', extension: '101' } });
  const create = await app.http.inject({ method: 'POST', url: '/api/v1/users', headers: bearer(admin), payload: { username: 'pete', password: STRONG_PASSWORD, role: 'operator', extension: '101' } });
  t.equal(create.statusCode, 409);
  t.equal(create.json().error, 'SWB_ERR_CONFLICT');
  t.match(create.json().message, /extension 101 already belongs to user olga/);
  t.notOk(app.access.users.get('pete'), 'the refused user was not created');

  await app.http.inject({ method: 'POST', url: '/api/v1/users', headers: bearer(admin), payload: { username: 'pete', password: STRONG_PASSWORD, role: 'operator', extension: '102' } });
  const patch = await app.http.inject({ method: 'PATCH', url: '/api/v1/users/pete', headers: bearer(admin), payload: { extension: '101' } });
  t.equal(patch.statusCode, 409);
  t.equal(patch.json().error, 'SWB_ERR_CONFLICT');
  t.equal(app.access.users.extensionOf('pete'), '102', 'pete keeps his own');
  t.notOk([...app.audit.all()].some((r) => r.action === 'user.update'), 'a refused claim audits no update');

  const same = await app.http.inject({ method: 'PATCH', url: '/api/v1/users/olga', headers: bearer(admin), payload: { extension: '101', department: null } });
  t.equal(same.statusCode, 200, 'a user re-stating their own extension is no conflict');
});

t.test('an extension that is not 2-8 digits is refused with SWB_ERR_VALIDATION', async (t) => {
  const { app } = await testAppliance(t);
  const admin = await userWithToken(app, 'root', 'admin');
  for (const extension of ['1', '123456789', '10a', '', ' 101', 101]) {
    const r = await app.http.inject({ method: 'POST', url: '/api/v1/users', headers: bearer(admin), payload: { username: 'olga', password: STRONG_PASSWORD, role: 'operator', extension } });
    t.equal(r.statusCode, 400, `${JSON.stringify(extension)} on create`);
    t.equal(r.json().error, 'SWB_ERR_VALIDATION');
  }
  await userWithToken(app, 'olga', 'operator');
  const r = await app.http.inject({ method: 'PATCH', url: '/api/v1/users/olga', headers: bearer(admin), payload: { extension: '12x' } });
  t.equal(r.statusCode, 400);
  await t.rejects(app.access.users.update('olga', { extension: '9' }, { actor: 'test', source: 'test' }), { code: 'SWB_ERR_VALIDATION' }, 'the service checks it without the HTTP schema');
});

t.test('only an admin sets an extension; a supervisor is refused', async (t) => {
  const { app } = await testAppliance(t);
  const sup = await userWithToken(app, 'sue', 'supervisor');
  await userWithToken(app, 'olga', 'operator');
  t.equal((await app.http.inject({ method: 'PATCH', url: '/api/v1/users/olga', headers: bearer(sup), payload: { extension: '101' } })).statusCode, 403);
  t.equal(app.access.users.extensionOf('olga'), null);
});

t.test('a user record stored before extensions existed reads as extension null', async (t) => {
  const { app } = await testAppliance(t);
  const admin = await userWithToken(app, 'root', 'admin');
  await userWithToken(app, 'olga', 'operator');
  await app.store.write(() => {
    const { extension: _e, ...old } = app.access.users.get('olga')!;
    app.store.db<Omit<UserRecord, 'extension'>, string>('users').putSync('olga', old);
  });
  t.notOk('extension' in app.store.db<Record<string, unknown>, string>('users').get('olga')!, 'the stored record has no extension key');
  t.equal((await app.http.inject({ url: '/api/v1/users/olga', headers: bearer(admin) })).json().extension, null);
  const listed = (await app.http.inject({ url: '/api/v1/users', headers: bearer(admin) })).json().items as Array<{ username: string; extension: unknown }>;
  t.equal(listed.find((u) => u.username === 'olga')!.extension, null);
  const patched = await app.http.inject({ method: 'PATCH', url: '/api/v1/users/olga', headers: bearer(admin), payload: { extension: '101' } });
  t.equal(patched.json().extension, '101');
});

t.test("an admin ends every session of a user at once, audited with the count", async (t) => {
  const { app } = await testAppliance(t);
  const admin = await userWithToken(app, 'root', 'admin');
  const a = await userWithToken(app, 'olga', 'operator');
  const b = await userWithToken(app, 'olga', 'operator');
  const other = await userWithToken(app, 'pete', 'operator');
  const r = await app.http.inject({ method: 'DELETE', url: '/api/v1/users/olga/sessions', headers: bearer(admin) });
  t.same(r.json(), { ended: 2 });
  for (const s of [a, b]) t.equal((await app.http.inject({ url: '/api/v1/sessions/current', headers: bearer(s) })).statusCode, 401);
  t.equal((await app.http.inject({ url: '/api/v1/sessions/current', headers: bearer(other) })).statusCode, 200, "another user's session goes on");
  t.match([...app.audit.all()].at(-1), { action: 'session.revoke', target: 'user:olga', details: { sessions: 2 } });
  t.equal((await app.http.inject({ method: 'DELETE', url: '/api/v1/users/nobody/sessions', headers: bearer(admin) })).statusCode, 404);
  t.equal((await app.http.inject({ method: 'DELETE', url: '/api/v1/users/pete/sessions', headers: bearer(other) })).statusCode, 403, 'a user cannot do it, not even to themselves');
});
