import t, { type Test } from 'tap';
import { bearer, userWithToken } from '../../helpers/appliance.js';
import { EXTENSIONS, registerPhone, sipAppliance, sippPhone, startDrachtio, waitFor } from '../../helpers/sip.js';
import { freePort } from '../../../sip/drachtio/free-port.js';
import type { Appliance } from '../../../appliance/app.js';

/*
 * POST /api/v1/calls: the operator's own phone rings first; when it answers,
 * its offer goes to the number through the trunk and the number's answer back
 * to the phone (RFC 3725 flow I). SIPp plays both the phone and the provider.
 */

const drachtio = await startDrachtio(t);
const target = `127.0.0.1:${drachtio.sipPort}`;
const anna = EXTENSIONS[0]!; // 101, sales
const CLIENT = '+79123456789';

async function rig(t: Test, sip: Record<string, unknown> = {}) {
  const trunkPort = await freePort();
  const { app } = await sipAppliance(t, drachtio, { trunks: [{ id: 'provider', host: '127.0.0.1', port: trunkPort, inbound: 'sales', prefix: '9', callerId: '+74950000000' }], sip });
  const olga = await userWithToken(app, 'olga', 'operator', 'sales');
  await app.access.users.update('olga', { extension: anna.number }, { actor: 'test', source: 'test' });
  return { app, olga, trunkPort };
}

function clickToCall(app: Appliance, token: string, body: Record<string, unknown>) {
  return app.http.inject({ method: 'POST', url: '/api/v1/calls', headers: bearer(token), payload: body });
}

/** The SIP messages SIPp received, one string each (its -trace_msg log). */
function received(messages: string): string[] {
  return messages
    .split(/^-{10,}.*$/m)
    .filter((b) => /message received/.test(b))
    .map((b) => b.replace(/^[\s\S]*?message received \[\d+\] bytes :\s*/, '').trim());
}

async function ended(app: Appliance, id: string) {
  await waitFor(() => app.sip.calls.get(id)?.state === 'ended', 10_000, 'the call to end');
  return app.sip.calls.get(id)!;
}

t.test("a click-to-call rings the operator's own phone first, then the number through the trunk with the phone's offer, and lands in the client's history", async (t) => {
  const { app, olga, trunkPort } = await rig(t);
  const phonePort = await freePort();
  const phone = sippPhone(t, 'phone-late-offer-answers-then-hangs-up.xml', { target, port: phonePort, service: anna.number, pauseMs: 500 });
  await registerPhone(target, anna, phonePort);
  const provider = sippPhone(t, 'provider-answers.xml', { target, port: trunkPort, service: 'provider', pauseMs: 200 });

  const r = await clickToCall(app, olga, { to: CLIENT });
  t.equal(r.statusCode, 202, r.body);
  const call = r.json() as { id: string };
  t.match(call, { state: 'ringing', direction: 'out', from: '+74950000000', to: CLIENT, extension: '101' });

  const [ph, pr] = [await phone, await provider];
  t.equal(ph.code, 0, ph.errors);
  t.equal(pr.code, 0, pr.errors);
  const [phoneInvite, phoneAck] = received(ph.messages);
  t.match(phoneInvite, /^INVITE sip:101@/, 'the phone is rung first');
  t.match(phoneInvite, new RegExp(`^From: "\\${CLIENT}" <sip:\\${CLIENT}@`, 'm'), 'and shown whom it will reach');
  t.match(phoneInvite, /^Content-Length:\s*0\s*$/m, 'with no offer of ours');
  const providerInvite = received(pr.messages)[0]!;
  t.match(providerInvite, new RegExp(`^INVITE sip:\\${CLIENT}@127\\.0\\.0\\.1:${trunkPort}`), 'then the number, through the trunk');
  t.match(providerInvite, /^From: <sip:\+74950000000@/m, "with the trunk's caller id");
  t.match(providerInvite, /^s=operator-phone$/m, "carrying the phone's offer");
  t.match(phoneAck, /^ACK /);
  t.match(phoneAck, /^s=provider$/m, "and the phone's ACK carries the provider's answer");

  const rec = await ended(app, call.id);
  t.match(rec, { direction: 'out', from: '+74950000000', to: CLIENT, extension: '101', trunk: 'provider', outcome: 'answered', endReason: 'caller' });
  t.ok(rec.answer, 'answered');
  const client = app.clients.findByIdentity('phone', CLIENT)!;
  t.match(app.history.page(client.id, { limit: 5 }).items, [{ kind: 'call', direction: 'out', payload: { callId: call.id, outcome: 'answered', extension: '101' } }]);
  t.match([...app.audit.all()].filter((a) => a.action === 'call.originate'), [{ actor: 'user:olga', target: `call:${call.id}`, details: { extension: '101', to: CLIENT } }]);
});

t.test("a click-to-call is refused for another user's extension (audited), without an extension, with the phone offline, and to what is not a number", async (t) => {
  const { app, olga } = await rig(t);
  const ctx = { actor: 'test', source: 'test' };
  await app.access.users.create({ username: 'boris', password: 'correct horse battery staple 42', role: 'operator', department: 'sales', extension: '102' }, ctx);

  const foreign = await clickToCall(app, olga, { to: CLIENT, extension: '102' });
  t.equal(foreign.statusCode, 403);
  t.match(foreign.json(), { error: 'SWB_ERR_FORBIDDEN', message: /extension 102 is not yours/ });
  t.match([...app.audit.all()].filter((a) => a.action === 'call.originate.refused'), [{ actor: 'user:olga', target: 'extension:102', details: { reason: 'not-own-extension', own: '101' } }]);

  const nora = await userWithToken(app, 'nora', 'operator', 'sales');
  const none = await clickToCall(app, nora, { to: CLIENT });
  t.equal(none.statusCode, 409);
  t.match(none.json(), { error: 'SWB_ERR_NO_EXTENSION', message: /ask an admin/ });
  const noneForeign = await clickToCall(app, nora, { to: CLIENT, extension: '101' });
  t.equal(noneForeign.statusCode, 403, 'naming an extension does not make it yours');

  const offline = await clickToCall(app, olga, { to: CLIENT });
  t.equal(offline.statusCode, 409);
  t.match(offline.json(), { error: 'SWB_ERR_PHONE_OFFLINE', message: /extension 101/ });
  t.equal((await clickToCall(app, olga, { to: 'javascript:alert(1)' })).statusCode, 400);
  t.match((await clickToCall(app, olga, { to: '123' })).json(), { error: 'SWB_ERR_VALIDATION', message: /not a phone number/ });

  const auditor = await userWithToken(app, 'audrey', 'auditor');
  t.equal((await clickToCall(app, auditor, { to: CLIENT })).statusCode, 403);
  t.same(app.sip.calls.list({ limit: 10 }).items, [], 'no call was placed');
  t.same([...app.audit.all()].filter((a) => a.action === 'call.originate'), []);
});

t.test('when the operator does not pick up, the number is never rung', async (t) => {
  const { app, olga, trunkPort } = await rig(t, { calls: { ringTimeoutSeconds: 2 } });
  const phonePort = await freePort();
  const phone = sippPhone(t, 'phone-rings-until-cancel.xml', { target, port: phonePort, service: anna.number });
  await registerPhone(target, anna, phonePort);
  const provider = sippPhone(t, 'provider-answers.xml', { target, port: trunkPort, service: 'provider', timeoutSeconds: 6 });
  const r = await clickToCall(app, olga, { to: CLIENT });
  t.equal(r.statusCode, 202, r.body);
  t.equal((await phone).code, 0, 'the phone rang and was cancelled');
  t.match(await ended(app, (r.json() as { id: string }).id), { outcome: 'missed', endReason: 'phone-timeout' });
  const pr = await provider;
  t.not(pr.code, 0, 'the provider timed out waiting');
  t.same(received(pr.messages), [], 'and received nothing');
});

t.test('a busy number hangs up the phone that answered, and the call is busy', async (t) => {
  const { app, olga, trunkPort } = await rig(t);
  const phonePort = await freePort();
  const phone = sippPhone(t, 'phone-late-offer-answers.xml', { target, port: phonePort, service: anna.number });
  await registerPhone(target, anna, phonePort);
  const provider = sippPhone(t, 'phone-busy-486.xml', { target, port: trunkPort, service: 'provider' });
  const r = await clickToCall(app, olga, { to: CLIENT });
  t.equal(r.statusCode, 202, r.body);
  const ph = await phone;
  t.equal(ph.code, 0, `the phone was ACKed and then sent BYE: ${ph.errors}`);
  t.equal((await provider).code, 0);
  t.match(await ended(app, (r.json() as { id: string }).id), { outcome: 'busy', sipCause: 486, answer: null });
});
