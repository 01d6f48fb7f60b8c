import t from 'tap';
import { createSocket } from 'node:dgram';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from '../helpers/cli.js';
import { EXTENSIONS, sipAppliance, sipp, startDrachtio, waitFor } from '../helpers/sip.js';

/**
 * RFC 4475's 49 torture messages, byte for byte from ../shared/testdata/rfc4475,
 * each sent over UDP to the real drachtio-server with the appliance connected.
 * drachtio-server answers at the source address and port (it adds received
 * and rport to the Via), so nothing leaves loopback whatever the Via says.
 */
const DIR = path.resolve(ROOT, '..', 'shared', 'testdata', 'rfc4475');

t.test('every RFC 4475 message gets a sane answer or is dropped, and the appliance keeps serving', async (t) => {
  const files = readdirSync(DIR).filter((f) => f.endsWith('.dat')).sort();
  t.equal(files.length, 49, `49 torture messages in ${DIR}`);
  const drachtio = await startDrachtio(t);
  const { app, logs } = await sipAppliance(t, drachtio);
  const answers = new Map<string, number[]>();
  let current = '';
  // drachtio-server adds rport to every Via (RFC 3581), so answers come back to the sending socket.
  const sender = createSocket('udp4');
  await new Promise<void>((r) => sender.bind(0, '127.0.0.1', () => r()));
  t.teardown(() => sender.close());
  sender.on('message', (m) => {
    const status = Number(/^SIP\/2\.0 (\d{3})/.exec(m.toString('latin1'))?.[1]);
    if (status) answers.set(current, [...(answers.get(current) ?? []), status]);
  });

  for (const f of files) {
    current = f;
    sender.send(readFileSync(path.join(DIR, f)), drachtio.sipPort, '127.0.0.1');
    await new Promise((r) => setTimeout(r, 150));
  }
  await new Promise((r) => setTimeout(r, 500));
  t.comment(files.map((f) => `${f}: ${answers.get(f)?.join(',') ?? 'no answer'}`).join('\n'));

  t.ok(drachtio.server.running, 'drachtio-server is still running');
  t.ok(app.sip.connection.connected, 'the appliance is still connected');
  const all = [...answers.values()].flat();
  t.notOk(all.includes(500), 'no 500 Server Internal Error from the appliance');
  t.notMatch(logs.text, /"level":50/, 'no error logged');
  // No transaction left open: every INVITE the appliance saw has had its final response.
  const client = (app.sip.srf as unknown as { app: { client: { mapServer: Map<unknown, { pendingNetworkInvites: Map<string, unknown> }> } } }).app.client;
  await waitFor(() => [...client.mapServer.values()].every((o) => o.pendingNetworkInvites.size === 0), 3000, 'no pending INVITE');
  t.equal(app.sip.active.size, 0, 'no call left in progress');
  // And a phone still registers.
  const ext = EXTENSIONS[0]!;
  const r = await sipp('register-digest-200.xml', { target: `127.0.0.1:${drachtio.sipPort}`, service: ext.number, auth: { user: ext.number, password: ext.password }, keys: { contact_port: 5090, expires: 300 } });
  t.equal(r.code, 0, r.errors);
});
