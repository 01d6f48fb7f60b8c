import t from 'tap';
import { tgText } from '../../fakes/telegram.js';
import { consoleRig, newPage, signIn, axeProblems } from '../../helpers/console.js';
import { bearer, STRONG_PASSWORD } from '../../helpers/appliance.js';
import { clientOf, until } from '../../helpers/gateway.js';

t.test("an operator goes Online and Away from the header, and round robin gives her new conversations only while she is Online", async (t) => {
  const { app, tg, base, browser, sup } = await consoleRig(t, { department: 'sales' });
  await app.access.users.create({ username: 'olga', password: STRONG_PASSWORD, role: 'operator', department: 'sales' }, { actor: 'test', source: 'test' });
  const online = async () => ((await app.http.inject({ url: '/api/v1/presence', headers: bearer(sup) })).json() as { items: Array<{ username: string }> }).items.map((i) => i.username);
  const conversationOf = async (chat: number) => {
    const clientId = await until(() => clientOf(app, 'telegram', String(chat)), `chat ${chat} stored`);
    return until(() => app.conversations.list({ clientId, limit: 1 })[0], `chat ${chat}'s conversation`);
  };

  const page = await newPage(t, browser);
  await signIn(page, base, 'olga', STRONG_PASSWORD);
  const status = page.getByRole('combobox', { name: 'My status' });
  await until(async () => (await status.inputValue()) === 'away', 'the status shown');
  t.same(await online(), [], 'nobody is online at first');
  t.same(await axeProblems(page), [], 'the header with its status has no serious accessibility problem');

  await status.selectOption({ label: 'Online' });
  await until(async () => (await online()).includes('olga'), 'olga online');
  tg.push(tgText(5001, 'First while online'));
  t.equal((await conversationOf(5001)).assignee, 'olga', 'round robin gave it to her');
  const mine = page.getByRole('list', { name: 'Conversations' });
  await mine.getByRole('listitem').filter({ hasText: 'First while online' }).waitFor();

  await page.reload();
  await until(async () => (await status.inputValue()) === 'online', 'the status kept across a reload');
  await status.selectOption({ label: 'Away' });
  await until(async () => !(await online()).includes('olga'), 'olga away');
  tg.push(tgText(5002, 'Second while away'));
  t.equal((await conversationOf(5002)).assignee, null, 'away: it waits in the department queue');
});
