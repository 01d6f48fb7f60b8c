import t from 'tap';
import { bearer, testAppliance, userWithToken } from '../../helpers/appliance.js';
import type { Appliance } from '../../../appliance/app.js';
import { CALL_IDS as IDS, seedCalls } from '../../helpers/seed-calls.js';

/*
 * An operator reaches the calls of their own extension (GET /api/v1/calls and
 * each recording) and nothing else: another call's recording answers exactly
 * like a call that does not exist, and the refusal is audited. Call records and
 * their WAV files are written straight into the store here; the recorded-calls
 * tests make real ones through FreeSWITCH and Asterisk.
 */

async function operator(app: Appliance, username: string, extension: string | null): Promise<string> {
  const token = await userWithToken(app, username, 'operator');
  if (extension) await app.access.users.update(username, { extension }, { actor: 'test', source: 'test' });
  return token;
}

function auditOf(app: Appliance, action: string): Array<{ actor: string; target: string; details: Record<string, unknown> }> {
  return [...app.audit.all()].filter((r) => r.action === action);
}

const recording = (id: string): string => `/api/v1/calls/${id}/recording`;

t.test("an operator fetches their own extension's recordings, whole and by range, each fetch audited", async (t) => {
  const { app, dataDir } = await testAppliance(t);
  const audio = await seedCalls(app, dataDir);
  const olga = await operator(app, 'olga', '101');

  const whole = await app.http.inject({ url: recording(IDS.inbound), headers: bearer(olga) });
  t.equal(whole.statusCode, 200, whole.body);
  t.equal(whole.headers['content-type'], 'audio/wav');
  t.same(whole.rawPayload, audio);
  const part = await app.http.inject({ url: recording(IDS.inbound), headers: { ...bearer(olga), range: 'bytes=0-3' } });
  t.equal(part.statusCode, 206);
  t.equal(part.headers['content-range'], `bytes 0-3/${audio.length}`);
  t.equal(part.rawPayload.toString('latin1'), 'RIFF');
  const internal = await app.http.inject({ url: recording(IDS.internal), headers: bearer(olga) });
  t.equal(internal.statusCode, 200, 'an internal call she placed is hers, though the call names the callee as its extension');

  const fetched = auditOf(app, 'call.recording.fetch');
  t.same(fetched.map((r) => [r.actor, r.target, r.details.range]), [
    ['user:olga', `call:${IDS.inbound}`, null],
    ['user:olga', `call:${IDS.inbound}`, 'bytes=0-3'],
    ['user:olga', `call:${IDS.internal}`, null],
  ]);
  t.same(auditOf(app, 'call.recording.refused'), []);
});

t.test("another extension's recording answers the same 404 as a call that does not exist, and the refusal is audited", async (t) => {
  const { app, dataDir } = await testAppliance(t);
  await seedCalls(app, dataDir);
  const olga = await operator(app, 'olga', '101');

  const other = await app.http.inject({ url: recording(IDS.outbound), headers: bearer(olga) });
  const none = await app.http.inject({ url: recording(IDS.missing), headers: bearer(olga) });
  t.equal(other.statusCode, 404);
  t.equal(none.statusCode, 404);
  t.same(other.json(), { ...none.json(), message: none.json().message.replace(IDS.missing, IDS.outbound) }, 'the two answers differ only by the id asked for');
  t.equal(other.json().error, 'SWB_ERR_NOT_FOUND');
  t.notMatch(String(other.headers['content-type']), /audio/, 'no audio answered');

  t.same(auditOf(app, 'call.recording.refused').map((r) => [r.actor, r.target, r.details.reason]), [
    ['user:olga', `call:${IDS.outbound}`, 'not-own-call'],
    ['user:olga', `call:${IDS.missing}`, 'no-such-call'],
  ]);
  t.same(auditOf(app, 'call.recording.fetch'), [], 'nothing was served');

  const sup = await userWithToken(app, 'sue', 'supervisor');
  t.equal((await app.http.inject({ url: recording(IDS.outbound), headers: bearer(sup) })).statusCode, 200, 'the call and its recording exist: a supervisor gets it');
  t.same(auditOf(app, 'call.recording.refused').length, 2, 'a supervisor fetch is not a refusal');
});

t.test('an operator without an extension gets 404 for every recording and an empty call list; an auditor gets 403', async (t) => {
  const { app, dataDir } = await testAppliance(t);
  await seedCalls(app, dataDir);
  const nora = await operator(app, 'nora', null);
  const r = await app.http.inject({ url: recording(IDS.inbound), headers: bearer(nora) });
  t.equal(r.statusCode, 404);
  t.equal(r.json().error, 'SWB_ERR_NOT_FOUND');
  t.match(auditOf(app, 'call.recording.refused'), [{ actor: 'user:nora', target: `call:${IDS.inbound}`, details: { reason: 'not-own-call' } }]);
  t.same((await app.http.inject({ url: '/api/v1/calls', headers: bearer(nora) })).json(), { items: [], next: null });

  const auditor = await userWithToken(app, 'audrey', 'auditor');
  t.equal((await app.http.inject({ url: recording(IDS.inbound), headers: bearer(auditor) })).statusCode, 403);
  t.equal((await app.http.inject({ url: '/api/v1/calls', headers: bearer(auditor) })).statusCode, 403);
});

t.test("GET /api/v1/calls shows an operator only their extension's calls, whatever the query; supervisors see all", async (t) => {
  const { app, dataDir } = await testAppliance(t);
  await seedCalls(app, dataDir);
  const olga = await operator(app, 'olga', '101');
  const pete = await operator(app, 'pete', '103');
  const sup = await userWithToken(app, 'sue', 'supervisor');
  const ids = async (token: string, query = ''): Promise<string[]> => {
    const r = await app.http.inject({ url: `/api/v1/calls${query}`, headers: bearer(token) });
    t.equal(r.statusCode, 200, r.body);
    return (r.json().items as Array<{ id: string }>).map((c) => c.id);
  };
  t.same(await ids(sup), [IDS.outbound, IDS.internal, IDS.inbound], 'newest first, every call');
  t.same(await ids(olga), [IDS.internal, IDS.inbound]);
  t.same(await ids(pete), [IDS.outbound]);
  t.same(await ids(olga, '?extension=103'), [], "asking for another extension shows none of its calls");
  t.same(await ids(olga, '?direction=internal'), [IDS.internal], 'her own filters still narrow');
  t.same(await ids(sup, '?extension=103'), [IDS.outbound], "a supervisor's filter is unchanged");

  const first = (await app.http.inject({ url: '/api/v1/calls?limit=1', headers: bearer(olga) })).json() as { items: Array<{ id: string }>; next: string };
  t.same(first.items.map((c) => c.id), [IDS.internal]);
  const second = (await app.http.inject({ url: `/api/v1/calls?limit=1&cursor=${first.next}`, headers: bearer(olga) })).json() as { items: Array<{ id: string }>; next: string | null };
  t.same(second.items.map((c) => c.id), [IDS.inbound], 'pages go on through her calls only');

  await app.access.users.update('olga', { extension: null }, { actor: 'test', source: 'test' });
  t.same(await ids(olga), [], 'a cleared extension takes effect at once, in the same session');
});
