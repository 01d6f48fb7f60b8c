import t from 'tap';
import { consoleRig, newPage, axeProblems } from '../helpers/console.js';
import { STRONG_PASSWORD } from '../helpers/appliance.js';
import { en } from '../../console/src/i18n/en.js';
import { ru } from '../../console/src/i18n/ru.js';

t.test('a browser in Russian gets the console in Russian, and the language can be switched by the user', async (t) => {
  const { app, base, browser } = await consoleRig(t);
  const ctx = { actor: 'test', source: 'test' };
  await app.access.users.create({ username: 'olga', password: STRONG_PASSWORD, role: 'operator', department: 'sales' }, ctx);
  const client = await app.clients.create({ name: 'Мария Иванова', fields: { город: 'Тверь' } }, ctx);
  const conv = await app.conversations.open({ clientId: client.id, channelId: null, department: 'sales' }, ctx);
  await app.history.append({ clientId: client.id, kind: 'message', conversationId: conv.id, direction: 'in', at: '2026-03-05T09:15:00.000Z', payload: { text: 'Здравствуйте', attachments: [], externalId: null, status: 'received' } });

  const page = await newPage(t, browser, 'ru-RU');
  await page.goto(base);
  t.equal(await page.evaluate(() => document.documentElement.lang), 'ru');
  await page.getByLabel('Имя пользователя').fill('olga');
  await page.getByLabel('Пароль', { exact: true }).fill(STRONG_PASSWORD);
  t.equal(await page.getByLabel('Одноразовый код').count(), 1);
  await page.getByRole('button', { name: 'Войти' }).click();

  await page.getByRole('button', { name: 'Мой отдел' }).click();
  const list = page.getByRole('list', { name: 'Диалоги' });
  await list.getByRole('listitem').filter({ hasText: 'Мария Иванова' }).getByRole('link').click();
  const history = page.getByRole('list', { name: 'История' });
  await history.getByText('Здравствуйте').waitFor();
  const when = await history.locator('time').first().innerText();
  t.equal(when, new Intl.DateTimeFormat('ru', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' }).format(new Date('2026-03-05T09:15:00.000Z')), `the date in Russian (${when})`);
  t.match(when, /мар.* 2026/, 'a Russian month name');
  t.equal(await page.getByRole('textbox', { name: 'Ответ' }).count(), 1);
  t.equal(await page.getByRole('button', { name: 'Отправить' }).count(), 1);
  t.same(await axeProblems(page), [], 'no serious accessibility problem in Russian either');

  await page.getByLabel('Язык').selectOption('en');
  await page.getByRole('list', { name: 'Conversations' }).waitFor();
  t.equal(await page.getByRole('textbox', { name: 'Reply' }).count(), 1);
  await page.reload();
  await page.getByRole('list', { name: 'Conversations' }).waitFor();
  t.pass('the choice outlives a reload');
});

t.test('the Russian catalogue has every English key, and no string is left untranslated by mistake', async (t) => {
  t.same(Object.keys(ru).sort(), Object.keys(en).sort());
  const sameOnPurpose = new Set(['app.name', 'history.out']);
  const same = Object.keys(en).filter((k) => !sameOnPurpose.has(k) && en[k as keyof typeof en] === ru[k as keyof typeof ru]);
  t.same(same, []);
  for (const [k, v] of Object.entries(en)) {
    const params = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    t.same(params(ru[k as keyof typeof ru]), params(v), `${k} takes the same parameters`);
  }
});
