import t from 'tap';
import { bearer, userWithToken } from '../../helpers/appliance.js';
import { registerPhone, sippPhone, startDrachtio, waitFor } from '../../helpers/sip.js';
import { RECORDED, recordedAppliance } from '../../helpers/recorded-calls.js';
import { startTestFreeswitch } from '../../helpers/freeswitch.js';
import { freePort } from '../../../sip/drachtio/free-port.js';

/*
 * A click-to-call whose policy says record (extension 102 has record: true)
 * goes through the same media anchor as any recorded call: the phone's offer
 * goes to FreeSWITCH, FreeSWITCH's to the provider, and the provider's answer
 * comes back to the phone through FreeSWITCH, which records the call.
 */
t.test('a click-to-call from a recorded extension is anchored on FreeSWITCH and recorded', async (t) => {
  const drachtio = await startDrachtio(t);
  const fs = await startTestFreeswitch(t);
  const target = `127.0.0.1:${drachtio.sipPort}`;
  const trunkPort = await freePort();
  const { app } = await recordedAppliance(t, drachtio, trunkPort, {
    backend: 'freeswitch',
    freeswitch: { esl: { port: fs.eslPort, password: fs.eslPassword, reconnectMinMs: 100, reconnectMaxMs: 500 }, sip: { port: fs.sipPort } },
  });
  await waitFor(() => app.media!.readiness() === 'ok', 10_000, 'the ESL link');
  const boris = await userWithToken(app, 'boris', 'operator', 'sales');
  await app.access.users.update('boris', { extension: RECORDED.number }, { actor: 'test', source: 'test' });

  const phonePort = await freePort();
  const phone = sippPhone(t, 'phone-late-offer-answers-then-hangs-up.xml', { target, port: phonePort, service: RECORDED.number, pauseMs: 2000, timeoutSeconds: 30 });
  await registerPhone(target, RECORDED, phonePort);
  const provider = sippPhone(t, 'provider-answers.xml', { target, port: trunkPort, service: 'provider', pauseMs: 100, timeoutSeconds: 30 });

  const r = await app.http.inject({ method: 'POST', url: '/api/v1/calls', headers: bearer(boris), payload: { to: '+79123456789' } });
  t.equal(r.statusCode, 202, r.body);
  const id = (r.json() as { id: string }).id;
  const [ph, pr] = [await phone, await provider];
  t.equal(ph.code, 0, ph.errors);
  t.equal(pr.code, 0, pr.errors);
  t.match(pr.messages, /INVITE sip:\+79123456789@[\s\S]*o=FreeSWITCH/, "the provider was offered FreeSWITCH's media, not the phone's");
  t.notMatch(pr.messages, /s=operator-phone/);
  t.match(ph.messages, /ACK sip:[\s\S]*o=FreeSWITCH/, "the phone's ACK carries FreeSWITCH's answer");

  await waitFor(() => app.sip.calls.get(id)?.recording?.historyEventId != null, 20_000, 'the recording in the record and the history');
  const call = app.sip.calls.get(id)!;
  t.match(call, { direction: 'out', extension: RECORDED.number, outcome: 'answered', media: { anchor: 'freeswitch', recordRequested: true, because: ['extension:102'] } });
  t.ok(call.recording!.durationSec > 1, `about the 2 s the call lasted: ${call.recording!.durationSec}`);
  t.match(app.history.page(call.clientId!, { limit: 5 }).items.map((e) => e.kind).sort(), ['call', 'recording']);
});
