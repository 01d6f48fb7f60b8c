import t from 'tap';
import path from 'node:path';
import { LAB_CLI, runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/appliance.js';
import { drachtioBinary } from '../helpers/sip.js';
import { asteriskPrefix } from '../helpers/asterisk.js';
import { freePort } from '../../sip/drachtio/free-port.js';
import { labPhone, phoneCallIsRecorded, startLabCli, trunkCallIsRecorded } from './lab-session.js';

/*
 * Lab mode switched to Asterisk (`--media asterisk`): the real Asterisk 22
 * records every extension; with no trunk configured the lab adds its own
 * provider trunk on loopback, and SIPp calls in from it with RTP.
 */

t.test('switchboard lab --media asterisk without Asterisk names ASTERISK_PREFIX and the way round', async (t) => {
  const dir = await tempDir(t);
  const r = await runCli(['lab', '--sip-port', String(await freePort()), '--media', 'asterisk'], { cli: LAB_CLI, env: { SWITCHBOARD_DATA_DIR: dir, DRACHTIO_BIN: drachtioBinary(), ASTERISK_PREFIX: path.join(dir, 'no-such-asterisk') } });
  t.equal(r.code, 1);
  t.match(r.stderr, /SWB_ERR_PEER_MISSING/);
  t.match(r.stderr, /Asterisk was not found at .*no-such-asterisk/);
  t.match(r.stderr, /ASTERISK_PREFIX/);
  t.match(r.stderr, /--media freeswitch/);
  t.match(r.stderr, /--media none/);
});

t.test('in lab mode with Asterisk a call between two lab phones and a call from the lab trunk are recorded, play back from the API and sit in the right history', async (t) => {
  const lab = await startLabCli(t, ['--media', 'asterisk'], { ASTERISK_PREFIX: asteriskPrefix() });
  t.match(lab.output(), /media: Asterisk on 127\.0\.0\.1:\d+ \(--media asterisk\); every extension is recorded/);
  const TRUNK = /trunk lab-provider: 127\.0\.0\.1:(\d+); dial 9 then the number; inbound calls ring 102; recorded\n/;
  t.match(lab.output(), TRUNK, 'with no trunk configured, the lab added its provider trunk');
  const added = TRUNK.exec(lab.output());
  t.match(lab.output(), new RegExp(`trunk-call-plays-pcma-then-hangs-up\\.xml ${lab.target.replace(/\./g, '\\.')} -p ${added![1]} `), 'and says how to call in from it');
  const trunk = { id: 'lab-provider', port: Number(added![1]) };

  const phone = await labPhone(t, lab, 2);
  await phoneCallIsRecorded(t, lab);
  await trunkCallIsRecorded(t, lab, trunk);
  const seen = await phone.done;
  t.equal(seen.code, 0, seen.errors);
  t.equal(seen.messages.match(/INVITE sip:[^\n]*\n[\s\S]*?s=Asterisk/g)?.length, 2, "102 was offered Asterisk's media on both calls");
});
