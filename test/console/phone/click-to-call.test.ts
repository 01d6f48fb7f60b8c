import t from 'tap';
import { axeProblems, newPage, signIn } from '../../helpers/console.js';
import { STRONG_PASSWORD } from '../../helpers/appliance.js';
import { EXTENSIONS, registerPhone, sippPhone, waitFor } from '../../helpers/sip.js';
import { phoneRig, staff } from '../../helpers/phone-console.js';
import { freePort } from '../../../sip/drachtio/free-port.js';
import type { Appliance } from '../../../appliance/app.js';

const ctx = { actor: 'test', source: 'test' };
const MARIA = '+79123456789';

async function mariaConversation(app: Appliance): Promise<string> {
  const maria = await app.clients.create({ name: 'Maria Ivanova', identities: [{ kind: 'phone', value: MARIA }] }, ctx);
  return (await app.conversations.open({ clientId: maria.id, channelId: null, department: 'sales' }, ctx)).id;
}

t.test("Call on the client card rings the operator's own phone, then the client through the trunk; the call connects and lands in the history", async (t) => {
  const { app, target, trunkPort, base, browser } = await phoneRig(t);
  await staff(app, 'olga', 'operator', 'sales', '101');
  const convId = await mariaConversation(app);
  const phonePort = await freePort();
  const phone = sippPhone(t, 'phone-late-offer-answers-then-hangs-up.xml', { target, port: phonePort, service: '101', pauseMs: 1500, timeoutSeconds: 30 });
  await registerPhone(target, EXTENSIONS[0]!, phonePort);
  const provider = sippPhone(t, 'provider-answers.xml', { target, port: trunkPort, service: 'provider', pauseMs: 300, timeoutSeconds: 30 });

  const page = await newPage(t, browser);
  await signIn(page, base, 'olga', STRONG_PASSWORD);
  await page.getByText('Ext. 101 · phone on').waitFor();
  await page.goto(`${base}/c/${convId}`);
  await page.getByRole('button', { name: `Call ${MARIA}` }).click();
  await page.getByRole('status').filter({ hasText: /Calling: pick up your phone|Connected/ }).waitFor();
  await page.getByRole('status').filter({ hasText: 'Connected' }).waitFor({ timeout: 10_000 });
  const [call] = app.sip.calls.list({ limit: 1 }).items;
  t.match(call, { direction: 'out', to: MARIA, extension: '101', trunk: 'provider', state: 'answered' }, 'connected while both legs are up');
  t.same(await axeProblems(page), [], 'no serious accessibility problem with a call in progress');

  const ph = await phone;
  t.equal(ph.code, 0, `the phone was rung, answered and hung up: ${ph.errors}`);
  const pr = await provider;
  t.equal(pr.code, 0, pr.errors);
  t.match(pr.messages, new RegExp(`INVITE sip:\\${MARIA}@127\\.0\\.0\\.1:${trunkPort}`), "the provider received the INVITE for the client's number");
  t.match(pr.messages, /s=operator-phone/, "carrying the operator's phone's offer");
  await page.getByRole('status').filter({ hasText: 'Call ended: answered' }).waitFor();
  await page.getByRole('list', { name: 'History' }).getByRole('listitem').filter({ hasText: `Call +74950000000 → ${MARIA}: answered` }).waitFor();
  await waitFor(() => app.sip.calls.get(call!.id)?.state === 'ended', 3000, 'the record ended');
  t.match(app.sip.calls.get(call!.id), { outcome: 'answered', endReason: 'caller' });
});

t.test("without an extension the console says so, and no browser session can call from someone else's extension", async (t) => {
  const { app, base, browser } = await phoneRig(t);
  await staff(app, 'olga', 'operator', 'sales', '101');
  await staff(app, 'nora', 'operator', 'sales', null);
  const convId = await mariaConversation(app);

  const page = await newPage(t, browser);
  await signIn(page, base, 'nora', STRONG_PASSWORD);
  await page.getByText('Live', { exact: true }).waitFor();
  await page.goto(`${base}/c/${convId}`);
  await page.getByRole('button', { name: `Call ${MARIA}` }).click();
  await page.getByRole('alert').filter({ hasText: 'You have no phone extension. Ask an admin to set one.' }).waitFor();

  // The page offers no way to name an extension; the API refuses one that is not the caller's, whatever sends it.
  const csrf = ((await (await page.request.get(`${base}/api/v1/browser/session`)).json()) as { csrf: string }).csrf;
  const post = (data: Record<string, unknown>) => page.request.post(`${base}/api/v1/calls`, { headers: { origin: base, 'x-csrf-token': csrf }, data });
  const foreign = await post({ to: MARIA, extension: '101' });
  t.equal(foreign.status(), 403);
  t.match(await foreign.json(), { error: 'SWB_ERR_FORBIDDEN' });
  t.equal((await post({ to: MARIA })).status(), 409);

  const olga = await newPage(t, browser);
  await signIn(olga, base, 'olga', STRONG_PASSWORD);
  await olga.getByText('Ext. 101 · phone off').waitFor();
  await olga.goto(`${base}/c/${convId}`);
  await olga.getByRole('button', { name: `Call ${MARIA}` }).click();
  await olga.getByRole('alert').filter({ hasText: 'Your phone is not registered' }).waitFor();
  const olgaCsrf = ((await (await olga.request.get(`${base}/api/v1/browser/session`)).json()) as { csrf: string }).csrf;
  const theirs = await olga.request.post(`${base}/api/v1/calls`, { headers: { origin: base, 'x-csrf-token': olgaCsrf }, data: { to: MARIA, extension: '102' } });
  t.equal(theirs.status(), 403, "an operator cannot call from another user's extension");
  t.same(app.sip.calls.list({ limit: 5 }).items, [], 'no call was placed');
  t.same([...app.audit.all()].filter((a) => a.action === 'call.originate.refused').map((a) => [a.actor, a.target]), [
    ['user:nora', 'extension:101'],
    ['user:olga', 'extension:102'],
  ]);
});
