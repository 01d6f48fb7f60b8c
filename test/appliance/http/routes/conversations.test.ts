import t from 'tap';
import { testAppliance, userWithToken, bearer } from '../../../helpers/appliance.js';
import type { Appliance } from '../../../../appliance/app.js';

type Token = Awaited<ReturnType<typeof userWithToken>>;

/** A supervisor's desk: one client in sales (olga's department), one in support with a private note. */
async function twoDepartments(app: Appliance): Promise<{ sup: Token; op: Token; ours: string; theirs: string; theirConv: string }> {
  const sup = await userWithToken(app, 'sam', 'supervisor');
  const op = await userWithToken(app, 'olga', 'operator', 'sales');
  const post = async (url: string, payload: object): Promise<{ id: string }> => (await app.http.inject({ method: 'POST', url, headers: bearer(sup), payload })).json();
  const ours = (await post('/api/v1/clients', { name: 'Ours' })).id;
  const theirs = (await post('/api/v1/clients', { name: 'Theirs' })).id;
  await post('/api/v1/conversations', { clientId: ours, department: 'sales', channelId: 'telegram:main' });
  const theirConv = (await post('/api/v1/conversations', { clientId: theirs, department: 'support', channelId: 'telegram:main' })).id;
  await post(`/api/v1/clients/${theirs}/notes`, { text: 'support only: pending fraud check', conversationId: theirConv });
  return { sup, op, ours, theirs, theirConv };
}

t.test("an operator cannot open a conversation for another department's client, so its history stays closed to them", async (t) => {
  const { app } = await testAppliance(t);
  const { op, theirs } = await twoDepartments(app);
  const history = (): Promise<number> => app.http.inject({ method: 'GET', url: `/api/v1/clients/${theirs}/history`, headers: bearer(op) }).then((r) => r.statusCode);
  t.equal(await history(), 403, 'refused before');
  for (const payload of [{ clientId: theirs, channelId: 'whatsapp:main' }, { clientId: theirs }, { clientId: theirs, department: 'support' }]) {
    const open = await app.http.inject({ method: 'POST', url: '/api/v1/conversations', headers: bearer(op), payload });
    t.equal(open.statusCode, 403, `opening ${JSON.stringify(payload)} is refused`);
    t.equal(open.json().error, 'SWB_ERR_FORBIDDEN');
  }
  t.equal(await history(), 403, 'and still refused after');
  const list = (await app.http.inject({ method: 'GET', url: `/api/v1/conversations?clientId=${theirs}`, headers: bearer(op) })).json().items;
  t.same(list, [], 'no conversation of theirs was opened on the side');
});

t.test('an operator opens a conversation for a client nobody works yet, into their own department, assigned to them', async (t) => {
  const { app } = await testAppliance(t);
  const { op } = await twoDepartments(app);
  const fresh = (await app.http.inject({ method: 'POST', url: '/api/v1/clients', headers: bearer(op), payload: { name: 'Walk-in' } })).json().id;
  const elsewhere = await app.http.inject({ method: 'POST', url: '/api/v1/conversations', headers: bearer(op), payload: { clientId: fresh, department: 'support' } });
  t.equal(elsewhere.statusCode, 403, 'not into another department');
  const opened = await app.http.inject({ method: 'POST', url: '/api/v1/conversations', headers: bearer(op), payload: { clientId: fresh } });
  t.equal(opened.statusCode, 201);
  t.match(opened.json(), { clientId: fresh, department: 'sales', assignee: 'olga', status: 'open' });
  t.equal((await app.http.inject({ method: 'GET', url: `/api/v1/clients/${fresh}/history`, headers: bearer(op) })).statusCode, 200);
});

t.test("a clash with another department's open conversation names no id to the operator, but does to a supervisor", async (t) => {
  const { app } = await testAppliance(t);
  const { sup, op, ours, theirConv } = await twoDepartments(app);
  // The same client is worked by both teams, on different channels.
  const hidden = (await app.http.inject({ method: 'POST', url: '/api/v1/conversations', headers: bearer(sup), payload: { clientId: ours, department: 'support', channelId: 'vk:main' } })).json().id;
  t.not(hidden, theirConv);
  const clash = await app.http.inject({ method: 'POST', url: '/api/v1/conversations', headers: bearer(op), payload: { clientId: ours, channelId: 'vk:main' } });
  t.equal(clash.statusCode, 409);
  t.notOk(JSON.stringify(clash.json()).includes(hidden), 'the hidden id is not in the answer');
  const forSup = await app.http.inject({ method: 'POST', url: '/api/v1/conversations', headers: bearer(sup), payload: { clientId: ours, channelId: 'vk:main' } });
  t.equal(forSup.statusCode, 409);
  t.equal(forSup.json().details.conversationId, hidden);
});

t.test('a note can be linked only to a visible conversation of the same client', async (t) => {
  const { app } = await testAppliance(t);
  const { sup, op, ours, theirs, theirConv } = await twoDepartments(app);
  const ourConv = (await app.http.inject({ method: 'GET', url: `/api/v1/conversations?clientId=${ours}`, headers: bearer(op) })).json().items[0].id;
  const shared = (await app.http.inject({ method: 'POST', url: '/api/v1/conversations', headers: bearer(sup), payload: { clientId: ours, department: 'support', channelId: 'vk:main' } })).json().id;
  const note = (conversationId: string): Promise<number> =>
    app.http.inject({ method: 'POST', url: `/api/v1/clients/${ours}/notes`, headers: bearer(op), payload: { text: 'n', conversationId } }).then((r) => r.statusCode);
  t.equal(await note(shared), 404, "not to another department's conversation of the same client");
  t.equal(await note(theirConv), 404, "not to another client's hidden conversation");
  t.equal(await note('no-such-conversation'), 404);
  t.equal(await note(ourConv), 201, 'to their own');
  const supNote = await app.http.inject({ method: 'POST', url: `/api/v1/clients/${theirs}/notes`, headers: bearer(sup), payload: { text: 'n', conversationId: ourConv } });
  t.equal(supNote.statusCode, 400, "not even a supervisor files a note under another client's conversation");
});

t.test("an operator cannot rename another department's client or attach an identity to it, but edits a client nobody works yet", async (t) => {
  const { app } = await testAppliance(t);
  const { sup, op, theirs } = await twoDepartments(app);
  const rename = await app.http.inject({ method: 'PATCH', url: `/api/v1/clients/${theirs}`, headers: bearer(op), payload: { name: 'Hijacked' } });
  t.equal(rename.statusCode, 403);
  const attach = await app.http.inject({ method: 'POST', url: `/api/v1/clients/${theirs}/identities`, headers: bearer(op), payload: { kind: 'telegram', value: '555000111' } });
  t.equal(attach.statusCode, 403);
  t.match((await app.http.inject({ method: 'GET', url: `/api/v1/clients/${theirs}`, headers: bearer(sup) })).json(), { name: 'Theirs', identities: [] });

  const fresh = (await app.http.inject({ method: 'POST', url: '/api/v1/clients', headers: bearer(op), payload: { name: 'Walk-in' } })).json().id;
  t.equal((await app.http.inject({ method: 'PATCH', url: `/api/v1/clients/${fresh}`, headers: bearer(op), payload: { name: 'Walk-in Ltd' } })).statusCode, 200);
  t.equal((await app.http.inject({ method: 'POST', url: `/api/v1/clients/${fresh}/identities`, headers: bearer(op), payload: { kind: 'telegram', value: '555000111' } })).statusCode, 201);
});
