import t from 'tap';
import { bearer, userWithToken } from '../../helpers/appliance.js';
import { callFrom, EXTENSIONS, registerPhone, sipAppliance, sippPhone, startDrachtio, waitFor } from '../../helpers/sip.js';
import { freePort } from '../../../sip/drachtio/free-port.js';

const drachtio = await startDrachtio(t);
const target = `127.0.0.1:${drachtio.sipPort}`;
const [a, b] = [EXTENSIONS[0]!, EXTENSIONS[1]!];

async function calls(app: Awaited<ReturnType<typeof sipAppliance>>['app']) {
  const sup = await userWithToken(app, 'sue', 'supervisor');
  return (await app.http.inject({ url: '/api/v1/calls', headers: bearer(sup) })).json().items as Array<Record<string, unknown>>;
}

t.test('extension to extension, answered, caller hangs up: one internal call record', async (t) => {
  const { app, logs } = await sipAppliance(t, drachtio);
  t.teardown(() => { if (process.env.SWB_SIP_DEBUG) console.error(logs.text, drachtio.server.output.join('')); });
  const port = await freePort();
  const phone = sippPhone(t, 'phone-answers.xml', { target, port, service: b.number, pauseMs: 100 });
  await registerPhone(target, b, port);
  const caller = await callFrom(target, a, 'call-answered-caller-hangs-up.xml', b.number);
  t.equal(caller.code, 0, caller.errors);
  t.equal((await phone).code, 0, 'the callee saw INVITE, ACK and BYE');
  await waitFor(async () => (await calls(app)).length === 1 && (await calls(app))[0]!.state === 'ended', 3000, 'the call record');
  const [c] = await calls(app);
  t.match(c, { direction: 'internal', from: '101', to: '102', extension: '102', outcome: 'answered', clientId: null, endReason: 'caller', recording: null });
  t.ok(c!.answer && c!.end && c!.start);
  const m = await app.metrics.registry.metrics();
  t.match(m, /swb_sip_calls_total\{direction="internal",outcome="answered"\} 1/);
  t.match(m, /swb_sip_call_setup_seconds_count\{direction="internal"\} 1/);
});

async function onlyCall(app: Awaited<ReturnType<typeof sipAppliance>>['app']): Promise<Record<string, unknown>> {
  await waitFor(async () => (await calls(app)).some((c) => c.state === 'ended'), 5000, 'an ended call record');
  const all = await calls(app);
  if (all.length !== 1) throw new Error(`expected one call record, got ${all.length}`);
  return all[0]!;
}

t.test('the callee hangs up: BYE reaches the caller; recorded as answered, ended by the callee', async (t) => {
  const { app } = await sipAppliance(t, drachtio);
  const port = await freePort();
  const phone = sippPhone(t, 'phone-answers-then-hangs-up.xml', { target, port, service: b.number, pauseMs: 300 });
  await registerPhone(target, b, port);
  const caller = await callFrom(target, a, 'call-answered-callee-hangs-up.xml', b.number);
  t.equal(caller.code, 0, caller.errors);
  t.equal((await phone).code, 0, (await phone).errors);
  t.match(await onlyCall(app), { direction: 'internal', outcome: 'answered', endReason: 'callee' });
});

t.test('a busy callee: 486 to the caller, recorded as busy with SIP cause 486', async (t) => {
  const { app } = await sipAppliance(t, drachtio);
  const port = await freePort();
  const phone = sippPhone(t, 'phone-busy-486.xml', { target, port, service: b.number });
  await registerPhone(target, b, port);
  const caller = await callFrom(target, a, 'call-busy-486.xml', b.number);
  t.equal(caller.code, 0, caller.errors);
  t.equal((await phone).code, 0, (await phone).errors);
  t.match(await onlyCall(app), { outcome: 'busy', sipCause: 486, answer: null, durationSec: 0 });
});

t.test('nobody answers within the ring timeout: the phone gets CANCEL, the caller 480, recorded as missed', async (t) => {
  const { app } = await sipAppliance(t, drachtio, { sip: { calls: { ringTimeoutSeconds: 1 } } });
  const port = await freePort();
  const phone = sippPhone(t, 'phone-rings-until-cancel.xml', { target, port, service: b.number });
  await registerPhone(target, b, port);
  const caller = await callFrom(target, a, 'call-no-answer-480.xml', b.number);
  t.equal(caller.code, 0, caller.errors);
  t.equal((await phone).code, 0, (await phone).errors);
  t.match(await onlyCall(app), { outcome: 'missed', endReason: 'timeout' });
});

t.test('the caller cancels while it rings: CANCEL reaches the phone, recorded as missed (487)', async (t) => {
  const { app } = await sipAppliance(t, drachtio);
  const port = await freePort();
  const phone = sippPhone(t, 'phone-rings-until-cancel.xml', { target, port, service: b.number });
  await registerPhone(target, b, port);
  const caller = await callFrom(target, a, 'call-caller-cancels-487.xml', b.number);
  t.equal(caller.code, 0, caller.errors);
  t.equal((await phone).code, 0, (await phone).errors);
  t.match(await onlyCall(app), { outcome: 'missed', sipCause: 487, endReason: 'cancel' });
});

t.test('an unknown number gets 404 and no call record; an unregistered extension gets 480', async (t) => {
  const { app } = await sipAppliance(t, drachtio);
  const unknown = await callFrom(target, a, 'call-unknown-number-404.xml', '5555');
  t.equal(unknown.code, 0, unknown.errors);
  t.same(await calls(app), []);
  const away = await callFrom(target, a, 'call-no-answer-480.xml', '103');
  t.equal(away.code, 0, away.errors);
  t.match(await onlyCall(app), { to: '103', outcome: 'missed', sipCause: 480 });
});

t.test('a re-INVITE (hold) is passed to the other leg and its answer back', async (t) => {
  const { app } = await sipAppliance(t, drachtio);
  const port = await freePort();
  const phone = sippPhone(t, 'phone-answers-reinvite.xml', { target, port, service: b.number });
  await registerPhone(target, b, port);
  const caller = await callFrom(target, a, 'call-answered-reinvite-hold.xml', b.number);
  t.equal(caller.code, 0, caller.errors);
  t.equal((await phone).code, 0, (await phone).errors);
  t.match(await onlyCall(app), { outcome: 'answered', endReason: 'caller' });
});

t.test('two phones on one extension both ring; the first to answer wins, the other is cancelled', async (t) => {
  const { app } = await sipAppliance(t, drachtio);
  const [p1, p2] = [await freePort(), await freePort()];
  const ringer = sippPhone(t, 'phone-rings-until-cancel.xml', { target, port: p1, service: b.number });
  const answerer = sippPhone(t, 'phone-answers.xml', { target, port: p2, service: b.number, pauseMs: 200 });
  await registerPhone(target, b, p1);
  await registerPhone(target, b, p2);
  t.equal(app.sip.bindings.contactsOf(b.number).length, 2);
  const caller = await callFrom(target, a, 'call-answered-caller-hangs-up.xml', b.number);
  t.equal(caller.code, 0, caller.errors);
  t.equal((await answerer).code, 0, (await answerer).errors);
  t.equal((await ringer).code, 0, (await ringer).errors);
  t.match(await onlyCall(app), { outcome: 'answered', extension: '102' });
});

t.test('early media: the callee\'s 183 with SDP reaches the caller before the answer', async (t) => {
  const { app } = await sipAppliance(t, drachtio);
  const port = await freePort();
  const phone = sippPhone(t, 'phone-early-media-183-then-answers.xml', { target, port, service: b.number, pauseMs: 500 });
  await registerPhone(target, b, port);
  const caller = await callFrom(target, a, 'call-early-media-183-then-answered.xml', b.number);
  t.equal(caller.code, 0, `the caller saw 183 with SDP, then 200: ${caller.errors}`);
  t.equal((await phone).code, 0, (await phone).errors);
  t.match(await onlyCall(app), { direction: 'internal', outcome: 'answered', endReason: 'caller' });
});
