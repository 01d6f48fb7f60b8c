import t from 'tap';
import { consoleRig, newPage, axeProblems } from '../helpers/console.js';
import { signInAs } from '../helpers/desk-console.js';
import { seedDesk } from '../helpers/desk.js';
import type { CallRecord } from '../../sip/calls/call-record.js';

const SECRET = 'a-long-extension-secret-1234';

t.test('a supervisor sees the desk per operator, reassigns a conversation with a select, and the operator sees it arrive live', async (t) => {
  const { app, base, browser } = await consoleRig(t, {}, { extensions: [{ number: '101', password: SECRET, name: 'Olga desk', department: 'sales' }] });
  const [waitsLongest, waitsLess] = await seedDesk(app, 2, { prefix: 'Buyer', department: 'sales' });
  const opPage = await newPage(t, browser);
  await signInAs(opPage, base, app, 'olga', 'operator', { department: 'support', extension: '101' });
  await app.gateway.desk.setOnline('olga', true);
  await opPage.getByText('Live', { exact: true }).waitFor();
  const mine = opPage.getByRole('list', { name: 'Conversations' });
  await mine.waitFor({ state: 'attached' });
  t.equal(await mine.getByRole('listitem').count(), 0, 'nothing is hers yet');

  // A call ringing her extension (on the live stream) and her phone registered (asked for every two seconds).
  await app.sip.bindings.apply('101', [{ contact: '<sip:101@192.0.2.50:5060>', expires: 300 }], { callId: 'reg-1', cseq: 1, userAgent: 'Yealink T46U', received: 'udp/192.0.2.50:5060' }, 5);
  const call: CallRecord = { id: '00000000-0000-4000-8000-0000000000a1', sipCallId: 's1', direction: 'in', from: '+79161234567', to: '+74950000000', extension: '101', trunk: 'main', clientId: null, state: 'ringing', start: new Date().toISOString(), answer: null, end: null, durationSec: 0, outcome: null, sipCause: null, endReason: null, media: { anchor: 'direct', recordRequested: false }, recording: null, historyEventId: null };
  app.sip.calls.open(call);

  const page = await newPage(t, browser);
  await signInAs(page, base, app, 'sveta', 'supervisor');
  await page.getByRole('link', { name: 'Supervisor' }).click();
  const ops = page.getByRole('region', { name: 'Operators' });
  await ops.getByRole('row', { name: /^olga/ }).filter({ hasText: 'online' }).waitFor();
  t.match(await ops.getByRole('row', { name: /^Unassigned/ }).innerText(), /Unassigned\s+—\s+—\s+2\s+2/, 'two wait in the queue');
  const calls = page.getByRole('region', { name: 'Calls in progress' });
  await calls.getByRole('row').filter({ hasText: '+79161234567' }).filter({ hasText: 'ringing' }).waitFor();
  await page.getByRole('region', { name: 'Registered phones' }).getByRole('row').filter({ hasText: 'Yealink T46U' }).waitFor();
  const list = page.getByRole('region', { name: 'Open conversations, waiting longest first' });
  const names = await list.getByRole('row').allInnerTexts();
  t.match(names.slice(1).map((r) => r.split('\t')[0]), ['Buyer 0', 'Buyer 1'], 'the longest wait first');
  t.same(await axeProblems(page), [], 'the supervisor page has no serious accessibility problem');

  // The call is answered: the live stream says so.
  app.sip.calls.answered(call.id, new Date(), '101');
  await calls.getByRole('row').filter({ hasText: 'talking' }).waitFor();

  await list.getByRole('combobox', { name: 'Operator for Buyer 1' }).selectOption('olga');
  await mine.getByRole('listitem').filter({ hasText: 'Buyer 1' }).waitFor({ timeout: 1500 });
  t.equal(app.conversations.get(waitsLess!.id)?.assignee, 'olga');
  t.match([...app.audit.all()].at(-1), { action: 'conversation.assign', actor: 'user:sveta', details: { assignee: 'olga' } });
  await ops.getByRole('row', { name: /^olga/ }).filter({ hasText: /online\s*1\s*1/ }).waitFor();

  // The call ends: gone from the page as the live stream says so.
  await app.sip.calls.finish(call.id, { end: new Date(), outcome: 'answered', sipCause: null, endReason: 'caller' });
  await calls.getByText('No call in progress.').waitFor();

  // Someone else assigns the other one through the API: the board follows the live stream (its poll is 10 s).
  await app.conversations.assign(waitsLongest!.id, { assignee: 'olga' }, { actor: 'user:lead', source: 'test' });
  await ops.getByRole('row', { name: /^olga/ }).filter({ hasText: /online\s*2\s*2/ }).waitFor({ timeout: 1500 });
  await ops.getByRole('row', { name: /^Unassigned/ }).filter({ hasText: /Unassigned\s*—\s*—\s*0\s*0/ }).waitFor({ timeout: 1500 });
  await mine.getByRole('listitem').filter({ hasText: 'Buyer 0' }).waitFor({ timeout: 1500 });
});
