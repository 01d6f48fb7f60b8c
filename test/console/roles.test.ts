import t from 'tap';
import { consoleRig, newPage } from '../helpers/console.js';
import { signInAs } from '../helpers/desk-console.js';

const STAFF_ONLY = ['/api/v1/inbox?view=mine'];
const REFUSED_TO_OPERATORS: Array<[string, string, unknown?]> = [
  ['GET', '/api/v1/users'],
  ['POST', '/api/v1/users', { username: 'mallory', password: 'correct horse battery staple 42', role: 'admin' }],
  ['PATCH', '/api/v1/users/olga', { role: 'admin' }],
  ['POST', '/api/v1/users/olga/totp/reset'],
  ['DELETE', '/api/v1/users/olga/sessions'],
  ['GET', '/api/v1/tokens'],
  ['POST', '/api/v1/tokens', { role: 'integration', name: 'sneaky' }],
  ['GET', '/api/v1/sessions'],
  ['GET', '/api/v1/audit'],
  ['GET', '/api/v1/audit/verify'],
  ['GET', '/api/v1/desk'],
  ['GET', '/api/v1/presence'],
  ['GET', '/api/v1/registrations'],
  ['GET', '/api/v1/extensions'],
  ['GET', '/api/v1/trunks'],
  ['GET', '/api/v1/channels'],
];

t.test('an operator sees no supervisor, admin or audit links, gets a refusal for those pages by URL, and the API refuses the calls behind them', async (t) => {
  const { app, base, browser } = await consoleRig(t);
  const page = await newPage(t, browser);
  const requests: string[] = [];
  page.on('request', (r) => requests.push(new URL(r.url()).pathname));
  await signInAs(page, base, app, 'olga', 'operator', { department: 'sales' });
  const nav = page.getByRole('navigation', { name: 'Pages' });
  t.same(await nav.getByRole('link').allInnerTexts(), ['Inbox'], 'only the inbox');

  for (const path of ['/supervisor', '/admin', '/audit']) {
    requests.length = 0;
    await page.goto(`${base}${path}`);
    await page.getByRole('alert').filter({ hasText: 'This page is not available for your role.' }).waitFor();
    t.equal(await page.getByRole('table').count(), 0, `${path}: nothing of the page shows`);
    t.same(requests.filter((p) => /^\/api\/v1\/(users(?!\/me\/)|tokens|sessions|audit|desk|presence|registrations|extensions|trunks|channels|calls\/active)/.test(p)), [], `${path}: the page asked the API nothing of it`);
  }

  // The same browser session, straight at the API: refused, whatever the page shows.
  const csrf = ((await (await page.request.get(`${base}/api/v1/browser/session`)).json()) as { csrf: string }).csrf;
  for (const [method, url, data] of REFUSED_TO_OPERATORS) {
    const r = await page.request.fetch(`${base}${url}`, { method, headers: { origin: base, 'x-csrf-token': csrf }, ...(data ? { data } : {}) });
    t.equal(r.status(), 403, `${method} ${url} is refused`);
  }
  t.notOk(app.access.users.get('mallory'), 'no user was made');
  t.equal(app.access.users.require('olga').role, 'operator');
  for (const url of STAFF_ONLY) t.equal((await page.request.get(`${base}${url}`)).status(), 200, `${url} is hers`);
});

t.test('an auditor lands on the audit log, has no inbox, and the desk API refuses them', async (t) => {
  const { app, base, browser } = await consoleRig(t);
  const page = await newPage(t, browser);
  await signInAs(page, base, app, 'aud', 'auditor');
  await page.getByRole('heading', { name: 'Audit log', level: 1 }).waitFor();
  t.match(page.url(), /\/audit$/);
  t.same(await page.getByRole('navigation', { name: 'Pages' }).getByRole('link').allInnerTexts(), ['Audit log']);
  t.equal(await page.getByRole('list', { name: 'Conversations' }).count(), 0, 'no inbox');
  t.equal(await page.getByRole('search').count(), 0, 'no client search');
  await page.goto(`${base}/`);
  await page.getByRole('heading', { name: 'Audit log', level: 1 }).waitFor();
  await page.goto(`${base}/admin`);
  await page.getByRole('alert').filter({ hasText: 'not available for your role' }).waitFor();
  for (const url of ['/api/v1/inbox?view=all', '/api/v1/clients?q=a', '/api/v1/users', '/api/v1/desk']) t.equal((await page.request.get(`${base}${url}`)).status(), 403, `${url} is refused`);
});

t.test('a supervisor sees the supervisor page but not the admin page, and an admin sees all four', async (t) => {
  const { app, base, browser } = await consoleRig(t);
  const sup = await newPage(t, browser);
  await signInAs(sup, base, app, 'sveta', 'supervisor');
  t.same(await sup.getByRole('navigation', { name: 'Pages' }).getByRole('link').allInnerTexts(), ['Inbox', 'Supervisor']);
  const admin = await newPage(t, browser);
  await signInAs(admin, base, app, 'root', 'admin');
  t.same(await admin.getByRole('navigation', { name: 'Pages' }).getByRole('link').allInnerTexts(), ['Inbox', 'Supervisor', 'Admin', 'Audit log']);
});
