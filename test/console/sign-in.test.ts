import t from 'tap';
import { consoleRig, newPage, signIn, axeProblems } from '../helpers/console.js';
import { STRONG_PASSWORD } from '../helpers/appliance.js';
import { totpCode } from '../../domain/access/totp.js';

t.test('a new admin signs in with the QR code shown at first sign-in and a TOTP code; the session is only an HttpOnly cookie', async (t) => {
  const { app, base, browser } = await consoleRig(t);
  const { totpUri } = await app.access.users.create({ username: 'alice', password: STRONG_PASSWORD, role: 'admin', department: null }, { actor: 'test', source: 'test' });
  const secret = new URL(totpUri!).searchParams.get('secret')!;
  const page = await newPage(t, browser);

  await signIn(page, base, 'alice', STRONG_PASSWORD);
  await page.getByRole('img', { name: 'QR code for your authenticator app' }).waitFor();
  t.match(await page.getByRole('alert').innerText(), /one-time code/i);
  t.same(await axeProblems(page), [], 'the sign-in page with the enrolment QR has no serious accessibility problem');

  await page.getByLabel('One-time code').fill(totpCode(secret));
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText('Signed in as alice').waitFor();
  t.equal(app.access.users.get('alice')?.totp?.confirmed, true, 'the first code confirmed the enrolment');

  const cookies = await page.context().cookies();
  t.equal(cookies.length, 1);
  t.match(cookies[0], { name: '__Host-swb_session', httpOnly: true, secure: true, sameSite: 'Strict', path: '/' });
  const secretValue = cookies[0]!.value;
  t.equal(await page.evaluate(() => document.cookie), '', 'the page cannot read the session');
  const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }));
  t.notOk(stored.includes(secretValue), 'the session is in no web storage');
  t.same(await axeProblems(page), [], 'the inbox has no serious accessibility problem');

  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('button', { name: 'Sign in' }).waitFor();
  t.same(app.access.sessions.list().filter((s) => s.username === 'alice'), [], 'signing out ended the session on the server');
  t.same(await page.context().cookies(), [], 'and cleared the cookie');
});

t.test('wrong password, then a locked account, show clear messages on the sign-in page', async (t) => {
  const { app, base, browser } = await consoleRig(t, {}, { access: { lockoutThreshold: 3, lockoutAddresses: 1, lockoutSeconds: 600 } });
  await app.access.users.create({ username: 'olga', password: STRONG_PASSWORD, role: 'operator', department: 'sales' }, { actor: 'test', source: 'test' });
  const page = await newPage(t, browser);
  await signIn(page, base, 'olga', 'not the password 1');
  t.equal(await page.getByRole('alert').innerText(), 'Wrong username, password or code.');
  for (const n of [2, 3]) {
    await page.getByLabel('Password').fill(`not the password ${n}`);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
  }
  // The right password no longer helps: the account is locked, and the page says so and until when.
  await page.getByLabel('Password').fill(STRONG_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').filter({ hasText: 'locked' }).waitFor();
  t.match(await page.getByRole('alert').innerText(), /locked after too many failed attempts\. Try again after .+, or ask an admin/);
  t.same(app.access.sessions.list().filter((s) => s.username === 'olga'), []);
});
