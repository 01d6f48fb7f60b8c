import t from 'tap';
import { consoleRig, newPage, axeProblems } from '../helpers/console.js';
import { STRONG_PASSWORD } from '../helpers/appliance.js';
import { totpCode } from '../../domain/access/totp.js';
import { seedDesk } from '../helpers/desk.js';
import { deskEn } from '../../console/src/i18n/desk-en.js';

t.test('the supervisor, admin and audit pages come in Russian for a Russian browser, with no English string left and no serious accessibility problem', async (t) => {
  const { app, base, browser } = await consoleRig(t);
  await seedDesk(app, 3, { prefix: 'Покупатель', department: 'продажи' });
  const page = await newPage(t, browser, 'ru-RU');
  const { totpUri } = await app.access.users.create({ username: 'root', password: STRONG_PASSWORD, role: 'admin' }, { actor: 'test', source: 'test' });
  await page.goto(base);
  await page.getByLabel('Имя пользователя').fill('root');
  await page.getByLabel('Пароль', { exact: true }).fill(STRONG_PASSWORD);
  await page.getByLabel('Одноразовый код').fill(totpCode(new URL(totpUri!).searchParams.get('secret')!));
  await page.getByRole('button', { name: 'Войти' }).click();
  await page.getByText('Вы вошли как root').waitFor();
  const nav = page.getByRole('navigation', { name: 'Разделы' });
  t.same(await nav.getByRole('link').allInnerTexts(), ['Входящие', 'Супервайзер', 'Администрирование', 'Журнал аудита']);
  // A command's name is the same in every language.
  const english = Object.values(deskEn).filter((s) => !/[{}]/.test(s) && s.length > 12 && s !== 'provision apply');
  for (const [link, heading] of [
    ['Супервайзер', 'Операторы'],
    ['Администрирование', 'Пользователи'],
    ['Журнал аудита', 'Фильтры'],
  ] as const) {
    await nav.getByRole('link', { name: link }).click();
    await page.getByRole('heading', { name: heading }).waitFor();
    await page.waitForTimeout(300);
    const text = await page.locator('body').innerText();
    t.same(english.filter((s) => text.includes(s)), [], `${link}: no English string`);
    t.same(await axeProblems(page), [], `${link}: no serious accessibility problem`);
  }
});
