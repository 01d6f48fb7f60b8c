import t, { type Test } from 'tap';
import { createHash } from 'node:crypto';
import { challengeFields } from '../../helpers/sip-udp.js';
import { bearer, userWithToken } from '../../helpers/appliance.js';
import { callFrom, EXTENSIONS, registerPhone, sipAppliance, sipp, sippPhone, startDrachtio, waitFor } from '../../helpers/sip.js';
import { freePort } from '../../../sip/drachtio/free-port.js';
import type { Appliance } from '../../../appliance/app.js';

const drachtio = await startDrachtio(t);
const target = `127.0.0.1:${drachtio.sipPort}`;
const [a, b] = [EXTENSIONS[0]!, EXTENSIONS[1]!];

async function trunkAppliance(t: Test, trunkPort: number, trunk: Record<string, unknown> = {}) {
  return sipAppliance(t, drachtio, { trunks: [{ id: 'provider', host: '127.0.0.1', port: trunkPort, inbound: 'sales', prefix: '9', callerId: '+74950000000', ...trunk }] });
}

async function endedCalls(app: Appliance, token: string, count = 1): Promise<Array<Record<string, unknown>>> {
  let items: Array<Record<string, unknown>> = [];
  await waitFor(async () => {
    items = (await app.http.inject({ url: '/api/v1/calls', headers: bearer(token) })).json().items;
    return items.length === count && items.every((c) => c.state === 'ended');
  }, 5000, 'ended call records');
  return items;
}

async function historyOf(app: Appliance, token: string, phone: string): Promise<Array<Record<string, unknown>>> {
  const found = (await app.http.inject({ url: `/api/v1/clients?q=${encodeURIComponent(phone)}`, headers: bearer(token) })).json().items as Array<{ id: string }>;
  if (found.length !== 1) throw new Error(`expected one client for ${phone}, got ${found.length}`);
  return (await app.http.inject({ url: `/api/v1/clients/${found[0]!.id}/history`, headers: bearer(token) })).json().items;
}

t.test('an inbound trunk call rings the department, is answered, and lands in the caller\'s client history', async (t) => {
  const trunkPort = await freePort();
  const { app } = await trunkAppliance(t, trunkPort);
  const sup = await userWithToken(app, 'sue', 'supervisor');
  const port = await freePort();
  const phone = sippPhone(t, 'phone-answers.xml', { target, port, service: b.number, pauseMs: 100 });
  await registerPhone(target, b, port);
  const provider = await sipp('trunk-call-in-answered.xml', { target, port: trunkPort, keys: { caller: '89123456789', dialled: '74951112233' }, pauseMs: 300 });
  t.equal(provider.code, 0, provider.errors);
  t.equal((await phone).code, 0, (await phone).errors);
  const [call] = await endedCalls(app, sup);
  t.match(call, { direction: 'in', from: '+79123456789', to: '+74951112233', extension: '102', trunk: 'provider', outcome: 'answered', endReason: 'caller' });
  t.ok((call!.durationSec as number) >= 0);
  const history = await historyOf(app, sup, '+79123456789');
  t.match(history, [{ kind: 'call', channel: 'sip', direction: 'in', payload: { from: '+79123456789', to: '+74951112233', extension: '102', outcome: 'answered', callId: call!.id } }]);
  t.equal(call!.clientId, (history[0] as { clientId: string }).clientId);
  await waitFor(async () => /swb_sip_calls_total\{direction="in",outcome="answered"\} 1/.test(await app.metrics.registry.metrics()), 2000, 'the call counted');
});

t.test('an outbound call by dial prefix reaches the trunk with the caller-id policy, and lands in the callee\'s history', async (t) => {
  const trunkPort = await freePort();
  const { app } = await trunkAppliance(t, trunkPort);
  const sup = await userWithToken(app, 'sue', 'supervisor');
  const provider = sippPhone(t, 'phone-answers.xml', { target, port: trunkPort, service: 'provider', pauseMs: 100 });
  const caller = await callFrom(target, a, 'call-answered-caller-hangs-up.xml', '984951234567');
  t.equal(caller.code, 0, caller.errors);
  const seen = await provider;
  t.equal(seen.code, 0, seen.errors);
  t.match(seen.messages, /INVITE sip:84951234567@127\.0\.0\.1/, 'the prefix is stripped');
  t.match(seen.messages, /From: <sip:\+74950000000@/, "the trunk's caller id is presented");
  const [call] = await endedCalls(app, sup);
  t.match(call, { direction: 'out', from: '+74950000000', to: '+74951234567', extension: '101', trunk: 'provider', outcome: 'answered' });
  t.match(await historyOf(app, sup, '+74951234567'), [{ kind: 'call', direction: 'out', payload: { extension: '101', outcome: 'answered' } }]);
});

t.test('an inbound call nobody can take is a missed call in the history; a second call from the same number finds the same client', async (t) => {
  const trunkPort = await freePort();
  const { app } = await trunkAppliance(t, trunkPort);
  const sup = await userWithToken(app, 'sue', 'supervisor');
  for (let i = 0; i < 2; i++) {
    const r = await sipp('trunk-call-in-answered.xml', { target, port: trunkPort, keys: { caller: '+79123456789', dialled: '74951112233' }, timeoutSeconds: 5 });
    t.not(r.code, 0, 'the provider gets 480, not 200');
    t.match(r.messages, /SIP\/2.0 480/);
  }
  const calls = await endedCalls(app, sup, 2);
  t.equal(calls.length, 2);
  t.match(calls, [{ outcome: 'missed', sipCause: 480 }, { outcome: 'missed', sipCause: 480 }]);
  t.equal(calls[0]!.clientId, calls[1]!.clientId, 'one client');
  t.equal((await historyOf(app, sup, '+79123456789')).length, 2);
});

t.test('a trunk with credentials registers to the provider, answering its digest challenge', async (t) => {
  const trunkPort = await freePort();
  const provider = sippPhone(t, 'provider-register-401-then-200.xml', { target, port: trunkPort, service: 'provider' });
  const { app } = await trunkAppliance(t, trunkPort, { username: 'trunkuser', password: 'trunk-secret' });
  const seen = await provider;
  t.equal(seen.code, 0, seen.errors);
  const auth = challengeFields(/^Authorization: (.*)$/m.exec(seen.messages)![1]!);
  const md5 = (s: string) => createHash('md5').update(s).digest('hex');
  t.equal(auth.response, md5(`${md5('trunkuser:provider.example:trunk-secret')}:${auth.nonce}:${md5(`REGISTER:${auth.uri}`)}`), 'a correct digest for the trunk password');
  await waitFor(() => app.sip.trunkRegistrations.state('provider') === 'registered', 3000, 'the trunk registration');
});
