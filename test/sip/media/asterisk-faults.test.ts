import t, { type Test } from 'tap';
import { startTestAsterisk, type TestAsterisk } from '../../helpers/asterisk.js';
import { FaultProxy } from '../../helpers/fault-proxy.js';
import { startMediaCall } from '../../helpers/media-call.js';
import { settled, startObserved, until } from '../../helpers/media-wait.js';
import { AsteriskBackend } from '../../../sip/media/asterisk/asterisk-backend.js';

/**
 * The real Asterisk, the appliance's AMI link through a fault-injecting
 * proxy, calls from SIPp with RTP. One FreeSWITCH serves every test here (it
 * takes seconds to boot); each test gets its own proxy and backend.
 */
let ast: TestAsterisk;
t.before(async () => {
  ast = await startTestAsterisk(t);
});

async function rig(t: Test) {
  const proxy = await FaultProxy.start({ host: '127.0.0.1', port: ast.amiPort }, 'ami');
  const backend = new AsteriskBackend({
    ami: { host: '127.0.0.1', port: proxy.port, username: ast.amiUser, secret: ast.amiSecret, commandTimeoutMs: 1500, reconnectMinMs: 50, reconnectMaxMs: 300, probeIntervalMs: 0 },
    sip: { host: '127.0.0.1', port: ast.sipPort },
    recordingsDir: ast.recordingsDir,
    recordOnAnswer: () => true,
  });
  const seen = await startObserved(t, backend, proxy);
  return { proxy, backend, seen };
}



t.test('an AMI drop in mid-call, back before the hangup: the recording is still reported once, whole', async (t) => {
  const r = await rig(t);
  const call = await startMediaCall({ port: ast.sipPort, service: 'echo', holdMs: 5000 });
  await until(() => r.seen.started.length === 1, 15_000, 'the recording to start');
  r.proxy.dropAll();
  await until(() => r.seen.links.includes('down') && r.backend.readiness() === 'ok', 10_000, 'the link to drop and come back');
  t.equal((await call.done).code, 0, 'the call itself went on');
  await settled(r);
  t.equal(r.seen.stopped.length, 1, 'one recording');
  t.equal(r.seen.stopped[0]!.status, 'ok');
  t.ok(r.seen.stopped[0]!.durationSec > 4, `the whole call is in it: ${r.seen.stopped[0]!.durationSec} s`);
  t.equal(r.seen.ended.length, 1, 'one call end');
  t.equal(r.seen.ended[0]!.q850, 16, 'the hangup came over the new connection');
});

t.test('an AMI drop in mid-call, back only after the hangup: the channel is found gone and its recording is made good from the file, once', async (t) => {
  const r = await rig(t);
  const call = await startMediaCall({ port: ast.sipPort, service: 'echo', holdMs: 3000 });
  await until(() => r.seen.started.length === 1, 15_000, 'the recording to start');
  r.proxy.refuse(true);
  r.proxy.dropAll();
  t.equal((await call.done).code, 0, 'the call ended normally while the link was down');
  await new Promise((res) => setTimeout(res, 500));
  t.equal(r.seen.stopped.length, 0, 'nothing known yet');
  r.proxy.refuse(false);
  await settled(r);
  t.equal(r.seen.stopped.length, 1, 'one recording');
  t.equal(r.seen.stopped[0]!.status, 'ok');
  t.ok(r.seen.stopped[0]!.durationSec > 2.5, `the whole call is in it: ${r.seen.stopped[0]!.durationSec} s`);
  t.equal(r.seen.ended.length, 1, 'one call end');
  t.equal(r.seen.ended[0]!.hangupCause, null, 'the cause is unknown, not made up');
});

t.test('duplicated AMI events (answer, MixMonitorStart, hangup) write no duplicate records', async (t) => {
  const r = await rig(t);
  const dup = r.proxy.duplicate((f) => /^Event: (Newstate|MixMonitorStart|HangupRequest|Hangup)\r\n/.test(f));
  const call = await startMediaCall({ port: ast.sipPort, service: 'echo', holdMs: 2000 });
  t.equal((await call.done).code, 0);
  await settled(r);
  t.ok(dup.hits >= 3, `the proxy duplicated ${dup.hits} events`);
  t.equal(r.seen.answered.length, 1, 'one answer, so one MixMonitor');
  t.equal(r.seen.started.length, 1, 'one recording start');
  t.equal(r.seen.stopped.length, 1, 'one recording');
  t.equal(r.seen.ended.length, 1, 'one call end');
});

t.test('garbage on the AMI socket in mid-call does not crash: the link is made anew and the call is still recorded once', async (t) => {
  const r = await rig(t);
  const call = await startMediaCall({ port: ast.sipPort, service: 'echo', holdMs: 4000 });
  await until(() => r.seen.started.length === 1, 15_000, 'the recording to start');
  r.proxy.inject('this is not AMI at all\r\n\r\n');
  await until(() => r.backend.stats().poisoned >= 1 && r.backend.readiness() === 'ok', 10_000, 'the poisoned link to come back');
  t.equal((await call.done).code, 0);
  await settled(r);
  t.equal(r.seen.stopped.length, 1, 'one recording');
  t.equal(r.seen.stopped[0]!.status, 'ok');
  t.equal(r.seen.ended.length, 1, 'one call end');
});

t.test('an AMI response that never comes times out, the connection is made anew, and the next action works', async (t) => {
  const r = await rig(t);
  const swallowed = r.proxy.swallow((f) => f.startsWith('Response: Success') && f.includes('Ping: Pong'), 1);
  const t0 = Date.now();
  await t.rejects(r.backend.ami.action({ Action: 'Ping' }), { code: 'SWB_ERR_MEDIA_TIMEOUT' });
  t.ok(Date.now() - t0 < 3000, 'it failed within the command timeout, it did not hang');
  t.equal(swallowed.hits, 1);
  await until(() => r.backend.readiness() === 'ok', 10_000, 'the link to come back');
  t.match((await r.backend.ami.action({ Action: 'Ping' })).response.fields, { Response: 'Success', Ping: 'Pong' });
  t.equal(r.backend.stats().timeouts, 1);
});

t.test('a duplicated AMI response is ignored: replies are matched by ActionID, not by order', async (t) => {
  const r = await rig(t);
  r.proxy.duplicate((f) => f.startsWith('Response: Success') && f.includes('Ping: Pong'), 1);
  await r.backend.ami.action({ Action: 'Ping' });
  const settings = await r.backend.ami.action({ Action: 'CoreSettings' });
  t.match(settings.response.fields, { Response: 'Success', AsteriskVersion: /^22\./ }, 'the next action got its own response');
  t.equal(r.backend.stats().poisoned, 0, 'no reconnect was needed');
});

t.test('a wrong AMI secret keeps the link down with the reason, and actions fail at once', async (t) => {
  const backend = new AsteriskBackend({
    ami: { host: '127.0.0.1', port: ast.amiPort, username: ast.amiUser, secret: 'wrong', reconnectMinMs: 50, reconnectMaxMs: 200, probeIntervalMs: 0 },
    sip: { host: '127.0.0.1', port: ast.sipPort },
    recordingsDir: ast.recordingsDir,
  });
  t.teardown(() => backend.close());
  backend.start();
  await until(() => /login refused/.test(backend.stats().lastError ?? ''), 5000, 'the login to be refused');
  t.equal(backend.readiness(), 'down');
  await t.rejects(backend.ami.action({ Action: 'Ping' }), { code: 'SWB_ERR_MEDIA_UNAVAILABLE' });
});
