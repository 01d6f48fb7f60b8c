import t from 'tap';
import { consoleRig, newPage, signIn } from '../helpers/console.js';
import { STRONG_PASSWORD } from '../helpers/appliance.js';

t.test("an operator cannot open another department's conversation by URL, and the API refuses it too", async (t) => {
  const { app, base, browser } = await consoleRig(t);
  const ctx = { actor: 'test', source: 'test' };
  await app.access.users.create({ username: 'olga', password: STRONG_PASSWORD, role: 'operator', department: 'sales' }, ctx);
  const theirs = await app.clients.create({ name: 'Support Client Secret', fields: { contract: 'SUP-77' } }, ctx);
  const theirConv = await app.conversations.open({ clientId: theirs.id, channelId: null, department: 'support' }, ctx);
  await app.history.append({ clientId: theirs.id, kind: 'note', conversationId: theirConv.id, payload: { text: 'support-only note' } });
  const ours = await app.clients.create({ name: 'Sales Client' }, ctx);
  await app.conversations.open({ clientId: ours.id, channelId: null, department: 'sales' }, ctx);

  const page = await newPage(t, browser);
  await signIn(page, base, 'olga', STRONG_PASSWORD);
  await page.getByRole('button', { name: 'My department' }).click();
  await page.getByRole('list', { name: 'Conversations' }).getByRole('listitem').filter({ hasText: 'Sales Client' }).waitFor();
  t.equal(await page.getByText('Support Client Secret').count(), 0, 'the other department is not in the inbox');

  await page.goto(`${base}/c/${theirConv.id}`);
  await page.getByRole('alert').filter({ hasText: 'does not exist or is not yours to see' }).waitFor();
  t.equal(await page.getByRole('list', { name: 'History' }).count(), 0, 'no timeline');
  const text = await page.locator('body').innerText();
  t.notMatch(text, /Support Client Secret|SUP-77|support-only note/, 'nothing of the conversation shows');

  // The same browser session, straight at the API: refused, whatever the page shows.
  const api = page.request;
  t.equal((await api.get(`${base}/api/v1/conversations/${theirConv.id}`)).status(), 404);
  t.equal((await api.get(`${base}/api/v1/clients/${theirs.id}/history`)).status(), 403);
  const all = (await (await api.get(`${base}/api/v1/inbox?view=all`)).json()) as { items: Array<{ client: { name: string } }> };
  t.same(all.items.map((i) => i.client.name), ['Sales Client'], 'the inbox API lists only what the operator may see');
  const csrf = ((await (await api.get(`${base}/api/v1/browser/session`)).json()) as { csrf: string }).csrf;
  const write = await api.post(`${base}/api/v1/conversations/${theirConv.id}/notes`, { headers: { origin: base, 'x-csrf-token': csrf }, data: { text: 'sneaked in' } });
  t.equal(write.status(), 404, 'nor can it write there');
  const closed = await api.post(`${base}/api/v1/conversations/${theirConv.id}/close`, { headers: { origin: base, 'x-csrf-token': csrf }, data: {} });
  t.equal(closed.status(), 404);
  t.equal(app.conversations.get(theirConv.id)?.status, 'open');
});
