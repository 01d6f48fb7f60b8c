import t from 'tap';
import { consoleRig, newPage, signIn } from '../helpers/console.js';
import { STRONG_PASSWORD, bearer, userWithToken } from '../helpers/appliance.js';

t.test('an admin ending the session mid-use returns the page to sign-in, and the unsent reply is still there after signing in again', async (t) => {
  const { app, base, browser } = await consoleRig(t);
  const ctx = { actor: 'test', source: 'test' };
  await app.access.users.create({ username: 'olga', password: STRONG_PASSWORD, role: 'operator', department: 'sales' }, ctx);
  const client = await app.clients.create({ name: 'Pavel Smirnov' }, ctx);
  const conv = await app.conversations.open({ clientId: client.id, channelId: null, department: 'sales' }, ctx);
  const admin = await userWithToken(app, 'root', 'admin');

  const page = await newPage(t, browser);
  await signIn(page, base, 'olga', STRONG_PASSWORD);
  await page.getByText('Signed in as olga').waitFor();
  await page.goto(`${base}/c/${conv.id}`);
  await page.getByRole('list', { name: 'History' }).waitFor();
  await page.getByRole('textbox', { name: 'Reply' }).fill('Half-written answer for Pavel');

  const session = app.access.sessions.list().find((s) => s.username === 'olga')!;
  const revoke = await app.http.inject({ method: 'DELETE', url: `/api/v1/sessions/${session.id}`, headers: bearer(admin) });
  t.equal(revoke.statusCode, 204);
  // No click, no reload: the live stream's end tells the page.
  await page.getByRole('button', { name: 'Sign in' }).waitFor({ timeout: 10_000 });
  t.match(await page.getByRole('status').first().innerText(), /Your session ended\. Sign in again; your unsent reply is kept\./);
  t.match(page.url(), new RegExp(`/c/${conv.id}$`), 'the address still names the conversation');

  await page.getByLabel('Username').fill('olga');
  await page.getByLabel('Password').fill(STRONG_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('list', { name: 'History' }).waitFor();
  t.equal(await page.getByRole('textbox', { name: 'Reply' }).inputValue(), 'Half-written answer for Pavel', 'the draft survived');
});
