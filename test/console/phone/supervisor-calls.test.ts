import t from 'tap';
import { newPage, signIn } from '../../helpers/console.js';
import { STRONG_PASSWORD } from '../../helpers/appliance.js';
import { EXTENSIONS, registerPhone, sipp, sippPhone } from '../../helpers/sip.js';
import { phoneRig, staff } from '../../helpers/phone-console.js';
import { freePort } from '../../../sip/drachtio/free-port.js';
import type { CallSummary } from '../../../domain/events/events.js';

const CALLER_RINGS_MS = 4000;
/** Long enough for two of the old 2-second polls, which the page must no longer make. */
const QUIET_MS = 5000;

t.test('a trunk call shows on the open supervisor page within a second of its INVITE and leaves it when it ends, without polling for calls', async (t) => {
  const { app, target, trunkPort, base, browser } = await phoneRig(t);
  await staff(app, 'olga', 'operator', 'sales', '101');
  await staff(app, 'sveta', 'supervisor', null, null);
  const page = await newPage(t, browser);
  await signIn(page, base, 'sveta', STRONG_PASSWORD);
  await page.getByText('Live', { exact: true }).waitFor();
  await page.getByRole('link', { name: 'Supervisor' }).click();
  const calls = page.getByRole('region', { name: 'Calls in progress' });
  await calls.getByText('No call in progress.').waitFor();

  const asked: number[] = [];
  page.on('request', (r) => r.url().endsWith('/api/v1/calls/active') && asked.push(Date.now()));
  await page.waitForTimeout(QUIET_MS);
  t.same(asked, [], `no call list asked for in ${QUIET_MS / 1000} quiet seconds`);

  // The moments the appliance took the INVITE in and let the call go, as its own feed tells them.
  const heard = new Map<string, number>();
  app.events.subscribe((e) => e.type === 'call' && !heard.has(e.call.state) && heard.set(e.call.state, Date.now()));
  const seen = (state: CallSummary['state']) =>
    new Promise<number>((resolve) => {
      const check = setInterval(() => heard.has(state) && (clearInterval(check), resolve(heard.get(state)!)), 5);
    });

  const phonePort = await freePort();
  const phone = sippPhone(t, 'phone-rings-until-cancel.xml', { target, port: phonePort, service: '101', timeoutSeconds: 30 });
  await registerPhone(target, EXTENSIONS[0]!, phonePort);
  const provider = sipp('trunk-call-in-cancelled.xml', { target, port: trunkPort, keys: { caller: '89123456789', dialled: '74951112233' }, pauseMs: CALLER_RINGS_MS, timeoutSeconds: 30 });

  const ringing = await seen('ringing');
  await calls.getByRole('row').filter({ hasText: '+79123456789' }).filter({ hasText: 'ringing' }).waitFor({ timeout: 1000 });
  t.pass(`on the page ${Date.now() - ringing} ms after the INVITE was taken in`);
  await seen('ended');
  await calls.getByText('No call in progress.').waitFor({ timeout: 1000 });

  const pr = await provider;
  t.equal(pr.code, 0, pr.errors);
  t.equal((await phone).code, 0);
  t.ok(asked.length <= 4, `the call list asked for only when the stream said a call moved (${asked.length} times)`);
});
