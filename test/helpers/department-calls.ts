import type { Test } from 'tap';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { bearer, userWithToken } from './appliance.js';
import { EXTENSIONS, registerPhone, sipAppliance, sipp, sippPhone, waitFor, type TestDrachtio } from './sip.js';
import { theCall } from './recorded-calls.js';
import { mediaCall } from './media-call.js';
import { wavLevel, wavToneShare } from './wav.js';
import { tempDir } from './appliance.js';
import { beepWav } from '../../sip/media/beep-wav.js';
import { writeFile } from 'node:fs/promises';
import { freePort } from '../../sip/drachtio/free-port.js';
import { BUILTIN_ANNOUNCEMENT_HZ } from '../../sip/media/types.js';

/*
 * The recording policy of a department, end to end, whichever media server
 * anchors the call (department-recording.test.ts: FreeSWITCH,
 * department-recording-asterisk.test.ts: Asterisk): real drachtio-server, SIPp
 * phones. 101 and 103 are in `legal` (record: true), 102 and 104 in `sales`
 * (no policy); no extension records on its own.
 */
const [a, b, c] = EXTENSIONS as [(typeof EXTENSIONS)[0], (typeof EXTENSIONS)[0], (typeof EXTENSIONS)[0]];
export const legalA = { ...a, department: 'legal', record: false };
export const legalB = { ...c, department: 'legal', record: false };
const salesA = { ...b, department: 'sales', record: false };
const salesB = { number: '104', password: 'pw-104-secret', name: 'Gleb', department: 'sales', record: false };

/** The test announcement file's tone: far from the built-in beep's. */
const OTHER_HZ = 1000;

export interface DepartmentScene {
  drachtio: TestDrachtio;
  /** The appliance's `media:` section for the media server under test. */
  media: Record<string, unknown>;
  /** What the media server writes in the SDP it offers (o=FreeSWITCH, s=Asterisk). */
  mark: RegExp;
  backend: 'freeswitch' | 'asterisk';
}

export async function departmentApp(t: Test, scene: DepartmentScene, trunkPort: number, legal: { record: boolean; announce: boolean }, announcement: string | null = null) {
  const built = await sipAppliance(t, scene.drachtio, {
    extensions: [legalA, salesA, legalB, salesB],
    departments: [{ name: 'legal', ...legal }],
    trunks: [{ id: 'provider', host: '127.0.0.1', port: trunkPort, inbound: 'legal', prefix: '9' }],
    media: { ...scene.media, announcement: { file: announcement } },
  });
  t.teardown(() => { if (process.env.SWB_SIP_DEBUG) console.error(built.logs.text); });
  mkdirSync(path.join(built.dataDir, 'recordings'), { recursive: true });
  built.app.media!.start();
  await waitFor(() => built.app.media!.readiness() === 'ok', 10_000, 'the media control link');
  return { ...built, sup: await userWithToken(built.app, 'sue', 'supervisor') };
}

/** `from` calls `to` (a phone that answers); the caller sends no RTP and hangs up after holdMs. */
export async function internalCall(t: Test, target: string, from: { number: string; password: string }, to: { number: string; password: string }, holdMs: number) {
  const port = await freePort();
  const phone = sippPhone(t, 'phone-answers.xml', { target, port, service: to.number, pauseMs: 100, timeoutSeconds: 30 });
  await registerPhone(target, to, port);
  const caller = await sipp('call-answered-caller-hangs-up.xml', { target, service: from.number, auth: { user: from.number, password: from.password }, keys: { dialled: to.number }, pauseMs: holdMs, timeoutSeconds: 30 });
  t.equal(caller.code, 0, caller.errors);
  const seen = await phone;
  t.equal(seen.code, 0, seen.errors);
  return seen;
}

/** The department policy's calls, as tap subtests of t. */
export function departmentRecordingTests(t: Test, scene: DepartmentScene): void {
  const target = `127.0.0.1:${scene.drachtio.sipPort}`;
  const drachtio = scene.drachtio;
  t.test("a call between two extensions of a recorded department is recorded, though neither extension records, and starts with the announcement", async (t) => {
    const { app, sup } = await departmentApp(t, scene, await freePort(), { record: true, announce: true });
    const seen = await internalCall(t, target, legalA, legalB, 3000);
    t.match(seen.messages, new RegExp(`INVITE sip:[\\s\\S]*${scene.mark.source}`), 'the callee was offered the media server\'s media: the call is anchored');
    const call = await theCall(app, sup, (x) => x.state === 'ended' && (x.recording as { status?: string } | null)?.status === 'ok', 'the recorded call');
    t.match(call, { direction: 'internal', from: '101', to: '103', outcome: 'answered', media: { anchor: scene.backend, recordRequested: true, announce: true, announced: true, because: ['department:legal'] } });
    const rec = call.recording as { file: string; durationSec: number };
    t.ok(existsSync(rec.file), 'the WAV is on disk');
    t.equal((await app.http.inject({ url: `/api/v1/calls/${call.id}/recording`, headers: bearer(sup) })).statusCode, 200, 'the recording is served from its call');
    // The built-in announcement is two 0.5 s beeps at 1400 Hz; the SIPp caller sends no audio at all.
    const first = wavToneShare(rec.file, BUILTIN_ANNOUNCEMENT_HZ, 0, 1);
    const later = wavToneShare(rec.file, BUILTIN_ANNOUNCEMENT_HZ, 2, 3);
    t.ok(first > 0.5, `the first second is the announcement tone (share at ${BUILTIN_ANNOUNCEMENT_HZ} Hz: ${first.toFixed(2)})`);
    t.ok(later < 0.1, `after it, no tone (share ${later.toFixed(2)})`);
  });

  t.test('an announced call whose phone sends early media: the caller hears ringing (180, not the 183), and the announcement plays at the answer', async (t) => {
    const { app, sup } = await departmentApp(t, scene, await freePort(), { record: true, announce: true });
    const port = await freePort();
    const phone = sippPhone(t, 'phone-early-media-183-then-answers.xml', { target, port, service: legalB.number, pauseMs: 1000, timeoutSeconds: 30 });
    await registerPhone(target, legalB, port);
    const caller = await sipp('call-answered-caller-hangs-up.xml', { target, service: legalA.number, auth: { user: legalA.number, password: legalA.password }, keys: { dialled: legalB.number }, pauseMs: 3000, timeoutSeconds: 30 });
    t.equal(caller.code, 0, caller.errors);
    t.equal((await phone).code, 0);
    t.match(caller.messages, /SIP\/2\.0 180/, 'the caller was sent 180');
    t.notMatch(caller.messages, /SIP\/2\.0 183/, 'no early media reached the caller');
    const call = await theCall(app, sup, (x) => x.state === 'ended' && (x.recording as { status?: string } | null)?.status === 'ok', 'the recorded call');
    t.match(call, { media: { announce: true, announced: true } });
    const first = wavToneShare((call.recording as { file: string }).file, BUILTIN_ANNOUNCEMENT_HZ, 0, 1);
    t.ok(first > 0.5, `the recording starts with the announcement (share ${first.toFixed(2)})`);
  });

  t.test('a configured announcement file is played instead of the built-in beep, and is in the recording', async (t) => {
    const file = path.join(await tempDir(t), 'notice.wav');
    await writeFile(file, beepWav(OTHER_HZ));
    const { app, sup } = await departmentApp(t, scene, await freePort(), { record: true, announce: true }, file);
    await internalCall(t, target, legalA, legalB, 3000);
    const call = await theCall(app, sup, (x) => x.state === 'ended' && (x.recording as { status?: string } | null)?.status === 'ok', 'the recorded call');
    t.match(call, { media: { announce: true, announced: true } });
    const rec = (call.recording as { file: string }).file;
    const mine = wavToneShare(rec, OTHER_HZ, 0, 1);
    t.ok(mine > 0.5, `the first second is the file's ${OTHER_HZ} Hz tone (share ${mine.toFixed(2)})`);
    t.ok(wavToneShare(rec, BUILTIN_ANNOUNCEMENT_HZ, 0, 1) < 0.1, 'not the built-in beep');
  });

  t.test('without announce, the recorded department call has no tone in it', async (t) => {
    const { app, sup } = await departmentApp(t, scene, await freePort(), { record: true, announce: false });
    await internalCall(t, target, legalA, legalB, 2000);
    // Nobody sends audio: Asterisk may close the file with no samples (empty), FreeSWITCH with silence (ok).
    const call = await theCall(app, sup, (x) => x.state === 'ended' && ['ok', 'empty'].includes((x.recording as { status?: string } | null)?.status ?? ''), 'the closed recording');
    t.match(call, { media: { recordRequested: true, announce: false, because: ['department:legal'] } });
    t.notOk('announced' in (call.media as object), 'no announcement was attempted');
    const share = wavToneShare((call.recording as { file: string }).file, BUILTIN_ANNOUNCEMENT_HZ, 0, 1);
    t.ok(share < 0.1, `no tone in the first second (share ${share.toFixed(2)})`);
  });

  t.test("a call between two extensions of a department without a policy stays phone to phone", async (t) => {
    const { app, sup } = await departmentApp(t, scene, await freePort(), { record: true, announce: true });
    const seen = await internalCall(t, target, salesA, salesB, 300);
    t.notMatch(seen.messages, scene.mark, "direct: the callee was offered the caller's media");
    const call = await theCall(app, sup, (x) => x.state === 'ended', 'the ended call');
    t.match(call, { from: '102', to: '104', outcome: 'answered', recording: null, media: { anchor: 'direct', recordRequested: false, announce: false, because: [] } });
  });

  t.test("a trunk call to a recorded department's ring group is recorded and its recording lands in the caller's history", async (t) => {
    const trunkPort = await freePort();
    const { app, sup } = await departmentApp(t, scene, trunkPort, { record: true, announce: true });
    const port = await freePort();
    const phone = sippPhone(t, 'phone-answers.xml', { target, port, service: legalB.number, pauseMs: 100, timeoutSeconds: 30 });
    await registerPhone(target, legalB, port);
    const provider = await mediaCall({ port: drachtio.sipPort, localPort: trunkPort, scenario: 'trunk-call-plays-pcma-then-hangs-up.xml', service: '74951112233', keys: { caller: '89123456789' }, holdMs: 3000 });
    t.equal(provider.code, 0, provider.errors);
    t.equal((await phone).code, 0);
    const call = await theCall(app, sup, (x) => x.state === 'ended' && (x.recording as { status?: string } | null)?.status === 'ok', 'the recorded call');
    t.match(call, { direction: 'in', trunk: 'provider', extension: '103', media: { announce: true, announced: true } });
    t.same((call.media as { because: string[] }).because, ['department:legal']);
    const rec = call.recording as { file: string; historyEventId: string; key: string };
    t.ok(wavLevel(rec.file) > 50, "the provider's audio is in it");
    const history = (await app.http.inject({ url: `/api/v1/clients/${call.clientId}/history`, headers: bearer(sup) })).json().items as Array<Record<string, unknown>>;
    t.match(history.find((e) => e.kind === 'recording'), { id: rec.key, payload: { callId: call.id, file: rec.file } });
    t.equal(rec.historyEventId, rec.key, 'the recording is linked to its history event');
  });
}
