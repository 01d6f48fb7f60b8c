import t from 'tap';
import { consoleRig, newPage, axeProblems } from '../helpers/console.js';
import { signInAs } from '../helpers/desk-console.js';
import { seedDesk } from '../helpers/desk.js';
import { orderedPage } from '../../domain/conversations/inbox-order.js';

const N = 10_000;

t.test('an inbox of 10,000 open conversations renders and scrolls to its end with only a window of rows in the page', async (t) => {
  const { app, base, browser } = await consoleRig(t);
  await seedDesk(app, N, { department: 'sales' });
  const order = orderedPage(app.conversations.matching({ status: 'open' }), 'activity', null, N).items.map((c) => app.clients.get(c.clientId)!.name);
  const page = await newPage(t, browser);
  await signInAs(page, base, app, 'olga', 'operator', { department: 'sales' });
  await page.getByRole('button', { name: 'My department' }).click();
  const list = page.getByRole('list', { name: 'Conversations' });
  await list.getByRole('listitem').filter({ hasText: order[0]! }).waitFor();
  await page.getByText('Showing 200 of 10,000').waitFor();
  const rows = () => list.getByRole('listitem').count();
  t.ok((await rows()) < 60, `a window of rows, not 10,000 (${await rows()})`);
  t.equal(await list.getByRole('listitem').first().getAttribute('aria-setsize'), String(N), 'each row says how long the whole list is');
  t.same(await axeProblems(page), [], 'the long inbox has no serious accessibility problem');

  // Scroll to the end again and again: pages come in by cursor, the window moves, the DOM stays small.
  let most = 0;
  for (let i = 0; i < 200; i++) {
    await list.evaluate((el) => (el.parentElement!.scrollTop = el.parentElement!.scrollHeight));
    most = Math.max(most, await rows());
    if ((await list.getByRole('listitem').filter({ hasText: order[N - 1]! }).count()) > 0) break;
    await page.waitForTimeout(50);
  }
  await list.getByRole('listitem').filter({ hasText: order[N - 1]! }).waitFor();
  await page.getByText('Showing 10,000 of 10,000').waitFor();
  t.ok(most < 60, `never more than ${most} rows in the page while scrolling through 10,000`);
  t.equal(await list.getByRole('listitem').last().getAttribute('aria-posinset'), String(N), 'the last row knows its place');

  // Back to the middle: the rows there are drawn, in the server's order.
  await list.evaluate((el) => (el.parentElement!.scrollTop = el.parentElement!.scrollHeight / 2));
  await list.getByRole('listitem').filter({ hasText: order[N / 2]! }).waitFor();
  const shown = await list.getByRole('listitem').locator('.name').allInnerTexts();
  const at = order.indexOf(shown[0]!);
  t.same(shown, order.slice(at, at + shown.length), 'a contiguous run of the order');
  await list.getByRole('link', { name: new RegExp(order[N / 2]!) }).click();
  await page.getByRole('list', { name: 'History' }).getByText(`question`).first().waitFor();
});
