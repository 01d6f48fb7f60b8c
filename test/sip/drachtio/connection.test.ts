import t, { type Test } from 'tap';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import SrfLib from 'drachtio-srf';
import { tempDir, testAppliance } from '../../helpers/appliance.js';
import { SECRET, sipAppliance, startDrachtio, waitFor } from '../../helpers/sip.js';
import { freePort } from '../../../sip/drachtio/free-port.js';

t.test('without drachtio-server /readyz reports sip down; it connects once the server comes up, with backoff', async (t) => {
  const adminPort = await freePort();
  const { app, logs } = await testAppliance(t, { sip: { enabled: true, drachtio: { port: adminPort, secret: SECRET, reconnectMinMs: 100, reconnectMaxMs: 400 } } });
  await app.sip.start();
  await new Promise((r) => setTimeout(r, 300));
  const down = await app.http.inject({ url: '/readyz' });
  t.equal(down.statusCode, 503);
  t.match(down.json(), { status: 'not ready', checks: { store: 'ok', sip: 'down' } });
  t.match(logs.text, /cannot reach drachtio-server; retrying/);
  t.match(await app.metrics.registry.metrics(), /swb_sip_drachtio_connected 0/);
  // Bring a server up on the port the appliance keeps trying.
  const d = await startDrachtioOn(t, adminPort);
  await waitFor(() => app.sip.connection.connected, 5000, 'the connection');
  t.equal((await app.http.inject({ url: '/readyz' })).statusCode, 200);
  t.ok(d);
});

t.test('a wrong secret is refused by drachtio-server: the appliance says so and stays not ready', async (t) => {
  const d = await startDrachtio(t);
  const { app, logs } = await testAppliance(t, { sip: { enabled: true, drachtio: { port: d.adminPort, secret: 'wrong', reconnectMinMs: 100, reconnectMaxMs: 200 } } });
  await app.sip.start();
  await waitFor(() => /refused the appliance/.test(logs.text), 3000, 'the refusal');
  t.equal((await app.http.inject({ url: '/readyz' })).statusCode, 503);
});

t.test('SIP disabled (the default): no sip readiness check, no connection', async (t) => {
  const { app } = await testAppliance(t);
  await app.sip.start();
  const r = await app.http.inject({ url: '/readyz' });
  t.equal(r.statusCode, 200);
  t.notOk('sip' in r.json().checks);
});

t.test('TLS to drachtio-server: every reconnect is TLS again (the drachtio-srf weak spot is guarded)', async (t) => {
  const dir = await tempDir(t);
  const [cert, key, dh] = ['cert.pem', 'key.pem', 'dh.pem'].map((f) => path.join(dir, f)) as [string, string, string];
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  execFileSync('openssl', ['dhparam', '-dsaparam', '-out', dh, '2048'], { stdio: 'ignore' });
  const tlsPort = await freePort();
  const d = await startDrachtio(t, { tls: { port: tlsPort, certFile: cert, keyFile: key, dhParamFile: dh } });
  const { app } = await sipAppliance(t, d, { sip: { drachtio: { port: tlsPort, secret: SECRET, tls: { ca: cert }, reconnectMinMs: 100, reconnectMaxMs: 400 } } });
  t.same(app.sip.connection.transports, ['tls']);

  // The canary: drachtio-srf left to reconnect by itself, with the same TLS options.
  const bare = new (SrfLib as unknown as new () => import('node:events').EventEmitter & { connect(o: object): void; disconnect(): void })();
  let bareConnects = 0;
  bare.on('connect', (err: unknown) => !err && bareConnects++);
  bare.on('error', () => {});
  bare.connect({ host: '127.0.0.1', port: tlsPort, secret: SECRET, tls: { ca: (await import('node:fs')).readFileSync(cert) } });
  await waitFor(() => bareConnects === 1, 5000, 'the bare drachtio-srf to connect');

  await d.server.stop();
  await waitFor(() => !app.sip.connection.connected, 3000, 'the drop');
  await d.restart();
  await waitFor(() => app.sip.connection.connected, 10_000, 'the appliance to reconnect');
  t.ok(app.sip.connection.transports.length >= 2);
  t.ok(app.sip.connection.transports.every((x) => x === 'tls'), 'every attempt was TLS');
  // drachtio-srf 5.0.29 reconnects with net.connect: the TLS port never accepts it again.
  await new Promise((r) => setTimeout(r, 1500));
  t.equal(bareConnects, 1, 'drachtio-srf on its own did not get back in over TLS (why the guard exists)');
  // Stop the library's endless plain-TCP retry loop (internals: there is no public way to).
  const wp = (bare as unknown as { _app: { client: { wp: { closing: boolean; reconnectVars: { retryTimer: NodeJS.Timeout | null }; socket?: { destroy(): void } } } } })._app.client.wp;
  wp.closing = true;
  if (wp.reconnectVars.retryTimer) clearTimeout(wp.reconnectVars.retryTimer);
  wp.socket?.destroy();
});

t.test('a drachtio-server that hangs without closing the socket is dropped after two silent pings, and reconnected when it wakes', async (t) => {
  const d = await startDrachtio(t);
  const { app, logs } = await sipAppliance(t, d, { sip: { drachtio: { port: d.adminPort, secret: SECRET, reconnectMinMs: 100, reconnectMaxMs: 400, pingSeconds: 5 } } });
  t.equal((await app.http.inject({ url: '/readyz' })).statusCode, 200);
  // SIGSTOP: the kernel still holds the TCP connection open, so only silence tells.
  d.server.pause();
  t.teardown(() => d.server.resume());
  await waitFor(() => !app.sip.connection.connected, 20_000, 'the hung server to be noticed');
  t.match(logs.text, /drachtio-server stopped answering; dropping the connection/);
  const lost = logs.records().find((r) => r.msg === 'lost the connection to drachtio-server; reconnecting');
  t.match(lost, { level: 40, reason: /^no answer for \d+ ms$/ }, 'the loss names the silence, not a close by the server');
  t.match((await app.http.inject({ url: '/readyz' })).json(), { checks: { sip: 'down' } });
  d.server.resume();
  await waitFor(() => app.sip.connection.connected, 30_000, 'the reconnect once it answers again');
  t.equal((await app.http.inject({ url: '/readyz' })).statusCode, 200);
});

async function startDrachtioOn(t: Test, adminPort: number) {
  const { DrachtioServerProcess } = await import('../../../lab/drachtio/server-process.js');
  const { drachtioBinary } = await import('../../helpers/sip.js');
  const workDir = await tempDir(t);
  const p = await DrachtioServerProcess.start({ binary: drachtioBinary(), workDir, adminHost: '127.0.0.1', adminPort, secret: SECRET, contacts: [`sip:127.0.0.1:${await freePort()};transport=udp`] });
  t.teardown(() => p.stop());
  return p;
}
