import t from 'tap';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import YAML from 'yaml';
import { bearer, tempDir, userWithToken } from '../../helpers/appliance.js';
import { startAppliance, stop } from '../../helpers/cli.js';
import { Store } from '../../../domain/store/store.js';
import { callFrom, EXTENSIONS, registerPhone, SECRET, sipAppliance, sippPhone, startDrachtio, startSipp, waitFor } from '../../helpers/sip.js';
import { freePort } from '../../../sip/drachtio/free-port.js';
import type { Appliance } from '../../../appliance/app.js';

const drachtio = await startDrachtio(t);
const target = `127.0.0.1:${drachtio.sipPort}`;
const [a, b] = [EXTENSIONS[0]!, EXTENSIONS[1]!];

async function calls(app: Appliance): Promise<Array<Record<string, unknown>>> {
  const sup = await userWithToken(app, 'sue', 'supervisor');
  return (await app.http.inject({ url: '/api/v1/calls', headers: bearer(sup) })).json().items;
}

t.test('a caller that never ACKs the 200 OK is hung up on both legs and the call recorded once', async (t) => {
  const { app } = await sipAppliance(t, drachtio, { sip: { calls: { ackTimeoutSeconds: 1 } } });
  const port = await freePort();
  const phone = sippPhone(t, 'phone-answers.xml', { target, port, service: b.number, pauseMs: 50 });
  await registerPhone(target, b, port);
  const caller = await callFrom(target, a, 'call-answered-never-acks.xml', b.number);
  t.equal(caller.code, 0, caller.errors);
  t.equal((await phone).code, 0, 'the callee got its BYE');
  await waitFor(async () => (await calls(app))[0]?.state === 'ended', 3000, 'the record');
  const all = await calls(app);
  t.equal(all.length, 1);
  t.match(all[0], { outcome: 'answered', endReason: 'no-ack' });
});

t.test('drachtio-server killed in mid-call: the call is recorded once, the appliance reconnects and reports it', async (t) => {
  const trunkPort = await freePort();
  const { app } = await sipAppliance(t, drachtio, { trunks: [{ id: 'provider', host: '127.0.0.1', port: trunkPort, inbound: '102', prefix: '9' }] });
  const sup = await userWithToken(app, 'sue', 'supervisor');
  const port = await freePort();
  const phone = sippPhone(t, 'phone-answers.xml', { target, port, service: b.number, pauseMs: 50, timeoutSeconds: 15 });
  await registerPhone(target, b, port);
  const provider = startSipp('trunk-call-in-answered.xml', { target, port: trunkPort, keys: { caller: '+79161234567', dialled: '74951112233' }, pauseMs: 4000, timeoutSeconds: 15 });
  await waitFor(async () => (await calls(app))[0]?.state === 'answered', 5000, 'the call to be answered');

  await drachtio.server.stop('SIGKILL');
  await waitFor(() => !app.sip.connection.connected, 3000, 'the appliance to notice');
  t.equal((await app.http.inject({ url: '/readyz' })).statusCode, 503, '/readyz says SIP is down');
  t.match((await app.http.inject({ url: '/readyz' })).json(), { checks: { sip: 'down', store: 'ok' } });
  await waitFor(async () => (await calls(app))[0]?.state === 'ended', 3000, 'the call record');

  await drachtio.restart();
  await waitFor(() => app.sip.connection.connected, 10_000, 'the appliance to reconnect');
  t.equal((await app.http.inject({ url: '/readyz' })).statusCode, 200);
  const metrics = await app.metrics.registry.metrics();
  t.match(metrics, /swb_sip_drachtio_connected 1/);
  t.match(metrics, /swb_sip_drachtio_reconnects_total 1/);

  // The provider's BYE after the restart finds no dialog: nothing more is recorded.
  provider.child.kill('SIGTERM');
  await provider.done;
  phone.catch(() => {});
  const all = await calls(app);
  t.equal(all.length, 1, 'one call record');
  t.match(all[0], { direction: 'in', outcome: 'answered', endReason: 'signalling-lost' });
  const client = (await app.http.inject({ url: '/api/v1/clients?q=%2B79161234567', headers: bearer(sup) })).json().items[0] as { id: string };
  const history = (await app.http.inject({ url: `/api/v1/clients/${client.id}/history`, headers: bearer(sup) })).json().items;
  t.equal(history.length, 1, 'one history event');
  // And calls work again through the restarted server.
  const port2 = await freePort();
  const phone2 = sippPhone(t, 'phone-answers.xml', { target, port: port2, service: b.number, pauseMs: 50 });
  await registerPhone(target, b, port2);
  t.equal((await callFrom(target, a, 'call-answered-caller-hangs-up.xml', b.number)).code, 0);
  t.equal((await phone2).code, 0);
});

t.test('the appliance killed (-9) in mid-call: after the restart the call is recorded once, as interrupted', async (t) => {
  const dataDir = await tempDir(t);
  const trunkPort = await freePort();
  const cfg = path.join(dataDir, 'config.yaml');
  await writeFile(
    cfg,
    YAML.stringify({
      sip: { enabled: true, drachtio: { port: drachtio.adminPort, secret: SECRET, reconnectMinMs: 100 }, auth: { algorithms: ['MD5'] } },
      extensions: EXTENSIONS,
      trunks: [{ id: 'provider', host: '127.0.0.1', port: trunkPort, inbound: '102', prefix: '9' }],
      log: { level: 'warn' },
    }),
  );
  const env = { SWITCHBOARD_CONFIG: cfg, SWITCHBOARD_DATA_DIR: dataDir, SWITCHBOARD_LISTEN: `127.0.0.1:${await freePort()}`, SWITCHBOARD_LOG_LEVEL: 'info' };
  const waitSip = async (url: string): Promise<void> => waitFor(async () => (await fetch(`${url}/readyz`)).status === 200, 10_000, 'SIP ready');
  const first = await startAppliance(env);
  t.teardown(() => stop(first.child, 'SIGKILL'));
  await waitSip(first.url);
  const port = await freePort();
  const phone = sippPhone(t, 'phone-answers.xml', { target, port, service: b.number, pauseMs: 50, timeoutSeconds: 15 });
  await registerPhone(target, b, port);
  const provider = startSipp('trunk-call-in-answered.xml', { target, port: trunkPort, keys: { caller: '+79169876543', dialled: '74951112233' }, pauseMs: 3000, timeoutSeconds: 15 });
  await new Promise((r) => setTimeout(r, 1000));
  await stop(first.child, 'SIGKILL');

  const second = await startAppliance(env);
  t.teardown(() => stop(second.child));
  await waitSip(second.url);
  await provider.done; // its BYE after the restart finds no dialog
  phone.catch(() => {});
  await stop(second.child);
  const store = await Store.open({ dataDir, readOnly: true });
  t.teardown(() => store.close());
  const records = [...store.db<Record<string, unknown>>('calls').getRange({})].map((e) => e.value);
  t.equal(records.length, 1, 'one call record');
  t.match(records[0], { state: 'ended', outcome: 'answered', endReason: 'interrupted', from: '+79169876543' });
  const events = [...store.db<Record<string, unknown>>('history').getRange({})].map((e) => e.value).filter((e) => e.kind === 'call');
  t.equal(events.length, 1, 'one history event');
});

t.test('a callee that dies after answering never answers our BYE: the call is still ended and recorded at once', async (t) => {
  const { app } = await sipAppliance(t, drachtio);
  const port = await freePort();
  const callee = startSipp('phone-answers.xml', { target, port, service: b.number, pauseMs: 50, timeoutSeconds: 15 });
  t.teardown(async () => {
    callee.child.kill('SIGKILL');
    await callee.done;
  });
  await registerPhone(target, b, port);
  const caller = callFrom(target, a, 'call-answered-caller-hangs-up.xml', b.number, {}, 20);
  await waitFor(async () => (await calls(app))[0]?.state === 'answered', 5000, 'the answer');
  callee.child.kill('SIGKILL');
  t.equal((await caller).code, 0, 'the caller hung up normally');
  await waitFor(async () => (await calls(app))[0]?.state === 'ended', 2000, 'the record, without waiting for the dead leg');
  t.match((await calls(app))[0], { outcome: 'answered', endReason: 'caller' });
  t.equal(app.sip.active.size, 0);
});

t.test('drachtio-server paused (a slow reply) while the phone rings: the call completes once it resumes', async (t) => {
  const { app } = await sipAppliance(t, drachtio);
  const port = await freePort();
  const phone = sippPhone(t, 'phone-answers.xml', { target, port, service: b.number, pauseMs: 1500 });
  await registerPhone(target, b, port);
  const caller = callFrom(target, a, 'call-answered-caller-hangs-up.xml', b.number);
  await waitFor(async () => (await calls(app))[0]?.state === 'ringing', 5000, 'ringing');
  drachtio.server.pause();
  await new Promise((r) => setTimeout(r, 1200));
  drachtio.server.resume();
  t.equal((await caller).code, 0, 'SIPp retransmitted through the pause and completed');
  t.equal((await phone).code, 0);
  await waitFor(async () => (await calls(app))[0]?.state === 'ended', 3000, 'the record');
  t.match((await calls(app))[0], { outcome: 'answered', endReason: 'caller' });
  t.ok(app.sip.connection.connected, 'the connection survived the pause');
});
