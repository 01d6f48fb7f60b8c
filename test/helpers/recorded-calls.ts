import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Test } from 'tap';
import type { Appliance } from '../../appliance/app.js';
import { freePort } from '../../sip/drachtio/free-port.js';
import type { AsteriskBackend } from '../../sip/media/asterisk/asterisk-backend.js';
import type { FreeswitchBackend } from '../../sip/media/freeswitch/freeswitch-backend.js';
import { bearer, userWithToken, type LogCapture } from './appliance.js';
import { mediaCall, startMediaCall } from './media-call.js';
import { EXTENSIONS, registerPhone, sipAppliance, sipp, sippPhone, waitFor, type SippResult, type TestDrachtio } from './sip.js';
import { wavLevel } from './wav.js';

/*
 * What the recorded-call tests share, whichever media server anchors the call
 * (recorded-calls.test.ts: FreeSWITCH, recorded-calls-asterisk.test.ts:
 * Asterisk): an appliance with a trunk to extension 102 (record: true), the
 * one call it lists, and a trunk call with RTP whose recording is checked.
 */
export const RECORDED = EXTENSIONS[1]!;
export const CALLER = '+79123456789';

/** The appliance with the `provider` trunk on trunkPort and the given `media:` section; its backend started. */
export async function recordedAppliance(t: Test, drachtio: TestDrachtio, trunkPort: number, media: Record<string, unknown>, raw: Record<string, unknown> = {}): Promise<{ app: Appliance; logs: LogCapture; dataDir: string }> {
  const built = await sipAppliance(t, drachtio, { trunks: [{ id: 'provider', host: '127.0.0.1', port: trunkPort, inbound: RECORDED.number, prefix: '9' }], media, ...raw });
  mkdirSync(path.join(built.dataDir, 'recordings'), { recursive: true });
  built.app.media!.start();
  return built;
}

/** The one call in /api/v1/calls once `done` says so. */
export async function theCall(app: Appliance, token: string, done: (c: Record<string, unknown>) => boolean, what: string): Promise<Record<string, unknown>> {
  let call: Record<string, unknown> | undefined;
  await waitFor(async () => {
    const items = (await app.http.inject({ url: '/api/v1/calls', headers: bearer(token) })).json().items as Array<Record<string, unknown>>;
    call = items.length === 1 ? items[0] : undefined;
    return call !== undefined && done(call);
  }, 20_000, what);
  return call!;
}

export interface RecordedRecording {
  status: string;
  key: string;
  file: string;
  durationSec: number;
  bytes: number;
  sha256: string;
  historyEventId: string;
}

/**
 * The provider (SIPp with 3 s of RTP) calls 102 through the trunk; the phone answers. Checks the call was
 * recorded under DATADIR/recordings with about its duration and audio, and that the recording event is in the
 * caller's history. Returns what the phone saw, the call and its recording.
 */
export async function recordedTrunkCall(t: Test, app: Appliance, drachtio: TestDrachtio, trunkPort: number, sup: string): Promise<{ seen: SippResult; call: Record<string, unknown>; rec: RecordedRecording }> {
  const target = `127.0.0.1:${drachtio.sipPort}`;
  const port = await freePort();
  const phone = sippPhone(t, 'phone-answers.xml', { target, port, service: RECORDED.number, pauseMs: 100, timeoutSeconds: 30 });
  await registerPhone(target, RECORDED, port);
  const provider = await mediaCall({ port: drachtio.sipPort, localPort: trunkPort, scenario: 'trunk-call-plays-pcma-then-hangs-up.xml', service: '74951112233', keys: { caller: '89123456789' }, holdMs: 3000 });
  t.equal(provider.code, 0, provider.errors);
  const seen = await phone;
  t.equal(seen.code, 0, seen.errors);

  const call = await theCall(app, sup, (c) => c.state === 'ended' && (c.recording as { status?: string } | null)?.status === 'ok', 'the recorded call');
  t.match(call, { direction: 'in', from: CALLER, extension: '102', trunk: 'provider', outcome: 'answered', endReason: 'caller' });
  const rec = call.recording as RecordedRecording;
  t.ok(rec.file.startsWith(path.join(app.config.dataDir, 'recordings') + path.sep), `the file is under DATADIR/recordings: ${rec.file}`);
  t.ok(existsSync(rec.file), 'the WAV is on disk');
  t.ok(rec.durationSec > 2 && rec.durationSec < 5, `about the 3 s the call lasted: ${rec.durationSec}`);
  t.ok(wavLevel(rec.file) > 50, `the caller's audio is in it (level ${wavLevel(rec.file).toFixed(0)})`);
  t.match(rec.sha256, /^[0-9a-f]{64}$/);

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
  return { seen, call, rec };
}

/** A supervisor's token (supervisors may fetch recordings). */
export const supervisor = (app: Appliance): Promise<string> => userWithToken(app, 'sue', 'supervisor');

/**
 * With the media server down (whenDown: unrecorded): a trunk call to 102 connects direct (the phone is offered
 * the provider's media, not serverMark), is answered, and its record is flagged unavailable; no recording to fetch.
 */
export async function unrecordedTrunkCall(t: Test, app: Appliance, drachtio: TestDrachtio, trunkPort: number, sup: string, serverMark: RegExp): Promise<void> {
  const target = `127.0.0.1:${drachtio.sipPort}`;
  const port = await freePort();
  const phone = sippPhone(t, 'phone-answers.xml', { target, port, service: RECORDED.number, pauseMs: 100 });
  await registerPhone(target, RECORDED, port);
  const provider = await sipp('trunk-call-in-answered.xml', { target, port: trunkPort, keys: { caller: '89123456789', dialled: '74951112233' }, pauseMs: 300 });
  t.equal(provider.code, 0, provider.errors);
  const seen = await phone;
  t.equal(seen.code, 0, seen.errors);
  t.notMatch(seen.messages, serverMark, "direct: the phone was offered the provider's media");
  const call = await theCall(app, sup, (c) => c.state === 'ended', 'the ended call');
  t.match(call, { direction: 'in', outcome: 'answered', recording: { status: 'unavailable', file: null } });
  t.equal((await app.http.inject({ url: `/api/v1/calls/${call.id}/recording`, headers: bearer(sup) })).statusCode, 404);
}

/**
 * A trunk call to 102 is recorded; a second after the recording started the media server hangs up the recorded
 * channel: the B2BUA ends the call on both phones (endReason media-lost) and the recording is kept.
 */
export async function mediaServerHangsUp(t: Test, app: Appliance, drachtio: TestDrachtio, trunkPort: number, sup: string): Promise<void> {
  const target = `127.0.0.1:${drachtio.sipPort}`;
  const port = await freePort();
  const phone = sippPhone(t, 'phone-answers.xml', { target, port, service: RECORDED.number, pauseMs: 100, timeoutSeconds: 30 });
  await registerPhone(target, RECORDED, port);
  const provider = await startMediaCall({ port: drachtio.sipPort, localPort: trunkPort, scenario: 'trunk-call-plays-pcma-then-hangs-up.xml', service: '74951112233', keys: { caller: '89123456789' }, holdMs: 15_000, timeoutSeconds: 30 });
  t.teardown(() => { if (provider.child.exitCode === null) provider.child.kill('SIGTERM'); });
  const backend = app.media as FreeswitchBackend | AsteriskBackend;
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
}

/**
 * The phone answers 2 s after its early media (183 with SDP, as a carrier's ringback or an IVR sends): the
 * caller hears it through the media server, but the recording starts at the answer, so it lasts about the 3 s
 * held after the answer, not the 5 s from the 183.
 */
export async function earlyMediaRecordedCall(t: Test, app: Appliance, drachtio: TestDrachtio, trunkPort: number, sup: string): Promise<void> {
  const target = `127.0.0.1:${drachtio.sipPort}`;
  const port = await freePort();
  const phone = sippPhone(t, 'phone-early-media-183-then-answers.xml', { target, port, service: RECORDED.number, pauseMs: 2000, timeoutSeconds: 30 });
  await registerPhone(target, RECORDED, port);
  const provider = await mediaCall({ port: drachtio.sipPort, localPort: trunkPort, scenario: 'trunk-call-plays-pcma-then-hangs-up.xml', service: '74951112233', keys: { caller: '89123456789' }, holdMs: 3000 });
  t.equal(provider.code, 0, provider.errors);
  t.match(provider.messages, /SIP\/2\.0 183[^]*?m=audio/, 'the provider got the early media with SDP');
  t.equal((await phone).code, 0);
  const call = await theCall(app, sup, (c) => c.state === 'ended' && (c.recording as { status?: string } | null)?.status === 'ok', 'the recorded call');
  t.match(call, { outcome: 'answered', endReason: 'caller' });
  const rec = call.recording as RecordedRecording;
  t.ok(rec.durationSec > 2 && rec.durationSec < 4.5, `the recording starts at the answer, not at the 183: ${rec.durationSec} s`);
}

/** whenDown: reject, the media server down: a trunk call to 102 is refused with 503 and recorded as failed. */
export async function rejectedWhileDown(t: Test, app: Appliance, drachtio: TestDrachtio, trunkPort: number, sup: string): Promise<void> {
  const target = `127.0.0.1:${drachtio.sipPort}`;
  t.equal(app.media!.readiness(), 'down');
  const port = await freePort();
  sippPhone(t, 'phone-answers.xml', { target, port, service: RECORDED.number, pauseMs: 100 });
  await registerPhone(target, RECORDED, port);
  const provider = await sipp('trunk-call-in-refused-503.xml', { target, port: trunkPort, keys: { caller: '89123456789', dialled: '74951112233' } });
  t.equal(provider.code, 0, provider.errors);
  const call = await theCall(app, sup, (c) => c.state === 'ended', 'the ended call');
  t.match(call, { direction: 'in', outcome: 'failed', sipCause: 503, endReason: 'media-unavailable', recording: null });
}
