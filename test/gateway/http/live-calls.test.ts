import t from 'tap';
import { bearer, userWithToken } from '../../helpers/appliance.js';
import { EXTENSIONS, registerPhone, sipAppliance, sipp, sippPhone, startDrachtio, waitFor } from '../../helpers/sip.js';
import { freePort } from '../../../sip/drachtio/free-port.js';
import { subscribe } from './sse-client.js';

/*
 * Call events on the live stream, from a real trunk call through
 * drachtio-server: each person hears of the calls that are theirs (their
 * extension rang, or their department's ring group was called), supervisors
 * of all, and nobody else of any; the screen-pop route follows the same rule.
 */

t.test("the live stream tells operators of their extension's and their department's calls only, and supervisors of all", async (t) => {
  const drachtio = await startDrachtio(t);
  const target = `127.0.0.1:${drachtio.sipPort}`;
  const trunkPort = await freePort();
  const { app } = await sipAppliance(t, drachtio, { trunks: [{ id: 'provider', host: '127.0.0.1', port: trunkPort, inbound: 'sales', prefix: '9' }] });
  const ctx = { actor: 'test', source: 'test' };
  const token = async (name: string, role: 'operator' | 'supervisor', department: string | null, extension: string | null) => {
    const tk = await userWithToken(app, name, role, department);
    if (extension) await app.access.users.update(name, { extension }, ctx);
    return tk;
  };
  const people = {
    olga: await token('olga', 'operator', 'sales', '101'),
    nora: await token('nora', 'operator', 'sales', null),
    boris: await token('boris', 'operator', 'support', '102'),
    vera: await token('vera', 'operator', 'support', '103'),
    sue: await token('sue', 'supervisor', null, null),
  };
  const maria = await app.clients.create({ name: 'Maria Ivanova', identities: [{ kind: 'phone', value: '+79123456789' }] }, ctx);
  const url = (await app.http.listen({ host: '127.0.0.1', port: 0 })).replace(/\/$/, '');
  const streams = Object.fromEntries(await Promise.all(Object.entries(people).map(async ([name, tk]) => [name, await subscribe(url, tk)] as const)));
  t.teardown(() => Object.values(streams).forEach((s) => s.close()));

  const phonePort = await freePort();
  const phone = sippPhone(t, 'phone-rings-until-cancel.xml', { target, port: phonePort, service: '101' });
  await registerPhone(target, EXTENSIONS[0]!, phonePort);
  const provider = await sipp('trunk-call-in-cancelled.xml', { target, port: trunkPort, keys: { caller: '89123456789', dialled: '74951112233' }, pauseMs: 1000 });
  t.equal(provider.code, 0, provider.errors);
  t.equal((await phone).code, 0);

  const calls = (name: keyof typeof people) => streams[name]!.events.filter((e) => e.event === 'call').map((e) => e.data.call);
  await waitFor(() => calls('sue').some((c) => c.state === 'ended') && calls('olga').some((c) => c.state === 'ended'), 5000, 'the ended call event');
  const [ringing, end] = calls('sue');
  t.match(ringing, { state: 'ringing', direction: 'in', from: '+79123456789', to: '+74951112233', rung: ['101', '102'], departments: ['sales'], clientId: maria.id });
  t.match(end, { id: ringing.id, state: 'ended', outcome: 'missed', clientId: maria.id });
  t.equal(calls('sue').length, 2, 'ringing and ended, once each (never answered)');
  t.same(calls('olga'), calls('sue'), 'her extension rang');
  await waitFor(() => calls('nora').length === 2 && calls('boris').length === 2, 2000, 'the others');
  t.same(calls('nora'), calls('sue'), "her department's ring group was called (she has no extension)");
  t.same(calls('boris'), calls('sue'), 'his extension rang, though he works in another department');
  t.same(calls('vera'), [], 'another department, another extension: nothing');

  const pop = (tk: string) => app.http.inject({ url: `/api/v1/calls/${ringing.id}/caller`, headers: bearer(tk) });
  const seen = await pop(people.olga);
  t.equal(seen.statusCode, 200, seen.body);
  t.match(seen.json(), { call: { id: ringing.id, state: 'ended' }, number: '+79123456789', client: { id: maria.id, name: 'Maria Ivanova' }, history: { items: [{ kind: 'call', payload: { callId: ringing.id, outcome: 'missed' } }] } });
  const hidden = await pop(people.vera);
  t.equal(hidden.statusCode, 404, "another department's caller answers like a call that does not exist");
  t.equal(hidden.json().error, 'SWB_ERR_NOT_FOUND');
  t.notMatch(hidden.body, /Maria|79123456789/);
});
