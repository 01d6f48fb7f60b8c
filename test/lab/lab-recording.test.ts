import t from 'tap';
import path from 'node:path';
import { LAB_CLI, runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/appliance.js';
import { drachtioBinary } from '../helpers/sip.js';
import { freeswitchPrefix } from '../helpers/freeswitch.js';
import { freePort } from '../../sip/drachtio/free-port.js';
import { labPhone, phoneCallIsRecorded, startLabCli, trunkCallIsRecorded } from './lab-session.js';

/*
 * Lab mode with FreeSWITCH (the default media server): `switchboard lab`
 * starts FreeSWITCH too and every extension is recorded; a call between two
 * lab phones and a call from the configured trunk (SIPp, with RTP) are
 * recorded, served by GET /api/v1/calls/:id/recording, and the trunk call's
 * recording sits in the caller's history. lab-asterisk.test.ts: the same on Asterisk.
 */

t.test('switchboard lab without FreeSWITCH says what is missing, and --no-media as the way round', async (t) => {
  const dir = await tempDir(t);
  const r = await runCli(['lab', '--sip-port', String(await freePort())], { cli: LAB_CLI, env: { SWITCHBOARD_DATA_DIR: dir, DRACHTIO_BIN: drachtioBinary(), FREESWITCH_PREFIX: path.join(dir, 'no-such-freeswitch') } });
  t.equal(r.code, 1);
  t.match(r.stderr, /SWB_ERR_PEER_MISSING/);
  t.match(r.stderr, /FreeSWITCH was not found at .*no-such-freeswitch/);
  t.match(r.stderr, /FREESWITCH_PREFIX/);
  t.match(r.stderr, /--no-media/);
  t.match(r.stderr, /--media asterisk/);
});

t.test('switchboard lab refuses a media server it does not know', async (t) => {
  const dir = await tempDir(t);
  const r = await runCli(['lab', '--sip-port', String(await freePort()), '--media', 'yate'], { cli: LAB_CLI, env: { SWITCHBOARD_DATA_DIR: dir, DRACHTIO_BIN: drachtioBinary() } });
  t.equal(r.code, 1);
  t.match(r.stderr, /SWB_ERR_VALIDATION/);
  t.match(r.stderr, /--media: got "yate", expected one of freeswitch, asterisk, none/);
});

t.test('in lab mode with FreeSWITCH a call between two lab phones and a call from the trunk are recorded, play back from the API and sit in the right history', async (t) => {
  const trunk = { id: 'lab-trunk', port: await freePort() };
  const lab = await startLabCli(t, [], { FREESWITCH_PREFIX: freeswitchPrefix() }, [{ id: trunk.id, host: '127.0.0.1', port: trunk.port, inbound: '102', prefix: '9' }]);
  t.match(lab.output(), /media: FreeSWITCH on 127\.0\.0\.1:\d+ \(--media freeswitch\); every extension is recorded/);
  t.match(lab.output(), new RegExp(`trunk lab-trunk: 127\\.0\\.0\\.1:${trunk.port}; dial 9 then the number; inbound calls ring 102\\n`));

  const phone = await labPhone(t, lab, 2);
  await phoneCallIsRecorded(t, lab);
  await trunkCallIsRecorded(t, lab, trunk);
  const seen = await phone.done;
  t.equal(seen.code, 0, seen.errors);
  t.equal(seen.messages.match(/INVITE sip:[^\n]*\n[\s\S]*?o=FreeSWITCH/g)?.length, 2, "102 was offered FreeSWITCH's media on both calls");
});
