import t from 'tap';
import { bearer, userWithToken } from '../../helpers/appliance.js';
import { callFrom, EXTENSIONS, registerPhone, sipAppliance, sippPhone, startDrachtio, waitFor } from '../../helpers/sip.js';
import { freePort } from '../../../sip/drachtio/free-port.js';

/*
 * sip.calls.maxDurationSeconds: neither phone hangs up (each waits for a BYE),
 * as when one died without sending its own; the appliance ends the call on
 * both legs once the limit is reached.
 */
const drachtio = await startDrachtio(t);
const target = `127.0.0.1:${drachtio.sipPort}`;
const [a, b] = [EXTENSIONS[0]!, EXTENSIONS[1]!];

t.test('an answered call past sip.calls.maxDurationSeconds gets BYE on both legs and ends as max-duration', async (t) => {
  const { app } = await sipAppliance(t, drachtio, { sip: { calls: { maxDurationSeconds: 2 } } });
  const port = await freePort();
  const phone = sippPhone(t, 'phone-answers.xml', { target, port, service: b.number, timeoutSeconds: 20 });
  await registerPhone(target, b, port);
  const caller = await callFrom(target, a, 'call-answered-callee-hangs-up.xml', b.number);
  t.equal(caller.code, 0, `the caller got a BYE and answered it: ${caller.errors}`);
  t.equal((await phone).code, 0, 'the callee got a BYE and answered it');
  const sup = await userWithToken(app, 'sue', 'supervisor');
  const list = async () => (await app.http.inject({ url: '/api/v1/calls', headers: bearer(sup) })).json().items as Array<Record<string, unknown>>;
  await waitFor(async () => (await list())[0]?.state === 'ended', 5000, 'the call record');
  const [c] = await list();
  t.match(c, { direction: 'internal', outcome: 'answered', endReason: 'max-duration' });
  t.ok((c!.durationSec as number) >= 1 && (c!.durationSec as number) <= 4, `about the limit long (${c!.durationSec} s)`);
});
