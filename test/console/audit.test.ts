import t from 'tap';
import { consoleRig, newPage, axeProblems } from '../helpers/console.js';
import { signInAs } from '../helpers/desk-console.js';

t.test('an auditor filters the audit log by actor, action and time, and verifies the chain; a tampered record shows where the chain breaks', async (t) => {
  const { app, base, browser } = await consoleRig(t);
  const ctx = (who: string) => ({ actor: `user:${who}`, source: '10.0.0.7' });
  const early = await app.clients.create({ name: 'Early Client' }, ctx('anna'));
  await new Promise((r) => setTimeout(r, 1100));
  const from = new Date();
  await app.clients.create({ name: 'Second Client' }, ctx('anna'));
  await app.clients.update(early.id, { name: 'Early Client Renamed' }, ctx('anna'));
  await app.clients.create({ name: 'Bob Client' }, ctx('boris'));

  const page = await newPage(t, browser);
  await signInAs(page, base, app, 'aud', 'auditor');
  const records = page.getByRole('table', { name: 'Audit records' });
  await records.waitFor();
  t.same(await axeProblems(page), [], 'the audit page has no serious accessibility problem');
  const rows = () => records.getByRole('row').filter({ hasNot: page.getByRole('columnheader') });

  const filters = page.getByRole('form', { name: 'Filters' });
  await filters.getByLabel('Actor').fill('user:anna');
  await filters.getByLabel('Action').selectOption('client.create');
  await filters.getByRole('button', { name: 'Apply filters' }).click();
  await rows().filter({ hasText: 'client.create' }).nth(1).waitFor();
  t.equal(await rows().count(), 2, "anna's two creations");
  t.notOk((await records.innerText()).includes('user:boris'), 'not boris');

  // Datetime fields are in the browser's zone (UTC here), to the second.
  await filters.getByLabel('From').fill(from.toISOString().slice(0, 19));
  await filters.getByRole('button', { name: 'Apply filters' }).click();
  await page.waitForFunction(() => document.querySelectorAll('table tbody tr').length === 1);
  t.match(await rows().first().innerText(), /user:anna\s+client\.create/, 'only the one after the time');

  await filters.getByLabel('Action').selectOption('');
  await filters.getByLabel('Actor').fill('');
  await filters.getByRole('button', { name: 'Apply filters' }).click();
  await rows().filter({ hasText: 'user:boris' }).waitFor();
  t.match(await rows().first().innerText(), /login\.success|client\.create/, 'newest first');

  await page.getByRole('button', { name: 'Verify chain' }).click();
  await page.getByRole('status').filter({ hasText: 'The chain is intact' }).waitFor();
  const count = [...app.audit.all()].length;
  t.match(await page.getByRole('status').filter({ hasText: 'The chain is intact' }).innerText(), new RegExp(`: ${count} records`));

  // Someone edits a record on disk: the check names it.
  const db = app.store.db<Record<string, unknown>, number>('audit');
  const victim = [...app.audit.all()].find((r) => r.action === 'client.update')!;
  const { seq: _seq, ...stored } = victim;
  await db.put(victim.seq, { ...stored, actor: 'user:nobody' });
  await page.getByRole('button', { name: 'Verify chain' }).click();
  const broken = page.getByRole('status').filter({ hasText: 'The chain is broken' });
  await broken.waitFor();
  t.match(await broken.innerText(), new RegExp(`at record ${victim.seq} \\(record ${victim.seq} was altered`));
});
