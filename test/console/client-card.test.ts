import t from 'tap';
import { consoleRig, newPage, axeProblems } from '../helpers/console.js';
import { signInAs } from '../helpers/desk-console.js';
import { clientSays } from '../helpers/desk.js';

const ctx = { actor: 'test', source: 'test' };

t.test('an operator finds a client by a phone written another way, edits the card, tags the conversation, and reading it clears the unread count', async (t) => {
  const { app, base, browser } = await consoleRig(t);
  const maria = await app.clients.create({ name: 'Maria Ivanova', identities: [{ kind: 'phone', value: '+79161234567' }, { kind: 'telegram', value: '3141' }] }, ctx);
  const conv = await app.conversations.open({ clientId: maria.id, channelId: null, department: 'sales' }, ctx);
  await clientSays(app, conv, 'Hello?');
  await clientSays(app, conv, 'Anyone there?');
  const page = await newPage(t, browser);
  await signInAs(page, base, app, 'olga', 'operator', { department: 'sales' });
  await page.getByRole('button', { name: 'My department' }).click();
  const row = page.getByRole('list', { name: 'Conversations' }).getByRole('listitem').filter({ hasText: 'Maria Ivanova' });
  await row.getByText('2 unread').waitFor();

  await page.getByRole('searchbox', { name: 'Find a client' }).fill('+7 (916) 123-45-67');
  await page.getByRole('list', { name: 'Clients found' }).getByRole('link', { name: /Maria Ivanova/ }).click();
  await page.getByRole('heading', { name: 'Maria Ivanova', level: 2 }).waitFor();
  t.match(page.url(), new RegExp(`/clients/${maria.id}$`));
  await page.getByRole('list', { name: 'History' }).getByText('Anyone there?').waitFor();
  t.same(await axeProblems(page), [], 'the client page has no serious accessibility problem');

  const card = page.getByRole('complementary', { name: 'Client' });
  await card.getByRole('button', { name: 'Edit name' }).click();
  await card.getByRole('textbox', { name: 'Name', exact: true }).fill('Maria Ivanova-Petrova');
  await card.getByRole('button', { name: 'Save', exact: true }).click();
  await card.getByText('Maria Ivanova-Petrova').waitFor();
  await card.getByRole('textbox', { name: 'New client tag' }).fill('vip');
  await card.getByRole('button', { name: 'Add tag' }).click();
  await card.getByRole('list', { name: 'Tags' }).getByText('vip').waitFor();
  await card.getByRole('textbox', { name: 'Field name' }).fill('City');
  await card.getByRole('textbox', { name: 'Field value' }).fill('Tver');
  await card.getByRole('button', { name: 'Save field' }).click();
  await card.getByText('Tver').waitFor();
  await card.getByRole('combobox', { name: 'Identity kind' }).selectOption('email');
  await card.getByRole('textbox', { name: 'Phone, address or handle' }).fill('Maria@Example.com');
  await card.getByRole('button', { name: 'Add identity' }).click();
  await card.getByText('maria@example.com').waitFor();
  t.match(app.clients.get(maria.id), { name: 'Maria Ivanova-Petrova', tags: ['vip'], fields: { City: 'Tver' } });
  t.ok(app.clients.get(maria.id)!.identities.some((i) => i.kind === 'email' && i.value === 'maria@example.com'));
  t.equal(await card.getByRole('button', { name: /^Remove (phone|telegram|email)/ }).count(), 0, 'an operator is not offered removing an identity');
  t.equal(await card.getByRole('button', { name: 'Merge another client into this one' }).count(), 0, 'nor merging');
  const csrf = ((await (await page.request.get(`${base}/api/v1/browser/session`)).json()) as { csrf: string }).csrf;
  const refused = await page.request.delete(`${base}/api/v1/clients/${maria.id}/identities/telegram/3141`, { headers: { origin: base, 'x-csrf-token': csrf } });
  t.equal(refused.status(), 403, 'and the API refuses it');

  await card.getByRole('button', { name: 'Remove tag vip' }).click();
  await card.getByRole('list', { name: 'Tags' }).waitFor({ state: 'detached' });
  t.same(app.clients.get(maria.id)!.tags, []);
  await card.getByRole('button', { name: 'Remove field City' }).click();
  await card.getByText('Tver').waitFor({ state: 'detached' });

  await page.getByRole('list', { name: 'Conversations of this client' }).getByRole('link').click();
  await page.getByRole('list', { name: 'History' }).getByText('Anyone there?').waitFor();
  const convTags = page.getByRole('form', { name: 'Conversation tags' });
  await convTags.getByRole('textbox', { name: 'New conversation tag' }).fill('refund');
  await convTags.getByRole('button', { name: 'Add tag' }).click();
  await page.getByRole('list', { name: 'Conversation tags' }).getByText('refund').waitFor();
  t.same(app.conversations.get(conv.id)!.tags, ['refund']);

  // Read: the mark is on the server, so another tab (or a reload) agrees.
  await t.resolves(async () => {
    for (let i = 0; i < 50; i++) {
      const r = (await (await page.request.get(`${base}/api/v1/inbox?view=department`)).json()) as { items: Array<{ unread: { count: number } }> };
      if (r.items[0]!.unread.count === 0) return;
      await page.waitForTimeout(50);
    }
    throw new Error('still unread');
  });
  await page.reload();
  await page.getByRole('list', { name: 'History' }).getByText('Anyone there?').waitFor();
  await page.getByRole('link', { name: 'Inbox' }).click();
  await page.getByRole('button', { name: 'My department' }).click();
  await row.waitFor();
  t.equal(await row.getByText(/unread/).count(), 0, 'no unread count after reading');
  await clientSays(app, conv, 'One more thing');
  await row.getByText('1 unread').waitFor({ timeout: 1500 });
});

t.test('a supervisor merges two cards of one person from the card, and the merged card holds both identities and histories', async (t) => {
  const { app, base, browser } = await consoleRig(t);
  const keep = await app.clients.create({ name: 'Ivan Petrov', identities: [{ kind: 'phone', value: '+79165550102' }] }, ctx);
  const dup = await app.clients.create({ name: 'Ivan P.', identities: [{ kind: 'telegram', value: '5550102' }] }, ctx);
  const dupConv = await app.conversations.open({ clientId: dup.id, channelId: null }, ctx);
  await clientSays(app, dupConv, 'From Telegram');
  const page = await newPage(t, browser);
  await signInAs(page, base, app, 'sveta', 'supervisor');
  await page.goto(`${base}/clients/${keep.id}`);
  const card = page.getByRole('complementary', { name: 'Client' });
  await card.getByRole('button', { name: 'Merge another client into this one' }).click();
  await card.getByRole('searchbox', { name: 'Client to merge into this one' }).fill('Ivan');
  await card.getByRole('button', { name: 'Find' }).click();
  await card.getByRole('list', { name: 'Clients to merge' }).getByRole('button', { name: 'Ivan P.' }).click();
  t.match(await card.getByText(/Merge “Ivan P\.” into “Ivan Petrov”/).innerText(), /identities, conversations and history move here/);
  t.equal(app.clients.get(dup.id)!.id, dup.id, 'nothing happens before the confirmation');
  await card.getByRole('button', { name: 'Confirm merge' }).click();
  await card.getByRole('status').filter({ hasText: '“Ivan P.” was merged into this client.' }).waitFor();
  await card.getByText('5550102', { exact: true }).waitFor();
  await page.getByRole('list', { name: 'History' }).getByText('From Telegram').waitFor();
  t.equal(app.clients.get(dup.id)!.id, keep.id, 'the merged-away id names the survivor');
  t.match([...app.audit.all()].filter((r) => r.action === 'client.merge').at(-1), { actor: 'user:sveta' });
  await card.getByRole('button', { name: 'Remove telegram 5550102' }).click();
  await card.getByText('5550102', { exact: true }).waitFor({ state: 'detached' });
  t.notOk(app.clients.get(keep.id)!.identities.some((i) => i.kind === 'telegram'), 'a supervisor removes an identity');
});
