import t from 'tap';
import { axeProblems, newPage, signIn } from '../../helpers/console.js';
import { STRONG_PASSWORD } from '../../helpers/appliance.js';
import { EXTENSIONS, registerPhone, sipp, sippPhone, waitFor } from '../../helpers/sip.js';
import { phoneRig, recordCallEvents, staff } from '../../helpers/phone-console.js';
import { freePort } from '../../../sip/drachtio/free-port.js';

/*
 * A SIPp provider calls the trunk; the sales ring group rings 101, where a
 * SIPp phone rings and never answers; the provider gives up after CALLER_RINGS_MS.
 * The operator of 101 sees the caller's card pop while the phone still rings.
 */
const CALLER_RINGS_MS = 8000;
const ctx = { actor: 'test', source: 'test' };

t.test("a trunk call to an operator's extension pops the caller's card and history while the phone rings, and the call is in the history after; another department hears nothing", async (t) => {
  const { app, target, trunkPort, base, browser } = await phoneRig(t);
  await staff(app, 'olga', 'operator', 'sales', '101');
  await staff(app, 'vera', 'operator', 'support', '103');
  const maria = await app.clients.create({ name: 'Maria Ivanova', identities: [{ kind: 'phone', value: '+79123456789' }], fields: { Contract: 'SB-2291' } }, ctx);
  await app.history.append({ clientId: maria.id, kind: 'note', payload: { text: 'Asked about the Thursday delivery' } });

  const olga = await newPage(t, browser);
  await signIn(olga, base, 'olga', STRONG_PASSWORD);
  await olga.getByText('Live', { exact: true }).waitFor();
  const vera = await newPage(t, browser);
  await signIn(vera, base, 'vera', STRONG_PASSWORD);
  await vera.getByText('Live', { exact: true }).waitFor();
  const olgaHeard = await recordCallEvents(olga);
  const veraHeard = await recordCallEvents(vera);

  const phonePort = await freePort();
  const phone = sippPhone(t, 'phone-rings-until-cancel.xml', { target, port: phonePort, service: '101', timeoutSeconds: 30 });
  await registerPhone(target, EXTENSIONS[0]!, phonePort);
  const provider = sipp('trunk-call-in-cancelled.xml', { target, port: trunkPort, keys: { caller: '89123456789', dialled: '74951112233' }, pauseMs: CALLER_RINGS_MS, timeoutSeconds: 30 });

  await olga.getByRole('heading', { name: 'Maria Ivanova' }).waitFor({ timeout: 5000 });
  const callId = decodeURIComponent(/\/call\/([^/]+)$/.exec(olga.url())![1]!);
  t.equal(app.sip.calls.get(callId)?.state, 'ringing', 'the card is up while the phone still rings');
  await olga.getByRole('status').filter({ hasText: 'Ringing' }).waitFor();
  const history = olga.getByRole('list', { name: 'History' });
  await history.getByText('Asked about the Thursday delivery').waitFor();
  t.ok(await olga.getByText('SB-2291').isVisible(), "the client's card is beside the history");
  t.same(await axeProblems(olga), [], 'the screen pop has no serious accessibility problem');

  const pr = await provider;
  t.equal(pr.code, 0, pr.errors);
  t.equal((await phone).code, 0);
  await history.getByRole('listitem').filter({ hasText: 'Call +79123456789 → +74951112233: missed' }).waitFor();
  await olga.getByRole('status').filter({ hasText: 'Call ended: missed' }).waitFor();

  await waitFor(async () => (await olgaHeard()).some((c) => c.state === 'ended'), 3000, "olga's stream to hear the end");
  t.same((await olgaHeard()).map((c) => [c.id, c.state]), [[callId, 'ringing'], [callId, 'ended']]);
  t.same(await veraHeard(), [], 'another department hears of no call');
  t.notMatch(vera.url(), /\/call\//, 'and gets no screen pop');
  t.equal(await vera.getByText('Maria Ivanova').count(), 0);
  const api = await vera.request.get(`${base}/api/v1/calls/${callId}/caller`);
  t.equal(api.status(), 404, 'nor can her session ask for the caller');
});

t.test('an unknown number shows Unknown caller; Create client gives it a card, and Add the number puts a second one on a client found by search', async (t) => {
  const { app, target, trunkPort, base, browser } = await phoneRig(t);
  await staff(app, 'olga', 'operator', 'sales', '101');
  await app.clients.create({ name: 'Maria Ivanova', identities: [{ kind: 'phone', value: '+79123456789' }] }, ctx);
  const page = await newPage(t, browser);
  await signIn(page, base, 'olga', STRONG_PASSWORD);
  await page.getByText('Live', { exact: true }).waitFor();
  const phonePort = await freePort();
  const phone = sippPhone(t, 'phone-rings-until-cancel.xml', { target, port: phonePort, service: '101', calls: 2, timeoutSeconds: 60 });
  await registerPhone(target, EXTENSIONS[0]!, phonePort);
  const ring = (caller: string) => sipp('trunk-call-in-cancelled.xml', { target, port: trunkPort, keys: { caller, dialled: '74951112233' }, pauseMs: CALLER_RINGS_MS, timeoutSeconds: 30 });

  const first = ring('+79990001122');
  await page.getByRole('heading', { name: 'Unknown caller' }).waitFor({ timeout: 5000 });
  await page.getByText('No client has the number +79990001122.').waitFor();
  t.same(await axeProblems(page), [], 'the unknown caller view has no serious accessibility problem');
  await page.getByLabel('Client name').fill('Pyotr <b>New</b>');
  await page.getByRole('button', { name: 'Create client' }).click();
  await page.getByRole('heading', { name: 'Pyotr <b>New</b>' }).waitFor();
  const made = app.clients.findByIdentity('phone', '+79990001122');
  t.match(made, { name: 'Pyotr <b>New</b>' }, 'the card holds the number; the markup is text');
  t.equal((await first).code, 0);
  await page.getByRole('list', { name: 'History' }).getByText('Call +79990001122 → +74951112233: missed').waitFor();
  t.match(app.history.page(made!.id, { limit: 5 }).items, [{ kind: 'call', payload: { outcome: 'missed' } }], "the call went into the new client's history");

  const second = ring('+79990003344');
  await page.getByRole('heading', { name: 'Unknown caller' }).waitFor({ timeout: 5000 });
  await page.getByRole('searchbox', { name: 'Find a client by name or number' }).fill('Maria');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.getByRole('button', { name: 'Add the number to Maria Ivanova' }).click();
  await page.getByRole('heading', { name: 'Maria Ivanova' }).waitFor();
  t.equal(app.clients.findByIdentity('phone', '+79990003344')?.name, 'Maria Ivanova');
  t.equal((await second).code, 0);
  t.equal((await phone).code, 0);
});
