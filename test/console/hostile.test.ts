import t from 'tap';
import { consoleRig, newPage, signIn } from '../helpers/console.js';
import { STRONG_PASSWORD } from '../helpers/appliance.js';
import { tgText } from '../fakes/telegram.js';
import { clientOf, until } from '../helpers/gateway.js';

const IMG = '<img src=x onerror="window.__pwned()">';
const SCRIPT = '<script>window.__pwned()</script>';
const LINK = '<a href="javascript:window.__pwned()">open me</a>';

t.test('markup and script in message text, client names and fields show as text and never run', async (t) => {
  const { app, tg, base, browser } = await consoleRig(t, { department: 'sales' });
  await app.access.users.create({ username: 'olga', password: STRONG_PASSWORD, role: 'operator', department: 'sales' }, { actor: 'test', source: 'test' });
  tg.push(tgText(777, `${SCRIPT} ${LINK}`, { chat: { id: 777, type: 'private', first_name: IMG } }));
  const clientId = await until(() => clientOf(app, 'telegram', '777'), 'the hostile message stored');
  await app.clients.update(clientId, { fields: { [LINK]: IMG }, tags: [SCRIPT] }, { actor: 'test', source: 'test' });

  const page = await newPage(t, browser);
  let ran = 0;
  await page.exposeFunction('__pwnedCount', () => ran++);
  await page.addInitScript(() => {
    (window as unknown as { __pwned: () => void }).__pwned = () => (window as unknown as { __pwnedCount: () => void }).__pwnedCount();
  });
  page.on('dialog', () => ran++);
  await signIn(page, base, 'olga', STRONG_PASSWORD);
  await page.getByRole('button', { name: 'My department' }).click();
  const row = page.getByRole('list', { name: 'Conversations' }).getByRole('listitem').first();
  await row.waitFor();
  t.match(await row.innerText(), IMG, 'the name shows as typed in the inbox');
  t.match(await row.innerText(), SCRIPT, 'and the preview too');
  await row.getByRole('link').click();

  const history = page.getByRole('list', { name: 'History' });
  await history.getByText(`${SCRIPT} ${LINK}`, { exact: true }).waitFor();
  const card = page.getByRole('complementary');
  t.match(await card.innerText(), IMG, 'the card shows the name as text');
  t.match(await card.innerText(), LINK, 'and a field name');
  t.match(await card.innerText(), SCRIPT, 'and a tag');
  t.equal(await page.locator('img[src="x"], main script, a[href^="javascript:"], [onerror]').count(), 0, 'no element was made from the text');
  t.equal(await page.getByRole('link', { name: 'open me', exact: true }).count(), 0, 'no link was made from the text');
  await page.getByRole('textbox', { name: 'Reply' }).fill(IMG);
  await page.getByRole('button', { name: 'Save as internal note' }).click();
  await history.getByRole('listitem').filter({ hasText: 'Internal note by olga' }).getByText(IMG, { exact: true }).waitFor();
  t.equal(await page.locator('img[src="x"]').count(), 0, 'an operator-typed note is text too');
  t.equal(ran, 0, 'no injected script ran');
});
