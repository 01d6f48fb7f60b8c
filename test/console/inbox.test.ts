import t from 'tap';
import { tgText } from '../fakes/telegram.js';
import { consoleRig, newPage, signIn, axeProblems } from '../helpers/console.js';
import { STRONG_PASSWORD } from '../helpers/appliance.js';
import { clientOf, messages, until } from '../helpers/gateway.js';

t.test('a Telegram message appears in an open inbox without a reload, and a reply cut off mid-send reaches Telegram exactly once', async (t) => {
  const { app, tg, base, browser } = await consoleRig(t, { department: 'sales' });
  await app.access.users.create({ username: 'olga', password: STRONG_PASSWORD, role: 'operator', department: 'sales' }, { actor: 'test', source: 'test' });
  const page = await newPage(t, browser);
  await signIn(page, base, 'olga', STRONG_PASSWORD);
  await page.getByRole('button', { name: 'My department' }).click();
  const list = page.getByRole('list', { name: 'Conversations' });
  await list.waitFor({ state: 'attached' });
  t.equal(await list.getByRole('listitem').count(), 0, 'the inbox starts empty');
  await page.getByText('Live', { exact: true }).waitFor();
  // Gone if the page reloads.
  await page.evaluate(() => ((window as unknown as { sameDocument: boolean }).sameDocument = true));

  tg.push(tgText(4242, 'Hello from Telegram'));
  const clientId = await until(() => clientOf(app, 'telegram', '4242'), 'the message stored');
  // Committed: from here the open inbox has one second to show it.
  await list.getByRole('listitem').filter({ hasText: 'Ivan Petrov' }).filter({ hasText: 'Hello from Telegram' }).waitFor({ timeout: 1000 });
  t.equal(await page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument), true, 'no reload');

  await list.getByRole('link', { name: /Ivan Petrov/ }).click();
  const historyList = page.getByRole('list', { name: 'History' });
  await historyList.getByText('Hello from Telegram').waitFor();
  t.match(page.url(), /\/c\/[0-9a-f-]+$/);
  t.same(await axeProblems(page), [], 'the conversation view has no serious accessibility problem');

  // The first send reaches the appliance, but its answer never reaches the browser.
  const sends: Array<{ key: string | null; replayed: string | null }> = [];
  await page.route('**/api/v1/conversations/*/messages', async (route) => {
    const key = route.request().headers()['idempotency-key'] ?? null;
    if (sends.length === 0) {
      const answer = await route.fetch();
      sends.push({ key, replayed: answer.headers()['idempotent-replayed'] ?? null });
      return route.abort('connectionreset');
    }
    const answer = await route.fetch();
    sends.push({ key, replayed: answer.headers()['idempotent-replayed'] ?? null });
    return route.fulfill({ response: answer });
  });
  await page.getByRole('textbox', { name: 'Reply' }).fill('We have your order, Ivan');
  await page.getByRole('button', { name: 'Send' }).click();
  await historyList.getByRole('listitem').filter({ hasText: 'We have your order, Ivan' }).waitFor();
  await until(() => messages(app, clientId).some((m) => m.direction === 'out' && m.payload.status === 'sent'), 'the reply sent');
  await until(() => tg.textsTo(4242).length > 0, 'the stand-in got the reply');
  // The reply box empties only when a send succeeded: here, the retry.
  const reply = page.getByRole('textbox', { name: 'Reply' });
  await until(async () => (await reply.inputValue()) === '', 'the console done sending');

  // Whatever was queued has gone out (or failed) by now: a second message would be at the stand-in.
  await until(() => messages(app, clientId).every((m) => m.direction !== 'out' || m.payload.status !== 'queued'), 'the outbox settled');
  t.equal(sends.length, 2, 'the console sent the reply again after the connection dropped');
  t.ok(sends[0]!.key && sends[0]!.key === sends[1]!.key, 'with the same Idempotency-Key');
  t.equal(sends[1]!.replayed, 'true', 'and the appliance answered the retry with the first result');
  t.same(tg.textsTo(4242), ['We have your order, Ivan'], 'Telegram got the reply exactly once');
  t.equal(messages(app, clientId).filter((m) => m.direction === 'out').length, 1, 'one reply in the history');
  await historyList.getByRole('listitem').filter({ hasText: 'We have your order, Ivan' }).filter({ hasText: /sent|delivered|read/ }).waitFor();
});
