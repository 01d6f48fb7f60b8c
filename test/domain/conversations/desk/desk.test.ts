import t from 'tap';
import { FakeTelegram, TG_TOKEN, tgText } from '../../../fakes/telegram.js';
import { clientOf, gatewayAppliance, messages, until } from '../../../helpers/gateway.js';
import { bearer, userWithToken } from '../../../helpers/appliance.js';

t.test('new conversations go round-robin to the online operators of the channel department, and each sees only theirs', async (t) => {
  const tg = await new FakeTelegram().start();
  t.teardown(() => tg.stop());
  const { app } = await gatewayAppliance(t, [{ id: 'tg', type: 'telegram', token: TG_TOKEN, apiBase: tg.url, pollTimeoutSeconds: 1, department: 'sales' }]);
  const tokens: Record<string, string> = {};
  for (const name of ['ann', 'bob', 'cat']) tokens[name] = await userWithToken(app, name, 'operator', 'sales');
  const other = await userWithToken(app, 'dan', 'operator', 'support');
  for (const name of ['ann', 'bob']) {
    const r = await app.http.inject({ method: 'PUT', url: '/api/v1/users/me/presence', headers: bearer(tokens[name]!), payload: { online: true } });
    t.same(r.json(), { username: name, online: true });
  }
  for (const chat of [1, 2, 3, 4]) {
    tg.push(tgText(chat, 'hi'));
    await until(() => clientOf(app, 'telegram', String(chat)), `client ${chat}`);
  }
  const assignees = [1, 2, 3, 4].map((c) => app.conversations.list({ clientId: clientOf(app, 'telegram', String(c))!, limit: 1 })[0]!.assignee);
  t.same(assignees, ['ann', 'bob', 'ann', 'bob'], 'cat is offline, so she gets none');
  const seenBy = async (token: string) => (await app.http.inject({ method: 'GET', url: '/api/v1/conversations?status=open', headers: bearer(token) })).json().items.length;
  t.equal(await seenBy(other), 0, 'another department sees none');

  await app.http.inject({ method: 'PUT', url: '/api/v1/users/me/presence', headers: bearer(tokens.bob!), payload: { online: false } });
  tg.push(tgText(5, 'hi'));
  const c5 = await until(() => clientOf(app, 'telegram', '5'), 'client 5');
  t.equal(app.conversations.list({ clientId: c5, limit: 1 })[0]!.assignee, 'ann', 'bob went offline');
});

t.test('tags, notes, closing and reopening, and response times are recorded per conversation', async (t) => {
  const tg = await new FakeTelegram().start();
  t.teardown(() => tg.stop());
  const { app, sup, reply } = await gatewayAppliance(t, [{ id: 'tg', type: 'telegram', token: TG_TOKEN, apiBase: tg.url, pollTimeoutSeconds: 1 }]);
  tg.push(tgText(8, 'first question'));
  const clientId = await until(() => clientOf(app, 'telegram', '8'), 'client');
  const conv = app.conversations.list({ clientId, limit: 1 })[0]!;
  const tags = await app.http.inject({ method: 'PUT', url: `/api/v1/conversations/${conv.id}/tags`, headers: bearer(sup), payload: { tags: ['vip', 'refund', 'vip'] } });
  t.same(tags.json().tags, ['vip', 'refund']);
  const note = await app.http.inject({ method: 'POST', url: `/api/v1/conversations/${conv.id}/notes`, headers: bearer(sup), payload: { text: 'call back tomorrow' } });
  t.equal(note.statusCode, 201);
  t.match(note.json(), { kind: 'note', conversationId: conv.id, payload: { text: 'call back tomorrow' } });

  await new Promise((r) => setTimeout(r, 50));
  await reply(conv.id, 'answer');
  await reply(conv.id, 'and more');
  const after = app.conversations.get(conv.id) as unknown as { firstResponseAt: string; responses: { count: number; totalSeconds: number }; awaitingSince: string | null };
  t.ok(after.firstResponseAt, 'first response time is set');
  t.match(after.responses, { count: 1 }, 'a second reply without a new question is not a response');
  t.equal(after.awaitingSince, null);
  const out = messages(app, clientId).filter((m) => m.direction === 'out');
  t.ok(out[0]!.payload.responseSeconds! >= 0.05, `the reply carries its response time (${out[0]!.payload.responseSeconds} s)`);
  t.equal(out[1]!.payload.responseSeconds, undefined);

  t.equal((await app.http.inject({ method: 'POST', url: `/api/v1/conversations/${conv.id}/close`, headers: bearer(sup), payload: {} })).statusCode, 200);
  t.equal((await app.http.inject({ method: 'POST', url: `/api/v1/conversations/${conv.id}/reopen`, headers: bearer(sup) })).json().status, 'open');
});
