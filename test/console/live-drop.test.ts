import type { Socket } from 'node:net';
import t from 'tap';
import { tgText } from '../fakes/telegram.js';
import { consoleRig, newPage, signIn } from '../helpers/console.js';
import { STRONG_PASSWORD } from '../helpers/appliance.js';
import { clientOf, messages, until } from '../helpers/gateway.js';

/** More than one page of history (the console asks for 50): a reload of the newest page alone would leave a hole. */
const WHILE_DOWN = 70;

t.test('the live stream cut by the server and kept from coming back for a while: no message lost or doubled in the open view', async (t) => {
  const { app, tg, base, browser } = await consoleRig(t, { department: 'sales' });
  await app.access.users.create({ username: 'olga', password: STRONG_PASSWORD, role: 'operator', department: 'sales' }, { actor: 'test', source: 'test' });
  // The server side of every live stream, so the test can cut them as a proxy or a network would.
  const streams: Socket[] = [];
  app.http.server.on('request', (req) => req.url?.startsWith('/api/v1/events') && streams.push(req.socket));

  tg.push(tgText(4242, 'before the drop'));
  const clientId = await until(() => clientOf(app, 'telegram', '4242'), 'the first message stored');
  const page = await newPage(t, browser);
  await signIn(page, base, 'olga', STRONG_PASSWORD);
  await page.getByRole('button', { name: 'My department' }).click();
  const inbox = page.getByRole('list', { name: 'Conversations' });
  await inbox.getByRole('link', { name: /Ivan Petrov/ }).click();
  const history = page.getByRole('list', { name: 'History' });
  await history.getByText('before the drop').waitFor();
  await page.getByText('Live', { exact: true }).waitFor();

  // Down: the stream's connection is cut at the server, and reconnecting fails until the test allows it.
  await page.route('**/api/v1/events', (route) => route.abort('connectionrefused'));
  for (const s of streams.splice(0)) s.destroy();
  await page.getByText('Reconnecting…', { exact: true }).waitFor();
  for (let i = 0; i < WHILE_DOWN; i++) tg.push(tgText(4242, `while down ${String(i).padStart(2, '0')}`));
  await until(() => messages(app, clientId).length === WHILE_DOWN + 1, 'every message stored while the stream was down');
  t.equal(await history.getByText(/while down/).count(), 0, 'nothing arrived while the stream was down');

  await page.unroute('**/api/v1/events');
  await page.getByText('Live', { exact: true }).waitFor({ timeout: 10_000 });
  // One more, live, after the stream came back.
  tg.push(tgText(4242, 'after the drop'));
  await history.getByText('after the drop').waitFor();
  await until(async () => (await history.getByText(/while down/).count()) === WHILE_DOWN, `all ${WHILE_DOWN} messages sent while down in the view`, 5000).catch(() => undefined);

  const texts = await history.getByRole('listitem').allInnerTexts();
  const shown = (text: string) => texts.filter((x) => x.includes(text)).length;
  const expected = ['before the drop', ...Array.from({ length: WHILE_DOWN }, (_, i) => `while down ${String(i).padStart(2, '0')}`), 'after the drop'];
  t.same(
    expected.filter((x) => shown(x) !== 1).map((x) => `${x}: ${shown(x)}`),
    [],
    'each message in the view exactly once',
  );
  const order = texts.flatMap((x) => expected.filter((e) => x.includes(e)));
  t.same(order, expected, 'in the order they came');
  t.equal(await inbox.getByRole('listitem').filter({ hasText: 'Ivan Petrov' }).count(), 1, 'the conversation once in the inbox');
  await inbox.getByRole('listitem').filter({ hasText: 'after the drop' }).waitFor();
});
