import t from 'tap';
import { bearer, testAppliance, userWithToken } from '../../helpers/appliance.js';
import type { CallRecord } from '../../../sip/calls/call-record.js';
import type { ActiveCalls, ExtensionStates, TrunkStates } from '../../../http/api/telephony.js';

const SECRET = 'a-long-extension-secret-1234';
const CONFIG = {
  extensions: [
    { number: '101', password: SECRET, name: 'Olga desk', department: 'sales' },
    { number: '102', password: SECRET, name: 'Pete desk', department: 'sales' },
  ],
  trunks: [
    { id: 'main', host: '192.0.2.10', inbound: '101', prefix: '9', username: 'acct', password: 'trunk-secret-value' },
    { id: 'backup', host: '192.0.2.20', inbound: '102', prefix: '8' },
  ],
};

function ringing(id: string, extension: string, from: string): CallRecord {
  return { id, sipCallId: `sip-${id}`, direction: 'in', from, to: '+74950000000', extension, trunk: 'main', clientId: null, state: 'ringing', start: new Date().toISOString(), answer: null, end: null, durationSec: 0, outcome: null, sipCause: null, endReason: null, media: { anchor: 'direct', recordRequested: false }, recording: null, historyEventId: null };
}

t.test('calls in progress: ringing and answered ones, never ended ones; an operator sees only their own extension', async (t) => {
  const { app } = await testAppliance(t, CONFIG);
  await app.access.users.create({ username: 'olga', password: 'correct horse battery staple 42', role: 'operator', extension: '101' }, { actor: 'test', source: 'test' });
  const olga = await userWithToken(app, 'olga', 'operator');
  const sup = await userWithToken(app, 'sup', 'supervisor');
  const a = '00000000-0000-4000-8000-0000000000a1';
  const b = '00000000-0000-4000-8000-0000000000b2';
  const c = '00000000-0000-4000-8000-0000000000c3';
  app.sip.calls.open(ringing(a, '101', '+79161111111'));
  app.sip.calls.open(ringing(b, '102', '+79162222222'));
  app.sip.calls.open(ringing(c, '101', '+79163333333'));
  app.sip.calls.answered(a, new Date(), '101');
  await app.sip.calls.finish(c, { end: new Date(), outcome: 'missed', sipCause: 487, endReason: 'cancel' });
  await app.sip.calls.settle();

  const all = (await app.http.inject({ url: '/api/v1/calls/active', headers: bearer(sup) })).json() as ActiveCalls;
  t.same(all.items.map((x) => [x.id, x.state]), [[a, 'answered'], [b, 'ringing']], 'the ended call is gone');
  const own = (await app.http.inject({ url: '/api/v1/calls/active', headers: bearer(olga) })).json() as ActiveCalls;
  t.same(own.items.map((x) => x.id), [a], "olga sees her extension's call only");
});

t.test('extensions with who answers them and their registered phones, trunks with their registration, for admins only; no password leaves', async (t) => {
  const { app } = await testAppliance(t, CONFIG);
  await app.access.users.create({ username: 'olga', password: 'correct horse battery staple 42', role: 'operator', extension: '101' }, { actor: 'test', source: 'test' });
  await app.sip.bindings.apply('101', [{ contact: '<sip:101@192.0.2.50:5060>', expires: 300 }], { callId: 'reg-1', cseq: 1, userAgent: 'Yealink', received: 'udp/192.0.2.50:5060' }, 5);
  const admin = await userWithToken(app, 'root', 'admin');
  const ext = await app.http.inject({ url: '/api/v1/extensions', headers: bearer(admin) });
  t.equal(ext.statusCode, 200, ext.body);
  const e = ext.json() as ExtensionStates;
  t.equal(e.signalling, 'disabled', 'sip.enabled is off here');
  t.match(e.items, [
    { number: '101', name: 'Olga desk', department: 'sales', source: 'config', user: 'olga', contacts: 1 },
    { number: '102', user: null, contacts: 0 },
  ]);
  const tr = (await app.http.inject({ url: '/api/v1/trunks', headers: bearer(admin) })).json() as TrunkStates;
  t.match(tr.items, [
    { id: 'main', host: '192.0.2.10', registration: 'unregistered' },
    { id: 'backup', registration: null },
  ]);
  t.notMatch(ext.body + JSON.stringify(tr), /a-long-extension-secret|trunk-secret-value/, 'no secret in either answer');
  const sup = await userWithToken(app, 'sup', 'supervisor');
  t.equal((await app.http.inject({ url: '/api/v1/trunks', headers: bearer(sup) })).statusCode, 403);
});
