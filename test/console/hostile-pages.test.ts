import t from 'tap';
import { consoleRig, newPage } from '../helpers/console.js';
import { signInAs } from '../helpers/desk-console.js';
import { seedDesk } from '../helpers/desk.js';
import type { Page } from 'playwright-core';
import type { Test } from 'tap';

const IMG = '<img src=x onerror="window.__pwned()">';
const SCRIPT = '<script>window.__pwned()</script>';
const LINK = '<a href="javascript:window.__pwned()">open me</a>';

async function watch(page: Page): Promise<() => number> {
  let ran = 0;
  await page.exposeFunction('__pwnedCount', () => ran++);
  await page.addInitScript(() => {
    (window as unknown as { __pwned: () => void }).__pwned = () => (window as unknown as { __pwnedCount: () => void }).__pwnedCount();
  });
  page.on('dialog', () => ran++);
  return () => ran;
}

async function noMarkup(t: Test, page: Page, where: string): Promise<void> {
  t.equal(await page.locator('img[src="x"], main script, a[href^="javascript:"], [onerror]').count(), 0, `${where}: no element was made from the text`);
  t.equal(await page.getByRole('link', { name: 'open me', exact: true }).count(), 0, `${where}: no link was made from the text`);
}

t.test('markup in departments, client names, tags, field values and token names shows as text on the search, card, supervisor, admin and audit pages', async (t) => {
  const { app, base, browser } = await consoleRig(t);
  const ctx = { actor: 'test', source: 'test' };
  await app.access.users.create({ username: 'olga', password: 'correct horse battery staple 42', role: 'operator', department: IMG }, ctx);
  const [conv] = await seedDesk(app, 1, { prefix: `${SCRIPT} Buyer`, department: IMG });
  await app.clients.update(conv!.clientId, { fields: { [LINK]: IMG }, tags: [SCRIPT] }, ctx);
  await app.access.tokens.create({ role: 'integration', name: LINK }, ctx);

  const page = await newPage(t, browser);
  const ran = await watch(page);
  await signInAs(page, base, app, 'root', 'admin');

  await page.getByRole('searchbox', { name: 'Find a client' }).fill('Buyer');
  const found = page.getByRole('list', { name: 'Clients found' });
  await found.getByRole('link').first().waitFor();
  t.match(await found.innerText(), SCRIPT, 'the search shows the name as typed');
  await found.getByRole('link').first().click();
  const card = page.getByRole('complementary', { name: 'Client' });
  await card.getByText(IMG).waitFor();
  await card.getByRole('textbox', { name: 'New client tag' }).fill(LINK);
  await card.getByRole('button', { name: 'Add tag' }).click();
  await card.getByRole('list', { name: 'Tags' }).getByText(LINK, { exact: true }).waitFor();
  await card.getByRole('textbox', { name: 'Field name' }).fill('Note');
  await card.getByRole('textbox', { name: 'Field value' }).fill(SCRIPT);
  await card.getByRole('button', { name: 'Save field' }).click();
  await card.getByRole('definition').getByText(SCRIPT, { exact: true }).waitFor();
  await noMarkup(t, page, 'the client page');

  await page.getByRole('link', { name: 'Supervisor' }).click();
  const waiting = page.getByRole('region', { name: 'Open conversations, waiting longest first' });
  await waiting.getByRole('row').nth(1).waitFor();
  t.match(await waiting.innerText(), SCRIPT, 'the supervisor list shows the name as text');
  t.match(await page.getByRole('region', { name: 'Operators' }).innerText(), IMG, 'and the department');
  await noMarkup(t, page, 'the supervisor page');

  await page.getByRole('link', { name: 'Admin' }).click();
  await page.getByRole('row', { name: /^olga/ }).waitFor();
  t.match(await page.getByRole('row', { name: /^olga/ }).innerText(), IMG);
  t.match(await page.getByRole('region', { name: 'Service tokens' }).innerText(), LINK);
  await noMarkup(t, page, 'the admin page');

  await page.getByRole('link', { name: 'Audit log' }).click();
  await page.getByRole('table', { name: 'Audit records' }).getByText('<img src=x onerror=').first().waitFor();
  await noMarkup(t, page, 'the audit page');
  t.equal(ran(), 0, 'no injected script ran');
});
