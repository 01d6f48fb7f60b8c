import t, { type Test } from 'tap';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bearer } from '../../helpers/appliance.js';
import { registerPhone, sipAppliance, sippPhone, startDrachtio, waitFor } from '../../helpers/sip.js';
import { startTestFreeswitch } from '../../helpers/freeswitch.js';
import { startTestAsterisk } from '../../helpers/asterisk.js';
import { startMediaCall } from '../../helpers/media-call.js';
import { nextEvent } from '../../helpers/media-wait.js';
import { CALLER, RECORDED, supervisor, theCall } from '../../helpers/recorded-calls.js';
import { wavLevel } from '../../helpers/wav.js';
import { freePort } from '../../../sip/drachtio/free-port.js';
import type { FreeswitchBackend } from '../../../sip/media/freeswitch/freeswitch-backend.js';
import type { AsteriskBackend } from '../../../sip/media/asterisk/asterisk-backend.js';
import type { RecordingResult } from '../../../sip/media/types.js';

/*
 * A disk that fills while a call is being recorded: DATADIR/recordings is an
 * 8 MiB tmpfs and media.minFreeMiB is 4, so the call starts recorded; once
 * the recording runs the test fills the tmpfs to under 2 MiB free. The
 * appliance must stop the recording on the real media server (FreeSWITCH
 * uuid_record stop / RECORD_STOP, Asterisk StopMixMonitor / MixMonitorStop),
 * leave the call up until the provider hangs up, and say so: the call record,
 * an error line, a counter.
 */
const drachtio = await startDrachtio(t);
const target = `127.0.0.1:${drachtio.sipPort}`;
const MiB = 1024 * 1024;

t.test('FreeSWITCH: a recording running when the recordings disk fills is stopped, the call goes on to a normal BYE, and the record, a counter and an error line say why', async (t) => {
  const fs = await startTestFreeswitch(t);
  const stop = await diskFillsMidCall(t, {
    backend: 'freeswitch',
    freeswitch: { esl: { port: fs.eslPort, password: fs.eslPassword, reconnectMinMs: 100, reconnectMaxMs: 500 }, sip: { port: fs.sipPort } },
  });
  t.not(stop.reportedMs, null, "FreeSWITCH's RECORD_STOP reported it (record_ms), not the hangup");
});

t.test('Asterisk: a recording running when the recordings disk fills is stopped with StopMixMonitor, the call goes on, and the record says why', async (t) => {
  const ast = await startTestAsterisk(t);
  await diskFillsMidCall(t, {
    backend: 'asterisk',
    asterisk: { ami: { port: ast.amiPort, username: ast.amiUser, secret: ast.amiSecret, reconnectMinMs: 100, reconnectMaxMs: 500 }, sip: { port: ast.sipPort } },
  });
});

/** The scenario on whichever media server `media` names; returns the recording's stop as the backend reported it. */
async function diskFillsMidCall(t: Test, media: Record<string, unknown>): Promise<RecordingResult> {
  const mount = mkdtempSync(path.join(tmpdir(), 'swb-recordings-tmpfs-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', mount]);
  t.teardown(() => {
    execFileSync('umount', ['-l', mount]);
    rmdirSync(mount);
  });
  const trunkPort = await freePort();
  const { app, logs, dataDir } = await sipAppliance(t, drachtio, {
    trunks: [{ id: 'provider', host: '127.0.0.1', port: trunkPort, inbound: RECORDED.number, prefix: '9' }],
    media: { ...media, minFreeMiB: 4, diskCheckSeconds: 1 },
  });
  symlinkSync(mount, path.join(dataDir, 'recordings'));
  app.media!.start();
  await waitFor(() => app.media!.readiness() === 'ok', 10_000, 'the control link');
  const sup = await supervisor(app);
  const watch = app.sip.diskWatch!;
  t.equal(watch.size, 0, 'nothing watched before anything records');

  const port = await freePort();
  const phone = sippPhone(t, 'phone-answers.xml', { target, port, service: RECORDED.number, pauseMs: 100, timeoutSeconds: 40 });
  await registerPhone(target, RECORDED, port);
  const backend = app.media as FreeswitchBackend | AsteriskBackend;
  const stopped = nextEvent<RecordingResult>(backend, 'recording-stopped', 30_000);
  const provider = await startMediaCall({ port: drachtio.sipPort, localPort: trunkPort, scenario: 'trunk-call-plays-pcma-then-hangs-up.xml', service: '74951112233', keys: { caller: '89123456789' }, holdMs: 9000, timeoutSeconds: 40 });
  t.teardown(() => { if (provider.child.exitCode === null) provider.child.kill('SIGTERM'); });
  await waitFor(() => watch.size === 1, 15_000, 'the recording to start and be watched');
  await waitFor(() => [...backend.tracker.channels.values()].some((c) => c.recording && existsSync(c.recording.file) && statSync(c.recording.file).size > 8000), 10_000, 'some audio in the file');

  writeFileSync(path.join(mount, 'filler'), Buffer.alloc(6 * MiB));
  const stop = await stopped;
  t.equal(provider.child.exitCode, null, 'the recording stopped while the call was still up');
  t.equal(stop.status, 'ok', `the partial WAV is closed and whole: ${stop.detail ?? ''}`);
  t.ok(stop.durationSec > 0.5, `audio before the stop is kept: ${stop.durationSec} s`);
  t.ok(wavLevel(stop.file) > 50, 'it holds the call audio');
  t.match((await app.http.inject({ url: '/readyz' })).json(), { status: 'ready', checks: { media: 'ok' } }, 'calls still work: /readyz stays ready');

  const caller = await provider.done;
  t.equal(caller.code, 0, `the provider hung up with its own BYE, answered 200: ${caller.errors}`);
  const seen = await phone;
  t.equal(seen.code, 0, `the phone got the BYE: ${seen.errors}`);

  const call = await theCall(app, sup, (c) => c.state === 'ended' && c.recording !== null, 'the ended, recorded call');
  const rec = call.recording as { status: string; file: string; durationSec: number; interrupted?: string; key: string };
  t.match(call, { direction: 'in', from: CALLER, outcome: 'answered', endReason: 'caller', recording: { status: 'ok', interrupted: 'disk-full', file: stop.file, key: stop.key } });
  t.ok(rec.durationSec < (call.durationSec as number), `the recording (${rec.durationSec} s) is shorter than the call (${call.durationSec as number} s)`);
  t.equal(statSync(rec.file).size, stop.bytes, 'the partial file is kept');
  const history = (await app.http.inject({ url: `/api/v1/clients/${call.clientId as string}/history`, headers: bearer(sup) })).json().items as Array<Record<string, unknown>>;
  t.match(history.filter((e) => e.kind === 'recording'), [{ id: rec.key, payload: { file: rec.file } }], 'the history keeps the partial recording');
  t.equal((await app.http.inject({ url: `/api/v1/calls/${call.id as string}/recording`, headers: bearer(sup) })).statusCode, 200);

  const metrics = await app.metrics.registry.metrics();
  t.match(metrics, /swb_recordings_stopped_total\{reason="disk_full"\} 1\n/);
  const free = Number(/^swb_recordings_free_bytes (\S+)$/m.exec(metrics)?.[1]);
  t.ok(free > 0 && free < 4 * MiB, `the free-bytes gauge shows the full disk: ${free}`);
  const lines = logs.records().filter((l) => l.msg === 'recordings disk full: recording stopped, call goes on');
  t.equal(lines.length, 1, 'one error line for the one recording');
  t.match(lines[0], { level: 50, call: call.id, channel: stop.channelId, file: stop.file, minFreeMiB: 4 });
  t.ok((lines[0]!.freeMiB as number) < 4, `freeMiB says how little was left: ${lines[0]!.freeMiB as number}`);
  t.equal(watch.size, 0, 'nothing watched once nothing records');
  return stop;
}
