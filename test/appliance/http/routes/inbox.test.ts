import t from 'tap';
import { testAppliance, userWithToken, bearer } from '../../../helpers/appliance.js';
import { seedDesk, clientSays, weReply } from '../../../helpers/desk.js';
import type { InboxPage } from '../../../../http/api/conversations.js';
import { activityOf } from '../../../../domain/conversations/inbox-order.js';

t.test('the inbox pages 450 open conversations by cursor: each once, in order, with the total, past the old cap of 200', async (t) => {
  const { app } = await testAppliance(t);
  await seedDesk(app, 450, { department: 'sales' });
  const sup = await userWithToken(app, 'sup', 'supervisor');
  const seen: string[] = [];
  const activity: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const r = await app.http.inject({ url: `/api/v1/inbox?view=all&limit=200${cursor ? `&cursor=${cursor}` : ''}`, headers: bearer(sup) });
    t.equal(r.statusCode, 200, r.body);
    const page = r.json() as InboxPage;
    t.equal(page.total, 450);
    seen.push(...page.items.map((i) => i.conversation.id));
    activity.push(...page.items.map((i) => activityOf(i.conversation)));
    cursor = page.nextCursor;
    pages++;
  } while (cursor);
  t.equal(pages, 3);
  t.equal(seen.length, 450);
  t.equal(new Set(seen).size, 450, 'none twice');
  t.same(activity, [...activity].sort().reverse(), 'most recent first');
  const bad = await app.http.inject({ url: '/api/v1/inbox?view=all&cursor=garbage', headers: bearer(sup) });
  t.equal(bad.statusCode, 400);
  t.equal(bad.json().error, 'SWB_ERR_VALIDATION');
});

t.test('waiting order lists the longest wait first', async (t) => {
  const { app } = await testAppliance(t);
  const convs = await seedDesk(app, 5);
  const sup = await userWithToken(app, 'sup', 'supervisor');
  await weReply(app, convs[0]!, 'answered', 'sup');
  const page = (await app.http.inject({ url: '/api/v1/inbox?view=all&order=waiting', headers: bearer(sup) })).json() as InboxPage;
  t.same(page.items.map((i) => i.client.name), ['Client 1', 'Client 2', 'Client 3', 'Client 4', 'Client 0'], 'the answered one last');
  t.equal(page.items[4]!.waitingSince, null);
});

t.test("unread counts the client messages since the last reply and since the caller's last view; marks are per person", async (t) => {
  const { app } = await testAppliance(t);
  const [conv] = await seedDesk(app, 1, { department: 'sales' });
  const olga = await userWithToken(app, 'olga', 'operator', 'sales');
  const pete = await userWithToken(app, 'pete', 'operator', 'sales');
  const unread = async (token: string) => ((await app.http.inject({ url: '/api/v1/inbox?view=department', headers: bearer(token) })).json() as InboxPage).items[0]!.unread;
  await clientSays(app, conv!, 'second');
  t.same(await unread(olga), { count: 2, complete: true }, 'both client messages are unread');

  const seen = await app.http.inject({ method: 'PUT', url: `/api/v1/conversations/${conv!.id}/seen`, headers: bearer(olga), payload: {} });
  t.equal(seen.statusCode, 200, seen.body);
  t.same(await unread(olga), { count: 0, complete: true }, 'olga has read them');
  t.same(await unread(pete), { count: 2, complete: true }, 'pete has not');

  await new Promise((r) => setTimeout(r, 5));
  await clientSays(app, conv!, 'third');
  t.same(await unread(olga), { count: 1, complete: true }, 'a new message after her view');
  await weReply(app, conv!, 'answer', 'pete');
  t.same(await unread(pete), { count: 0, complete: true }, 'a reply answers what came before it, for everyone');
  t.same(await unread(olga), { count: 0, complete: true });
});

t.test('a read mark is refused on a conversation the caller cannot see, as if it did not exist', async (t) => {
  const { app } = await testAppliance(t);
  const [conv] = await seedDesk(app, 1, { department: 'support' });
  const olga = await userWithToken(app, 'olga', 'operator', 'sales');
  const r = await app.http.inject({ method: 'PUT', url: `/api/v1/conversations/${conv!.id}/seen`, headers: bearer(olga), payload: {} });
  t.equal(r.statusCode, 404);
  t.equal(app.store.db('desk').getKeysCount({ start: ['seen'], end: ['seen', '\uffff'] }), 0, 'no mark written');
  const bad = await app.http.inject({ method: 'PUT', url: `/api/v1/conversations/${conv!.id}/seen`, headers: bearer(await userWithToken(app, 'sup', 'supervisor')), payload: { at: 'soon' } });
  t.equal(bad.statusCode, 400);
});
