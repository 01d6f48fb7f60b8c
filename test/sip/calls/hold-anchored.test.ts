import path from 'node:path';
import t from 'tap';
import { tempDir } from '../../helpers/appliance.js';
import { EXTENSIONS, sipp, startDrachtio, waitFor } from '../../helpers/sip.js';
import { recordedAppliance } from '../../helpers/recorded-calls.js';
import { startTestFreeswitch } from '../../helpers/freeswitch.js';
import { wavSamples, wavToneShare, writeToneWav } from '../../helpers/wav.js';
import { Linphone } from '../../helpers/phones/linphone.js';
import { freePort } from '../../../sip/drachtio/free-port.js';

/*
 * Hold on a call anchored in FreeSWITCH (102 is recorded): the phone that
 * holds negotiates with its own FreeSWITCH channel; the other phone (linphonec,
 * a real softphone) must be told it is held (a re-INVITE with sendonly and a
 * higher o= version), must hear media.musicOnHold from FreeSWITCH meanwhile,
 * and be taken off hold (sendrecv) at the resume.
 */
const drachtio = await startDrachtio(t);
const fs = await startTestFreeswitch(t);
const target = `127.0.0.1:${drachtio.sipPort}`;
const [a, b] = [EXTENSIONS[0]!, EXTENSIONS[1]!];
const MOH_HZ = 850;

t.test('a hold from the caller reaches the held phone as sendonly with a new version, it hears the music on hold, and the resume takes it back', async (t) => {
  const dir = await tempDir(t, 'swb-hold-');
  const moh = path.join(dir, 'moh.wav');
  writeToneWav(moh, MOH_HZ, 5);
  const { app, logs } = await recordedAppliance(t, drachtio, await freePort(), {
    backend: 'freeswitch',
    musicOnHold: { file: moh },
    freeswitch: { esl: { port: fs.eslPort, password: fs.eslPassword, reconnectMinMs: 100, reconnectMaxMs: 500 }, sip: { port: fs.sipPort } },
  }, { sip: { auth: {} } });
  t.teardown(() => { if (process.env.SWB_SIP_DEBUG) console.error(logs.text); });
  await waitFor(() => app.media!.readiness() === 'ok', 10_000, 'the ESL link');
  const tone = path.join(dir, 'tone.wav');
  writeToneWav(tone, 550, 20);
  const held = await Linphone.start(t, { target, account: { ...b, transport: 'udp' }, tone, autoAnswer: true });
  await held.registered();

  // Held for 3 s (SIPp's bare pause).
  const caller = await sipp('call-answered-holds-then-resumes.xml', { target, service: a.number, auth: { user: a.number, password: a.password }, keys: { dialled: b.number }, pauseMs: 3000, timeoutSeconds: 30 });
  t.equal(caller.code, 0, caller.errors || caller.stderr);
  await held.saw(/ended/);

  const log = held.sipLog;
  const invites = [...log.matchAll(/^INVITE sip:[^\n]*\n[\s\S]*?\n(v=0[\s\S]*?)\n\S*\d{4}-\d\d-\d\d /gm)].map((m) => m[1]!);
  t.equal(invites.length, 3, `the INVITE, the hold and the resume: ${invites.length}`);
  const version = (sdp: string): number => Number(/^o=\S+ \S+ (\d+)/m.exec(sdp)?.[1]);
  t.match(invites[0], /o=FreeSWITCH/, 'anchored: the phone talks to FreeSWITCH');
  t.match(invites[1], /a=sendonly/, 'told it is held');
  t.ok(version(invites[1]!) > version(invites[0]!), `with a higher version (${version(invites[0]!)} -> ${version(invites[1]!)})`);
  t.match(invites[2], /a=sendrecv/, 'told the hold is over');
  t.ok(version(invites[2]!) > version(invites[1]!), 'again with a higher version');

  // The call: 1.5 s, held 3 s, resumed; SIPp sends no audio, so what the held phone heard is the music.
  const wav = held.receivedWav;
  const seconds = wavSamples(wav).samples.length / 8000;
  const share = wavToneShare(wav, MOH_HZ, 0, seconds);
  t.ok(share > 0.5, `the held phone heard the ${MOH_HZ} Hz music on hold (share ${share.toFixed(3)} of ${seconds.toFixed(1)} s)`);
  t.ok(wavToneShare(wav, MOH_HZ, 1.8, 4.2) > 0.5, 'during the hold');
});
