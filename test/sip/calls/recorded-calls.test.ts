import t from 'tap';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { bearer, userWithToken } from '../../helpers/appliance.js';
import { callFrom, EXTENSIONS, registerPhone, sipAppliance, sipp, sippPhone, startDrachtio, waitFor } from '../../helpers/sip.js';
import { startTestFreeswitch, type TestFreeswitch } from '../../helpers/freeswitch.js';
import { mediaCall, startMediaCall } from '../../helpers/media-call.js';
import { wavLevel } from '../../helpers/wav.js';
import { freePort } from '../../../sip/drachtio/free-port.js';
import type { Appliance } from '../../../appliance/app.js';
import type { FreeswitchBackend } from '../../../sip/media/freeswitch/freeswitch-backend.js';

/*
 * Recorded calls end to end: real drachtio-server, real FreeSWITCH, the
 * appliance's B2BUA anchoring the call there, SIPp as the provider (with RTP)
 * and as the phone. Extension 102 has record: true.
 */
const drachtio = await startDrachtio(t);
const fs = await startTestFreeswitch(t);
const target = `127.0.0.1:${drachtio.sipPort}`;
const b = EXTENSIONS[1]!;
const CALLER = '+79123456789';

async function recordedAppliance(t: Parameters<Parameters<typeof t.test>[1]>[0], trunkPort: number, freeswitch: TestFreeswitch, whenDown = 'unrecorded') {
  const built = await sipAppliance(t, drachtio, {
    trunks: [{ id: 'provider', host: '127.0.0.1', port: trunkPort, inbound: b.number, prefix: '9' }],
    media: {
      backend: 'freeswitch',
      whenDown,
      freeswitch: { esl: { port: freeswitch.eslPort, password: freeswitch.eslPassword, reconnectMinMs: 100, reconnectMaxMs: 500 }, sip: { port: freeswitch.sipPort } },
    },
  });
  mkdirSync(path.join(built.dataDir, 'recordings'), { recursive: true });
  built.app.media!.start();
  return built;
}

async function theCall(app: Appliance, token: string, done: (c: Record<string, unknown>) => boolean, what: string): Promise<Record<string, unknown>> {
  let call: Record<string, unknown> | undefined;
  await waitFor(async () => {
    const items = (await app.http.inject({ url: '/api/v1/calls', headers: bearer(token) })).json().items as Array<Record<string, unknown>>;
    call = items.length === 1 ? items[0] : undefined;
    return call !== undefined && done(call);
  }, 15_000, what);
  return call!;
}

t.test('a trunk call to a recorded extension is anchored on FreeSWITCH, recorded, and the recording lands in the history and the API', async (t) => {
  const trunkPort = await freePort();
  const { app, logs } = await recordedAppliance(t, trunkPort, fs);
  t.teardown(() => { if (process.env.SWB_SIP_DEBUG) console.error(logs.text); });
  await waitFor(() => app.media!.readiness() === 'ok', 10_000, 'the ESL link');
  const sup = await userWithToken(app, 'sue', 'supervisor');
  const port = await freePort();
  const phone = sippPhone(t, 'phone-answers.xml', { target, port, service: b.number, pauseMs: 100, timeoutSeconds: 30 });
  await registerPhone(target, b, port);

  const provider = await mediaCall({ port: drachtio.sipPort, localPort: trunkPort, scenario: 'trunk-call-plays-pcma-then-hangs-up.xml', service: '74951112233', keys: { caller: '89123456789' }, holdMs: 3000 });
  t.equal(provider.code, 0, provider.errors);
  const seen = await phone;
  t.equal(seen.code, 0, seen.errors);
  t.match(seen.messages, /INVITE sip:[\s\S]*o=FreeSWITCH/, "the phone was offered FreeSWITCH's media, not the provider's");

  const call = await theCall(app, sup, (c) => c.state === 'ended' && (c.recording as { status?: string } | null)?.status === 'ok', 'the recorded call');
  t.match(call, { direction: 'in', from: CALLER, extension: '102', trunk: 'provider', outcome: 'answered', endReason: 'caller' });
  const rec = call.recording as { status: string; key: string; file: string; durationSec: number; bytes: number; sha256: string; historyEventId: string };
  t.ok(rec.file.startsWith(path.join(app.config.dataDir, 'recordings') + path.sep), `the file is under DATADIR/recordings: ${rec.file}`);
  t.ok(existsSync(rec.file), 'the WAV is on disk');
  t.ok(rec.durationSec > 2 && rec.durationSec < 5, `about the 3 s the call lasted: ${rec.durationSec}`);
  t.ok(wavLevel(rec.file) > 50, `the caller's audio is in it (level ${wavLevel(rec.file).toFixed(0)})`);
  t.match(rec.sha256, /^[0-9a-f]{64}$/);

  t.match(await app.metrics.registry.metrics(), /swb_media_link_up\{backend="freeswitch"\} 1/);
  t.match((await app.http.inject({ url: '/readyz' })).json(), { status: 'ready', checks: { media: 'ok' } });

  // The history of the caller: the call, then its recording (the backend's key as the event id).
  const found = (await app.http.inject({ url: `/api/v1/clients?q=${encodeURIComponent(CALLER)}`, headers: bearer(sup) })).json().items as Array<{ id: string }>;
  t.equal(found.length, 1);
  t.equal(call.clientId, found[0]!.id);
  const history = (await app.http.inject({ url: `/api/v1/clients/${found[0]!.id}/history`, headers: bearer(sup) })).json().items as Array<Record<string, unknown>>;
  const recordings = history.filter((e) => e.kind === 'recording');
  t.equal(recordings.length, 1, 'one recording event');
  t.match(recordings[0], { id: rec.key, channel: 'sip', direction: 'in', payload: { callId: call.id, file: rec.file, durationSec: rec.durationSec, bytes: rec.bytes, sha256: rec.sha256 } });
  t.equal(rec.historyEventId, rec.key);
  t.equal(history.filter((e) => e.kind === 'call').length, 1);

  // A replayed stop (same key) writes nothing twice.
  await app.sip.calls.recordingStopped({ backend: 'freeswitch', key: rec.key, callId: call.id as string, channelId: 'x', file: rec.file, status: 'ok', durationSec: rec.durationSec, bytes: rec.bytes, sha256: rec.sha256, reportedMs: null, startedAt: null, stoppedAt: new Date().toISOString(), detail: null });
  const again = (await app.http.inject({ url: `/api/v1/clients/${found[0]!.id}/history`, headers: bearer(sup) })).json().items as Array<Record<string, unknown>>;
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
  t.equal((await app.http.inject({ url: `/api/v1/calls/${call.id}/recording`, headers: bearer(op) })).statusCode, 403, 'operators may not fetch recordings');
  const audited = [...app.store.db<{ action: string; target: string }, number>('audit').getRange()].map((e) => e.value).filter((e) => e.action === 'call.recording.fetch');
  t.equal(audited.length, 4, 'each fetch audited');
  t.equal(audited[0]!.target, `call:${call.id}`);
});

t.test('an internal call to a recorded extension is recorded; the recording is in /api/v1/calls and in no client history', async (t) => {
  const { app } = await recordedAppliance(t, await freePort(), fs);
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
  const { app } = await recordedAppliance(t, trunkPort, fs);
  await waitFor(() => app.media!.readiness() === 'ok', 10_000, 'the ESL link');
  const sup = await userWithToken(app, 'sue', 'supervisor');
  const port = await freePort();
  const phone = sippPhone(t, 'phone-answers.xml', { target, port, service: b.number, pauseMs: 100, timeoutSeconds: 30 });
  await registerPhone(target, b, port);
  const provider = await startMediaCall({ port: drachtio.sipPort, localPort: trunkPort, scenario: 'trunk-call-plays-pcma-then-hangs-up.xml', service: '74951112233', keys: { caller: '89123456789' }, holdMs: 15_000, timeoutSeconds: 30 });
  t.teardown(() => { if (provider.child.exitCode === null) provider.child.kill('SIGTERM'); });
  const backend = app.media as FreeswitchBackend;
  let recorded: string | undefined;
  await waitFor(() => (recorded = [...backend.tracker.channels.values()].find((c) => c.recording)?.channelId) !== undefined, 10_000, 'the recording to start');
  await new Promise((r) => setTimeout(r, 1000));
  await backend.hangup(recorded!);
  const seen = await phone;
  t.equal(seen.code, 0, `the callee got a BYE: ${seen.errors}`);
  const caller = await provider.done;
  t.match(caller.messages, /message received[^\n]*\n+BYE sip:/, 'the provider got a BYE');
  const call = await theCall(app, sup, (c) => c.state === 'ended' && c.recording !== null, 'the ended, recorded call');
  t.match(call, { outcome: 'answered', endReason: 'media-lost', recording: { status: 'ok' } });
});

t.test('whenDown: reject: a call to be recorded while FreeSWITCH is down is refused with 503 and recorded as failed', async (t) => {
  const trunkPort = await freePort();
  const deadEsl = { ...fs, eslPort: await freePort() };
  const { app } = await recordedAppliance(t, trunkPort, deadEsl, 'reject');
  t.equal(app.media!.readiness(), 'down');
  const sup = await userWithToken(app, 'sue', 'supervisor');
  const port = await freePort();
  sippPhone(t, 'phone-answers.xml', { target, port, service: b.number, pauseMs: 100 });
  await registerPhone(target, b, port);
  const provider = await sipp('trunk-call-in-refused-503.xml', { target, port: trunkPort, keys: { caller: '89123456789', dialled: '74951112233' } });
  t.equal(provider.code, 0, provider.errors);
  const call = await theCall(app, sup, (c) => c.state === 'ended', 'the ended call');
  t.match(call, { direction: 'in', outcome: 'failed', sipCause: 503, endReason: 'media-unavailable', recording: null });
});

t.test('FreeSWITCH stopped, whenDown: unrecorded: the recorded call still connects direct and its record is flagged', async (t) => {
  const trunkPort = await freePort();
  const { app } = await recordedAppliance(t, trunkPort, fs);
  await waitFor(() => app.media!.readiness() === 'ok', 10_000, 'the ESL link');
  await fs.process.stop('SIGKILL');
  await waitFor(() => app.media!.readiness() === 'down', 10_000, 'the ESL link to go down');
  t.match((await app.http.inject({ url: '/readyz' })).json(), { status: 'not ready', checks: { media: 'down' } });
  const sup = await userWithToken(app, 'sue', 'supervisor');
  const port = await freePort();
  const phone = sippPhone(t, 'phone-answers.xml', { target, port, service: b.number, pauseMs: 100 });
  await registerPhone(target, b, port);
  const provider = await sipp('trunk-call-in-answered.xml', { target, port: trunkPort, keys: { caller: '89123456789', dialled: '74951112233' }, pauseMs: 300 });
  t.equal(provider.code, 0, provider.errors);
  const seen = await phone;
  t.equal(seen.code, 0, seen.errors);
  t.notMatch(seen.messages, /o=FreeSWITCH/, "direct: the phone was offered the provider's media");
  const call = await theCall(app, sup, (c) => c.state === 'ended', 'the ended call');
  t.match(call, { direction: 'in', outcome: 'answered', recording: { status: 'unavailable', file: null } });
  t.equal((await app.http.inject({ url: `/api/v1/calls/${call.id}/recording`, headers: bearer(sup) })).statusCode, 404);
});
