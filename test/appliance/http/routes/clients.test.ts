import t from 'tap';
import { testAppliance, userWithToken, serviceToken, bearer } from '../../../helpers/appliance.js';

t.test('a client created with a phone is found by that number in any common spelling, and its card and history read back', async (t) => {
  const { app } = await testAppliance(t);
  const op = await userWithToken(app, 'olga', 'supervisor');
  const created = await app.http.inject({ method: 'POST', url: '/api/v1/clients', headers: bearer(op), payload: { name: 'Ivan Petrov', identities: [{ kind: 'phone', value: '+7 (912) 345-67-89' }, { kind: 'telegram', value: '123456789' }] } });
  t.equal(created.statusCode, 201);
  const { id } = created.json();
  t.type(id, 'string');

  for (const q of ['+79123456789', '+7 912 345 67 89', '0079123456789', 'ivan', 'PETR']) {
    const found = await app.http.inject({ method: 'GET', url: `/api/v1/clients?q=${encodeURIComponent(q)}`, headers: bearer(op) });
    t.same(found.json().items.map((c: { id: string }) => c.id), [id], `found by ${q}`);
  }
  const card = await app.http.inject({ method: 'GET', url: `/api/v1/clients/${id}`, headers: bearer(op) });
  t.match(card.json(), { name: 'Ivan Petrov', identities: [{ kind: 'phone', value: '+79123456789' }, { kind: 'telegram', value: '123456789' }] });

  const note = await app.http.inject({ method: 'POST', url: `/api/v1/clients/${id}/notes`, headers: bearer(op), payload: { text: 'Prefers calls after 6pm' } });
  t.equal(note.statusCode, 201);
  const history = await app.http.inject({ method: 'GET', url: `/api/v1/clients/${id}/history?limit=10`, headers: bearer(op) });
  t.match(history.json(), { items: [{ kind: 'note', payload: { text: 'Prefers calls after 6pm' }, actor: { type: 'user', id: 'olga' } }], nextCursor: null });
});

t.test('an identity already on another client is refused with 409', async (t) => {
  const { app } = await testAppliance(t);
  const op = await userWithToken(app, 'olga', 'supervisor');
  await app.http.inject({ method: 'POST', url: '/api/v1/clients', headers: bearer(op), payload: { name: 'A', identities: [{ kind: 'phone', value: '+14155550100' }] } });
  const dup = await app.http.inject({ method: 'POST', url: '/api/v1/clients', headers: bearer(op), payload: { name: 'B', identities: [{ kind: 'phone', value: '+1 415 555 0100' }] } });
  t.equal(dup.statusCode, 409);
  t.equal(dup.json().error, 'SWB_ERR_IDENTITY_TAKEN');
  const bad = await app.http.inject({ method: 'POST', url: '/api/v1/clients', headers: bearer(op), payload: { name: 'C', identities: [{ kind: 'phone', value: 'call me maybe' }] } });
  t.equal(bad.statusCode, 400);
});

t.test('injection-looking text is stored verbatim and returned as JSON data', async (t) => {
  const { app } = await testAppliance(t);
  const op = await userWithToken(app, 'olga', 'supervisor');
  const nasty = `Robert'); DROP TABLE clients;-- <script>alert(1)</script> {"$gt": ""} \${process.exit()}`;
  const created = await app.http.inject({ method: 'POST', url: '/api/v1/clients', headers: bearer(op), payload: { name: nasty, fields: { note: nasty } } });
  t.equal(created.statusCode, 201);
  const card = await app.http.inject({ method: 'GET', url: `/api/v1/clients/${created.json().id}`, headers: bearer(op) });
  t.equal(card.headers['content-type'], 'application/json; charset=utf-8');
  t.equal(card.json().name, nasty);
  t.equal(card.json().fields.note, nasty);
});

t.test('merging two clients keeps both histories in one timeline, is audited, and the old id leads to the survivor', async (t) => {
  const { app } = await testAppliance(t);
  const sup = await userWithToken(app, 'sam', 'supervisor');
  const a = (await app.http.inject({ method: 'POST', url: '/api/v1/clients', headers: bearer(sup), payload: { name: 'Anna', identities: [{ kind: 'phone', value: '+14155550101' }] } })).json().id;
  const b = (await app.http.inject({ method: 'POST', url: '/api/v1/clients', headers: bearer(sup), payload: { name: 'Anna K', identities: [{ kind: 'whatsapp', value: '14155550101' }] } })).json().id;
  await app.http.inject({ method: 'POST', url: `/api/v1/clients/${a}/notes`, headers: bearer(sup), payload: { text: 'note on a' } });
  await app.http.inject({ method: 'POST', url: `/api/v1/clients/${b}/notes`, headers: bearer(sup), payload: { text: 'note on b' } });
  const merged = await app.http.inject({ method: 'POST', url: `/api/v1/clients/${a}/merge`, headers: bearer(sup), payload: { sourceId: b } });
  t.equal(merged.statusCode, 200);
  t.equal(merged.json().identities.length, 2);
  const texts = (await app.http.inject({ method: 'GET', url: `/api/v1/clients/${a}/history`, headers: bearer(sup) })).json().items.map((e: { payload: { text: string } }) => e.payload.text);
  t.same(texts, ['note on b', 'note on a']);
  t.equal((await app.http.inject({ method: 'GET', url: `/api/v1/clients/${b}`, headers: bearer(sup) })).json().id, a);
  t.ok([...app.audit.all()].some((r) => r.action === 'client.merge' && r.actor === 'user:sam'));
});

t.test('an operator reads the history only of clients whose conversations they work, and cannot delete or merge', async (t) => {
  const { app } = await testAppliance(t);
  const sup = await userWithToken(app, 'sam', 'supervisor');
  const op = await userWithToken(app, 'olga', 'operator', 'sales');
  const mine = (await app.http.inject({ method: 'POST', url: '/api/v1/clients', headers: bearer(sup), payload: { name: 'Mine' } })).json().id;
  const other = (await app.http.inject({ method: 'POST', url: '/api/v1/clients', headers: bearer(sup), payload: { name: 'Other' } })).json().id;
  const conv = (await app.http.inject({ method: 'POST', url: '/api/v1/conversations', headers: bearer(sup), payload: { clientId: mine, department: 'sales' } })).json();
  await app.http.inject({ method: 'POST', url: '/api/v1/conversations', headers: bearer(sup), payload: { clientId: other, department: 'support' } });

  t.equal((await app.http.inject({ method: 'GET', url: `/api/v1/clients/${mine}/history`, headers: bearer(op) })).statusCode, 200);
  t.equal((await app.http.inject({ method: 'GET', url: `/api/v1/clients/${other}/history`, headers: bearer(op) })).statusCode, 403);
  const list = (await app.http.inject({ method: 'GET', url: '/api/v1/conversations?status=open', headers: bearer(op) })).json().items;
  t.same(list.map((c: { id: string }) => c.id), [conv.id], 'the operator lists only their department');
  t.equal((await app.http.inject({ method: 'DELETE', url: `/api/v1/clients/${other}`, headers: bearer(op) })).statusCode, 403);

  const all = (await app.http.inject({ method: 'GET', url: '/api/v1/conversations?status=open', headers: bearer(sup) })).json().items;
  t.equal(all.length, 2, 'a supervisor sees all');
});

t.test('a client export is audited and holds the card, conversations and history', async (t) => {
  const { app } = await testAppliance(t);
  const sup = await userWithToken(app, 'sam', 'supervisor');
  const id = (await app.http.inject({ method: 'POST', url: '/api/v1/clients', headers: bearer(sup), payload: { name: 'Exported' } })).json().id;
  await app.http.inject({ method: 'POST', url: `/api/v1/clients/${id}/notes`, headers: bearer(sup), payload: { text: 'x' } });
  const exp = await app.http.inject({ method: 'GET', url: `/api/v1/clients/${id}/export`, headers: bearer(sup) });
  t.match(exp.json(), { client: { id }, history: [{ kind: 'note' }] });
  t.ok([...app.audit.all()].some((r) => r.action === 'client.export' && r.target === `client:${id}`));
});

t.test('deleting a client removes its card and history and is audited', async (t) => {
  const { app } = await testAppliance(t);
  const admin = await userWithToken(app, 'root', 'admin');
  const id = (await app.http.inject({ method: 'POST', url: '/api/v1/clients', headers: bearer(admin), payload: { name: 'Gone', identities: [{ kind: 'email', value: 'Gone@Example.com' }] } })).json().id;
  t.equal((await app.http.inject({ method: 'DELETE', url: `/api/v1/clients/${id}`, headers: bearer(admin) })).statusCode, 204);
  t.equal((await app.http.inject({ method: 'GET', url: `/api/v1/clients/${id}`, headers: bearer(admin) })).statusCode, 404);
  t.same((await app.http.inject({ method: 'GET', url: '/api/v1/clients?q=gone@example.com', headers: bearer(admin) })).json().items, []);
  t.ok([...app.audit.all()].some((r) => r.action === 'client.delete'));
});

t.test('an integration token creates clients and reads history but cannot manage users', async (t) => {
  const { app } = await testAppliance(t);
  const crm = await serviceToken(app, 'integration');
  t.equal((await app.http.inject({ method: 'POST', url: '/api/v1/clients', headers: bearer(crm), payload: { name: 'From CRM' } })).statusCode, 201);
  t.equal((await app.http.inject({ method: 'GET', url: '/api/v1/users', headers: bearer(crm) })).statusCode, 403);
});

t.test("a phone number is found in the firm's local spellings too: national prefix, no plus, spaces and dashes", async (t) => {
  const { app } = await testAppliance(t);
  const sup = await userWithToken(app, 'olga', 'supervisor');
  const id = (await app.http.inject({ method: 'POST', url: '/api/v1/clients', headers: bearer(sup), payload: { name: 'Ivan', identities: [{ kind: 'phone', value: '+79123456789' }] } })).json().id;
  for (const q of ['89123456789', '8 (912) 345-67-89', '79123456789', '+7 912 345-67-89']) {
    const found = await app.http.inject({ method: 'GET', url: `/api/v1/clients?q=${encodeURIComponent(q)}`, headers: bearer(sup) });
    t.same(found.json().items.map((c: { id: string }) => c.id), [id], `found by ${q}`);
  }
  const other = await app.http.inject({ method: 'GET', url: `/api/v1/clients?q=${encodeURIComponent('89123456780')}`, headers: bearer(sup) });
  t.same(other.json().items, [], 'a different number finds nobody');
});
