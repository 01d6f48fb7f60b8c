import t, { type Test } from 'tap';
import { startTestFreeswitch, type TestFreeswitch } from '../../helpers/freeswitch.js';
import { FaultProxy } from '../../helpers/fault-proxy.js';
import { startMediaCall } from '../../helpers/media-call.js';
import { settled, startObserved, until } from '../../helpers/media-wait.js';
import { FreeswitchBackend } from '../../../sip/media/freeswitch/freeswitch-backend.js';

/**
 * The real FreeSWITCH, the appliance's ESL link through a fault-injecting
 * proxy, calls from SIPp with RTP. One FreeSWITCH serves every test here (it
 * takes seconds to boot); each test gets its own proxy and backend.
 */
let fs: TestFreeswitch;
t.before(async () => {
  fs = await startTestFreeswitch(t);
});

async function rig(t: Test) {
  const proxy = await FaultProxy.start({ host: '127.0.0.1', port: fs.eslPort }, 'esl');
  const backend = new FreeswitchBackend({
    esl: { host: '127.0.0.1', port: proxy.port, password: fs.eslPassword, commandTimeoutMs: 1500, reconnectMinMs: 50, reconnectMaxMs: 300, probeIntervalMs: 0 },
    sip: { host: '127.0.0.1', port: fs.sipPort },
    recordingsDir: fs.recordingsDir,
    recordOnAnswer: () => true,
  });
  const seen = await startObserved(t, backend, proxy);
  return { proxy, backend, seen };
}



t.test('an ESL drop in mid-call, back before the hangup: the recording is still reported once, whole', async (t) => {
  const r = await rig(t);
  const call = await startMediaCall({ port: fs.sipPort, service: 'echo', holdMs: 5000 });
  await until(() => r.seen.started.length === 1, 15_000, 'the recording to start');
  r.proxy.dropAll();
  await until(() => r.seen.links.includes('down') && r.backend.readiness() === 'ok', 10_000, 'the link to drop and come back');
  t.equal((await call.done).code, 0, 'the call itself went on');
  await settled(r);
  t.equal(r.seen.stopped.length, 1, 'one recording');
  t.equal(r.seen.stopped[0]!.status, 'ok');
  t.ok(r.seen.stopped[0]!.durationSec > 4, `the whole call is in it: ${r.seen.stopped[0]!.durationSec} s`);
  t.equal(r.seen.ended.length, 1, 'one call end');
  t.equal(r.seen.ended[0]!.hangupCause, 'NORMAL_CLEARING', 'the hangup came over the new connection');
});

t.test('an ESL drop in mid-call, back only after the hangup: the lost RECORD_STOP is made good from the file, once', async (t) => {
  const r = await rig(t);
  const call = await startMediaCall({ port: fs.sipPort, service: 'echo', holdMs: 3000 });
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
  t.equal(r.seen.stopped[0]!.reportedMs, null, "FreeSWITCH's own figure went with the lost event");
  t.equal(r.seen.ended.length, 1, 'one call end');
  t.equal(r.seen.ended[0]!.hangupCause, null, 'the cause is unknown, not made up');
});

t.test('duplicated events (answer, record start and stop, hangup) write no duplicate records', async (t) => {
  const r = await rig(t);
  const dup = r.proxy.duplicate((f) => /"Event-Name":"(CHANNEL_ANSWER|RECORD_START|RECORD_STOP|CHANNEL_HANGUP_COMPLETE)"/.test(f));
  const call = await startMediaCall({ port: fs.sipPort, service: 'echo', holdMs: 2000 });
  t.equal((await call.done).code, 0);
  await settled(r);
  t.ok(dup.hits >= 4, `the proxy duplicated ${dup.hits} events`);
  t.equal(r.seen.answered.length, 1, 'one answer, so one uuid_record');
  t.equal(r.seen.started.length, 1, 'one recording start');
  t.equal(r.seen.stopped.length, 1, 'one recording');
  t.equal(r.seen.ended.length, 1, 'one call end');
});

t.test('garbage on the socket in mid-call does not crash: the link is made anew and the call is still recorded once', async (t) => {
  const r = await rig(t);
  const call = await startMediaCall({ port: fs.sipPort, service: 'echo', holdMs: 4000 });
  await until(() => r.seen.started.length === 1, 15_000, 'the recording to start');
  // A bad %-escape makes modesl's header decoder throw; an unknown Content-Type is a stream out of step.
  r.proxy.inject('X-Garbage: %E0%A4%A\n\n');
  await until(() => r.backend.stats().poisoned >= 1 && r.backend.readiness() === 'ok', 10_000, 'the poisoned link to come back');
  r.proxy.inject('Content-Type: text/nonsense\nContent-Length: 3\n\nabc');
  await until(() => r.backend.stats().poisoned >= 2 && r.backend.readiness() === 'ok', 10_000, 'the second poisoned link to come back');
  t.equal((await call.done).code, 0);
  await settled(r);
  t.equal(r.seen.stopped.length, 1, 'one recording');
  t.equal(r.seen.stopped[0]!.status, 'ok');
  t.equal(r.seen.ended.length, 1, 'one call end');
});

t.test('a reply that never comes times out, the connection is made anew, and the next command gets its own reply', async (t) => {
  const r = await rig(t);
  const swallowed = r.proxy.swallow((f) => f.includes('Content-Type: api/response'), 1);
  const t0 = Date.now();
  await t.rejects(r.backend.esl.api('eval first'), { code: 'SWB_ERR_MEDIA_TIMEOUT' });
  t.ok(Date.now() - t0 < 3000, 'it failed within the command timeout, it did not hang');
  t.equal(swallowed.hits, 1);
  await until(() => r.backend.readiness() === 'ok', 10_000, 'the link to come back');
  t.equal((await r.backend.esl.api('eval second')).trim(), 'second', 'no reply shifted onto the wrong command');
  t.equal(r.backend.stats().timeouts, 1);
});

t.test('an extra reply nobody asked for drops the connection instead of shifting every later reply', async (t) => {
  const r = await rig(t);
  r.proxy.duplicate((f) => f.includes('Content-Type: api/response'), 1);
  t.equal((await r.backend.esl.api('eval one')).trim(), 'one');
  await until(() => r.backend.stats().poisoned === 1 && r.backend.readiness() === 'ok', 10_000, 'the link to be made anew');
  t.equal((await r.backend.esl.api('eval two')).trim(), 'two', 'the next command gets its own reply');
});

t.test('a command while the link is down fails at once with SWB_ERR_MEDIA_UNAVAILABLE, it never hangs', async (t) => {
  const r = await rig(t);
  r.proxy.refuse(true);
  r.proxy.dropAll();
  await until(() => r.backend.readiness() === 'down', 5000, 'the link to go down');
  await t.rejects(r.backend.startRecording('5f0c3a52-0000-4000-8000-000000000000', null), { code: 'SWB_ERR_MEDIA_UNAVAILABLE' });
  t.match(r.backend.stats(), { state: /connecting|down/ });
});
