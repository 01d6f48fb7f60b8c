import t from 'tap';
import { testAppliance } from '../../helpers/appliance.js';
import type { CallRecord } from '../../../sip/calls/call-record.js';

const record = (o: Partial<CallRecord>): CallRecord => ({
  id: 'c1',
  sipCallId: 'x@y',
  direction: 'in',
  from: '+79123456789',
  to: '+74951112233',
  extension: '101',
  trunk: 'p',
  clientId: null,
  state: 'ringing',
  start: new Date(Date.now() - 60_000).toISOString(),
  answer: null,
  end: null,
  durationSec: 0,
  outcome: null,
  sipCause: null,
  endReason: null,
  media: { anchor: 'direct', recordRequested: false },
  recording: null,
  historyEventId: null,
  ...o,
});

t.test('a call ends once: a second finish (a BYE racing a lost connection) writes nothing', async (t) => {
  const { app } = await testAppliance(t);
  const log = app.sip.calls;
  log.open(record({}));
  log.answered('c1', new Date(Date.now() - 30_000), '102');
  const first = await log.finish('c1', { end: new Date(), outcome: 'missed', sipCause: null, endReason: 'caller' });
  const second = await log.finish('c1', { end: new Date(), outcome: 'failed', sipCause: 500, endReason: 'signalling-lost' });
  t.match(first, { state: 'ended', outcome: 'answered', extension: '102', endReason: 'caller' });
  t.ok(first!.durationSec >= 29 && first!.durationSec <= 31);
  t.equal(second, null);
  const client = app.clients.findByIdentity('phone', '+79123456789')!;
  t.ok(client, 'the caller became a client');
  t.match(app.history.page(client.id, { limit: 10 }).items, [{ kind: 'call', direction: 'in', payload: { outcome: 'answered', callId: 'c1', extension: '102' } }]);
  t.equal(app.history.count(client.id), 1);
});

t.test('an internal call is listed but goes into no client history', async (t) => {
  const { app } = await testAppliance(t);
  app.sip.calls.open(record({ id: 'i1', direction: 'internal', from: '101', to: '102', trunk: null }));
  const r = await app.sip.calls.finish('i1', { end: new Date(), outcome: 'busy', sipCause: 486, endReason: 'busy' });
  t.match(r, { clientId: null, historyEventId: null, outcome: 'busy' });
  t.match(app.sip.calls.list({ limit: 10 }).items, [{ id: 'i1', direction: 'internal' }]);
  t.equal(app.clients.search('101').length, 0);
});

t.test('calls a crashed run left open are ended at start as interrupted, once', async (t) => {
  const { app } = await testAppliance(t);
  await app.store.write(() => {
    app.store.db('calls').putSync([Date.now() - 5000, 'o1'], record({ id: 'o1', state: 'answered', answer: new Date(Date.now() - 4000).toISOString() }));
    app.store.db('calls').putSync([Date.now() - 4000, 'o2'], record({ id: 'o2', from: '+79990001122' }));
  });
  t.equal(await app.sip.calls.recover(), 2);
  t.equal(await app.sip.calls.recover(), 0, 'a second start finds nothing open');
  const items = app.sip.calls.list({ limit: 10 }).items;
  t.match(items, [{ id: 'o2', outcome: 'failed', endReason: 'interrupted' }, { id: 'o1', outcome: 'answered', endReason: 'interrupted' }]);
});

t.test('GET /api/v1/calls pages newest first by cursor and filters by direction', async (t) => {
  const { app } = await testAppliance(t);
  for (let i = 0; i < 5; i++) {
    app.sip.calls.open(record({ id: `p${i}`, start: new Date(Date.now() - (10 - i) * 1000).toISOString(), direction: i % 2 ? 'out' : 'in' }));
    await app.sip.calls.finish(`p${i}`, { end: new Date(), outcome: 'missed', sipCause: 487, endReason: 'cancel' });
  }
  const { bearer, userWithToken } = await import('../../helpers/appliance.js');
  const sup = await userWithToken(app, 'sue', 'supervisor');
  const page1 = (await app.http.inject({ url: '/api/v1/calls?limit=2', headers: bearer(sup) })).json();
  t.same(page1.items.map((c: { id: string }) => c.id), ['p4', 'p3']);
  const page2 = (await app.http.inject({ url: `/api/v1/calls?limit=2&cursor=${page1.next}`, headers: bearer(sup) })).json();
  t.same(page2.items.map((c: { id: string }) => c.id), ['p2', 'p1']);
  const outs = (await app.http.inject({ url: '/api/v1/calls?direction=out', headers: bearer(sup) })).json();
  t.same(outs.items.map((c: { id: string }) => c.id), ['p3', 'p1']);
  t.equal((await app.http.inject({ url: '/api/v1/calls?cursor=garbage', headers: bearer(sup) })).statusCode, 400);
  const op = await userWithToken(app, 'olga', 'operator');
  t.same((await app.http.inject({ url: '/api/v1/calls', headers: bearer(op) })).json(), { items: [], next: null }, 'an operator without an extension sees no calls (test/sip/http/operator-calls.test.ts has the rest)');
});

t.test('a call is found by id through its index once it has ended, and calls written before the index get entries at the next start', async (t) => {
  const { app } = await testAppliance(t);
  const log = app.sip.calls;
  log.open(record({ id: 'n1' }));
  await log.finish('n1', { end: new Date(), outcome: 'missed', sipCause: null, endReason: 'caller' });
  t.match(log.get('n1'), { id: 'n1', state: 'ended' }, 'found after its in-memory key is gone');
  t.equal(log.get('00000000-0000-4000-8000-000000000000'), undefined);
  // A store from before the index: records only, and no mark that the index was built.
  await app.store.write(() => {
    app.store.db('calls').putSync([Date.now() - 9000, 'old1'], record({ id: 'old1', state: 'ended' }));
    app.store.db('meta').removeSync('callIds.indexed');
  });
  t.equal(log.get('old1'), undefined, 'not indexed yet');
  await log.recover();
  t.match(log.get('old1'), { id: 'old1' });
  t.match(log.get('n1'), { id: 'n1' }, 'entries written since are kept');
});

t.test("each call state is published once, after its commit, with the caller's client when the number is already known", async (t) => {
  const { app } = await testAppliance(t);
  const log = app.sip.calls;
  const known = await app.clients.create({ name: 'Maria', identities: [{ kind: 'phone', value: '+79123456789' }] }, { actor: 'test', source: 'test' });
  const seen: Array<{ state: string; clientId: string | null; stored: string | undefined; rung: string[]; departments: string[] }> = [];
  const off = app.events.subscribe((e) => {
    // Read in the listener itself: what is published must already be on disk.
    if (e.type === 'call') seen.push({ state: e.call.state, clientId: e.call.clientId, stored: log.get(e.call.id)?.state, rung: e.call.rung, departments: e.call.departments });
  });
  t.teardown(off);
  log.open(record({ id: 'e1', rung: ['101', '102'], departments: ['sales'] }));
  log.answered('e1', new Date(), '101');
  log.answered('e1', new Date(), '102');
  await log.finish('e1', { end: new Date(), outcome: 'answered', sipCause: null, endReason: 'caller' });
  await log.finish('e1', { end: new Date(), outcome: 'failed', sipCause: 500, endReason: 'signalling-lost' });
  t.same(seen, [
    { state: 'ringing', clientId: known.id, stored: 'ringing', rung: ['101', '102'], departments: ['sales'] },
    { state: 'answered', clientId: known.id, stored: 'answered', rung: ['101', '102'], departments: ['sales'] },
    { state: 'ended', clientId: known.id, stored: 'ended', rung: ['101', '102'], departments: ['sales'] },
  ]);

  seen.length = 0;
  log.open(record({ id: 'e2', from: '+79990001122' }));
  await log.finish('e2', { end: new Date(), outcome: 'missed', sipCause: 487, endReason: 'cancel' });
  const made = app.clients.findByIdentity('phone', '+79990001122')!;
  t.match(seen, [
    { state: 'ringing', clientId: null, rung: [], departments: [] },
    { state: 'ended', clientId: made.id },
  ], 'an unknown caller has no client while ringing; the card made at the end is named in the ended event');
});
