import t from 'tap';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmdirSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bearer, userWithToken } from '../../helpers/appliance.js';
import { callFrom, EXTENSIONS, registerPhone, sipAppliance, sippPhone, startDrachtio, waitFor } from '../../helpers/sip.js';
import { startTestFreeswitch } from '../../helpers/freeswitch.js';
import { freePort } from '../../../sip/drachtio/free-port.js';

/*
 * A disk full of recordings stops recording, not the calls: DATADIR/recordings
 * is a 2 MiB tmpfs, below the default media.minFreeMiB (512). A call to a
 * recorded extension connects phone to phone, unrecorded, its record says
 * disk-full, a counter goes up and a warn line is logged.
 */
const drachtio = await startDrachtio(t);
const fs = await startTestFreeswitch(t);
const target = `127.0.0.1:${drachtio.sipPort}`;
const b = EXTENSIONS[1]!; // record: true

t.test('with too little free space under DATADIR/recordings a recorded call connects unrecorded, flagged disk-full, counted and logged', async (t) => {
  const mount = mkdtempSync(path.join(tmpdir(), 'swb-recordings-tmpfs-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mount]);
  t.teardown(() => {
    execFileSync('umount', ['-l', mount]);
    rmdirSync(mount);
  });
  const { app, logs, dataDir } = await sipAppliance(t, drachtio, {
    media: { backend: 'freeswitch', freeswitch: { esl: { port: fs.eslPort, password: fs.eslPassword, reconnectMinMs: 100, reconnectMaxMs: 500 }, sip: { port: fs.sipPort } } },
  });
  symlinkSync(mount, path.join(dataDir, 'recordings'));
  app.media!.start();
  await waitFor(() => app.media!.readiness() === 'ok', 10_000, 'the ESL link');
  t.equal(app.config.media.minFreeMiB, 512, 'the default floor');

  const port = await freePort();
  const phone = sippPhone(t, 'phone-answers.xml', { target, port, service: b.number, pauseMs: 100 });
  await registerPhone(target, b, port);
  const caller = await callFrom(target, EXTENSIONS[0]!, 'call-answered-caller-hangs-up.xml', b.number);
  t.equal(caller.code, 0, `the call connected: ${caller.errors}`);
  const seen = await phone;
  t.equal(seen.code, 0, seen.errors);
  t.notMatch(seen.messages, /o=FreeSWITCH/, 'not anchored on FreeSWITCH: phone to phone');

  const sup = await userWithToken(app, 'sue', 'supervisor');
  let call: Record<string, unknown> | undefined;
  await waitFor(async () => {
    const items = (await app.http.inject({ url: '/api/v1/calls', headers: bearer(sup) })).json().items as Array<Record<string, unknown>>;
    call = items[0];
    return items.length === 1 && call!.state === 'ended';
  }, 10_000, 'the call record');
  t.match(call, { direction: 'internal', from: '101', to: '102', outcome: 'answered', recording: { status: 'disk-full', file: null, key: null } });
  t.equal((await app.http.inject({ url: `/api/v1/calls/${call!.id as string}/recording`, headers: bearer(sup) })).statusCode, 404);
  t.match(await app.metrics.registry.metrics(), /swb_recordings_refused_total\{reason="disk_full"\} 1/);
  t.ok(logs.records().some((l) => l.msg === 'recordings disk full: call connected without recording' && l.call === call!.id && l.level === 40 && (l.freeMiB as number) <= 2));
  t.same(readdirSync(mount), [], 'nothing written to the full disk');
});
