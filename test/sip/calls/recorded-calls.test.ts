import t, { type Test } from 'tap';
import { existsSync } from 'node:fs';
import { bearer, userWithToken } from '../../helpers/appliance.js';
import { callFrom, EXTENSIONS, registerPhone, sippPhone, startDrachtio, waitFor } from '../../helpers/sip.js';
import { earlyMediaRecordedCall, mediaServerHangsUp, recordedAppliance, rejectedWhileDown, recordedTrunkCall, theCall, unrecordedTrunkCall } from '../../helpers/recorded-calls.js';
import { startTestFreeswitch, type TestFreeswitch } from '../../helpers/freeswitch.js';
import { freePort } from '../../../sip/drachtio/free-port.js';

/*
 * Recorded calls end to end: real drachtio-server, real FreeSWITCH, the
 * appliance's B2BUA anchoring the call there, SIPp as the provider (with RTP)
 * and as the phone. Extension 102 has record: true.
 */
const drachtio = await startDrachtio(t);
const fs = await startTestFreeswitch(t);
const target = `127.0.0.1:${drachtio.sipPort}`;
const b = EXTENSIONS[1]!;

function recordedApp(t: Test, trunkPort: number, freeswitch: TestFreeswitch, whenDown = 'unrecorded') {
  return recordedAppliance(t, drachtio, trunkPort, {
    backend: 'freeswitch',
    whenDown,
    freeswitch: { esl: { port: freeswitch.eslPort, password: freeswitch.eslPassword, reconnectMinMs: 100, reconnectMaxMs: 500 }, sip: { port: freeswitch.sipPort } },
  });
}

t.test('a trunk call to a recorded extension is anchored on FreeSWITCH, recorded, and the recording lands in the history and the API', async (t) => {
  const trunkPort = await freePort();
  const { app, logs } = await recordedApp(t, trunkPort, fs);
  t.teardown(() => { if (process.env.SWB_SIP_DEBUG) console.error(logs.text); });
  await waitFor(() => app.media!.readiness() === 'ok', 10_000, 'the ESL link');
  const sup = await userWithToken(app, 'sue', 'supervisor');
  const { seen, call, rec } = await recordedTrunkCall(t, app, drachtio, trunkPort, sup);
  t.match(seen.messages, /INVITE sip:[\s\S]*o=FreeSWITCH/, "the phone was offered FreeSWITCH's media, not the provider's");
  t.match(await app.metrics.registry.metrics(), /swb_media_link_up\{backend="freeswitch"\} 1/);
  t.match((await app.http.inject({ url: '/readyz' })).json(), { status: 'ready', checks: { media: 'ok' } });
  const clientId = call.clientId as string;

  // A replayed stop (same key) writes nothing twice.
  await app.sip.calls.recordingStopped({ backend: 'freeswitch', key: rec.key, callId: call.id as string, channelId: 'x', file: rec.file, status: 'ok', durationSec: rec.durationSec, bytes: rec.bytes, sha256: rec.sha256, reportedMs: null, startedAt: null, stoppedAt: new Date().toISOString(), detail: null });
  const again = (await app.http.inject({ url: `/api/v1/clients/${clientId}/history`, headers: bearer(sup) })).json().items as Array<Record<string, unknown>>;
  t.equal(again.filter((e) => e.kind === 'recording').length, 1, 'still one recording event after a replay');

  // The API streams it, whole and by range; each fetch audited.
  const whole = await app.http.inject({ url: `/api/v1/calls/${call.id}/recording`, headers: bearer(sup) });
  t.equal(whole.statusCode, 200);
  t.equal(whole.headers['content-type'], 'audio/wav');
  t.equal(whole.headers['accept-ranges'], 'bytes');
  t.equal(whole.rawPayload.length, rec.bytes);
  const head = await app.http.inject({ url: `/api/v1/calls/${call.id}/recording`, headers: { ...bearer(sup), range: 'bytes=0-43' } });
  t.equal(head.statusCode, 206);
  t.equal(head.headers['content-range'], `bytes 0-43/${rec.bytes}`);
  t.equal(head.rawPayload.length, 44);
  t.equal(head.rawPayload.subarray(0, 4).toString('latin1'), 'RIFF');
  t.same(head.rawPayload, whole.rawPayload.subarray(0, 44));
  const tail = await app.http.inject({ url: `/api/v1/calls/${call.id}/recording`, headers: { ...bearer(sup), range: 'bytes=-100' } });
  t.equal(tail.statusCode, 206);
  t.same(tail.rawPayload, whole.rawPayload.subarray(rec.bytes - 100));
  const beyond = await app.http.inject({ url: `/api/v1/calls/${call.id}/recording`, headers: { ...bearer(sup), range: `bytes=${rec.bytes}-` } });
  t.equal(beyond.statusCode, 416);
  t.equal(beyond.headers['content-range'], `bytes */${rec.bytes}`);
  const op = await userWithToken(app, 'oscar', 'operator');
  t.equal((await app.http.inject({ url: `/api/v1/calls/${call.id}/recording`, headers: bearer(op) })).statusCode, 404, 'an operator of another extension (here none) gets 404');
  await app.access.users.update('oscar', { extension: b.number }, { actor: 'test', source: 'test' });
  t.equal((await app.http.inject({ url: `/api/v1/calls/${call.id}/recording`, headers: bearer(op) })).statusCode, 200, "the call's own operator gets it");
  const audited = [...app.store.db<{ action: string; target: string }, number>('audit').getRange()].map((e) => e.value).filter((e) => e.action === 'call.recording.fetch');
  t.equal(audited.length, 5, 'each fetch audited');
  t.equal(audited[0]!.target, `call:${call.id}`);
});

t.test('an internal call to a recorded extension is recorded; the recording is in /api/v1/calls and in no client history', async (t) => {
  const { app } = await recordedApp(t, await freePort(), fs);
  await waitFor(() => app.media!.readiness() === 'ok', 10_000, 'the ESL link');
  const sup = await userWithToken(app, 'sue', 'supervisor');
  const port = await freePort();
  const phone = sippPhone(t, 'phone-answers.xml', { target, port, service: b.number, pauseMs: 100 });
  await registerPhone(target, b, port);
  const caller = await callFrom(target, EXTENSIONS[0]!, 'call-answered-caller-hangs-up.xml', b.number);
  t.equal(caller.code, 0, caller.errors);
  t.equal((await phone).code, 0, (await phone).errors);
  const call = await theCall(app, sup, (c) => c.state === 'ended' && c.recording !== null && (c.recording as { status: string }).status !== 'unavailable', 'the recorded internal call');
  t.match(call, { direction: 'internal', from: '101', to: '102', outcome: 'answered', clientId: null, recording: { key: String, historyEventId: null } });
  const rec = call.recording as { file: string; status: string };
  t.ok(['ok', 'empty'].includes(rec.status), `closed: ${rec.status}`);
  t.ok(existsSync(rec.file));
  t.equal((await app.http.inject({ url: `/api/v1/calls/${call.id}/recording`, headers: bearer(sup) })).statusCode, 200);
});

t.test('FreeSWITCH hangs up its side mid-call: the B2BUA ends the call on both phones (media-lost), the recording is kept', async (t) => {
  const trunkPort = await freePort();
  const { app } = await recordedApp(t, trunkPort, fs);
  await waitFor(() => app.media!.readiness() === 'ok', 10_000, 'the ESL link');
  await mediaServerHangsUp(t, app, drachtio, trunkPort, await userWithToken(app, 'sue', 'supervisor'));
});

t.test('early media from the phone is heard through FreeSWITCH; the recording starts at the answer', async (t) => {
  const trunkPort = await freePort();
  const { app } = await recordedApp(t, trunkPort, fs);
  await waitFor(() => app.media!.readiness() === 'ok', 10_000, 'the ESL link');
  await earlyMediaRecordedCall(t, app, drachtio, trunkPort, await userWithToken(app, 'sue', 'supervisor'));
});

t.test('whenDown: reject: a call to be recorded while FreeSWITCH is down is refused with 503 and recorded as failed', async (t) => {
  const trunkPort = await freePort();
  const deadEsl = { ...fs, eslPort: await freePort() };
  const { app } = await recordedApp(t, trunkPort, deadEsl, 'reject');
  await rejectedWhileDown(t, app, drachtio, trunkPort, await userWithToken(app, 'sue', 'supervisor'));
});

t.test('FreeSWITCH stopped, whenDown: unrecorded: the recorded call still connects direct and its record is flagged', async (t) => {
  const trunkPort = await freePort();
  const { app } = await recordedApp(t, trunkPort, fs);
  await waitFor(() => app.media!.readiness() === 'ok', 10_000, 'the ESL link');
  await fs.process.stop('SIGKILL');
  await waitFor(() => app.media!.readiness() === 'down', 10_000, 'the ESL link to go down');
  t.match((await app.http.inject({ url: '/readyz' })).json(), { status: 'not ready', checks: { media: 'down' } });
  await unrecordedTrunkCall(t, app, drachtio, trunkPort, await userWithToken(app, 'sue', 'supervisor'), /o=FreeSWITCH/);
});
