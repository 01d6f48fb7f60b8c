import t from 'tap';
import { consoleRig, newPage, signIn, axeProblems } from '../helpers/console.js';
import { STRONG_PASSWORD } from '../helpers/appliance.js';
import { signInAs } from '../helpers/desk-console.js';

t.test('an admin creates an operator with a department and an extension on the admin page, and that operator can sign in', async (t) => {
  const { app, base, browser } = await consoleRig(t);
  const page = await newPage(t, browser);
  await signInAs(page, base, app, 'root', 'admin');
  await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'Admin' }).click();
  await page.getByRole('heading', { name: 'Users' }).waitFor();
  t.match(await page.getByRole('paragraph').filter({ hasText: 'provision apply' }).innerText(), /configured in the config file/, 'the page says where extensions, trunks and channels are configured');
  t.same(await axeProblems(page), [], 'the admin page has no serious accessibility problem');

  const form = page.getByRole('form', { name: 'New user' });
  await form.getByLabel('Username').fill('olga');
  await form.getByLabel('Password').fill(STRONG_PASSWORD);
  await form.getByLabel('Role').selectOption('operator');
  await form.getByLabel('Department').fill('sales');
  await form.getByLabel('Extension').fill('101');
  await form.getByRole('button', { name: 'Create user' }).click();
  await page.getByRole('status').filter({ hasText: 'User olga was created.' }).waitFor();
  const row = page.getByRole('row', { name: /^olga/ });
  await row.waitFor();
  t.match(await row.innerText(), /operator\s+sales\s+101/);
  t.match(app.access.users.get('olga'), { role: 'operator', department: 'sales', extension: '101' });
  t.match([...app.audit.all()].find((r) => r.action === 'user.create' && r.target === 'user:olga'), { actor: 'user:root' });

  const other = await newPage(t, browser);
  await signIn(other, base, 'olga', STRONG_PASSWORD);
  await other.getByText('Signed in as olga (operator)').waitFor();
  t.equal(await other.getByRole('button', { name: 'My department' }).count(), 1, 'her department view is there');
});

t.test("an admin resets an operator's codes, unlocks a locked one and ends their sessions; each is audited", async (t) => {
  const { app, base, browser } = await consoleRig(t, {}, { access: { totpRequiredRoles: ['admin', 'supervisor'] } });
  const ctx = { actor: 'test', source: 'test' };
  await app.access.users.create({ username: 'sveta', password: STRONG_PASSWORD, role: 'supervisor' }, ctx);
  await app.store.write(() => app.access.sessions.createInTxn('sveta', 'test'));
  // Locked as the login guard locks a name: failed proofs from several addresses.
  for (let i = 0; i < 10; i++) await app.store.write(() => app.access.guard.failureInTxn('sveta', `10.0.0.${(i % 5) + 1}`, 'login.failure', 'wrong password'));
  t.ok(app.access.guard.lockedUntil('sveta'), 'sveta is locked');
  const page = await newPage(t, browser);
  await signInAs(page, base, app, 'root', 'admin');
  await page.goto(`${base}/admin`);
  const row = page.getByRole('row', { name: /^sveta/ });
  await row.waitFor();
  t.match(await row.innerText(), /locked/);
  await page.getByRole('button', { name: 'Unlock sveta' }).click();
  await page.getByRole('status').filter({ hasText: 'sveta is unlocked.' }).waitFor();
  t.equal(app.access.guard.lockedUntil('sveta'), null);

  await page.getByRole('button', { name: 'End sessions of sveta' }).click();
  await page.getByRole('status').filter({ hasText: 'Every session of sveta was ended.' }).waitFor();
  t.same(app.access.sessions.list().filter((s) => s.username === 'sveta'), []);

  await page.getByRole('button', { name: 'Reset codes of sveta' }).click();
  await page.getByRole('status').filter({ hasText: 'sets up their authenticator again' }).waitFor();
  t.equal(app.access.users.require('sveta').totp?.confirmed, false);
  const actions = [...app.audit.all()].filter((r) => r.target === 'user:sveta' && r.actor === 'user:root').map((r) => r.action);
  t.same(actions, ['user.unlock', 'session.revoke', 'user.totp.reset']);

  // Her next sign-in shows the QR code of the new secret after the password.
  const svetaPage = await newPage(t, browser);
  await signIn(svetaPage, base, 'sveta', STRONG_PASSWORD);
  await svetaPage.getByRole('img', { name: 'QR code for your authenticator app' }).waitFor();
});

t.test("a service token's secret is shown once with a copy button, never listed again, and revoking it stops it", async (t) => {
  const { app, base, browser } = await consoleRig(t);
  const page = await newPage(t, browser);
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
  await signInAs(page, base, app, 'root', 'admin');
  await page.goto(`${base}/admin`);
  const form = page.getByRole('form', { name: 'New service token' });
  await form.getByLabel('Name').fill('prometheus');
  await form.getByLabel('Role').selectOption('metrics');
  await form.getByRole('button', { name: 'Create token' }).click();
  const once = page.getByRole('region', { name: 'The secret of prometheus' });
  await once.waitFor();
  const secret = await once.getByRole('textbox', { name: 'Token secret' }).inputValue();
  t.match(secret, /^swbt_/);
  await once.getByRole('button', { name: 'Copy' }).click();
  await once.getByText('Copied.').waitFor();
  t.equal(await page.evaluate(() => navigator.clipboard.readText()), secret, 'the copy button put the secret on the clipboard');
  t.equal((await app.http.inject({ url: '/metrics', headers: { authorization: `Bearer ${secret}` } })).statusCode, 200, 'the token works');

  await once.getByRole('button', { name: 'Done' }).click();
  await page.reload();
  await page.getByRole('row', { name: /^prometheus/ }).waitFor();
  t.notOk((await page.content()).includes(secret), 'the secret is nowhere on the page again');
  await page.getByRole('button', { name: 'Revoke token prometheus' }).click();
  await page.getByRole('status').filter({ hasText: 'Token prometheus was revoked.' }).waitFor();
  t.equal((await app.http.inject({ url: '/metrics', headers: { authorization: `Bearer ${secret}` } })).statusCode, 401, 'revoked');
});
