import t from 'tap';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import YAML from 'yaml';
import { CLI, runCli, stop } from '../../helpers/cli.js';
import { STRONG_PASSWORD, tempDir } from '../../helpers/appliance.js';
import { drachtioBinary, EXTENSIONS, registerPhone, sippPhone, waitFor } from '../../helpers/sip.js';
import { freeswitchPrefix } from '../../helpers/freeswitch.js';
import { mediaCall } from '../../helpers/media-call.js';
import { wavLevel } from '../../helpers/wav.js';
import { freePort } from '../../../sip/drachtio/free-port.js';

/*
 * Lab mode with media: `switchboard lab` starts FreeSWITCH too, every
 * extension is recorded, and a call between two lab phones (SIPp, with RTP)
 * is recorded and served by GET /api/v1/calls/:id/recording.
 */

t.test('switchboard lab without FreeSWITCH says what is missing, and --no-media as the way round', async (t) => {
  const dir = await tempDir(t);
  const r = await runCli(['lab', '--sip-port', String(await freePort())], { env: { SWITCHBOARD_DATA_DIR: dir, DRACHTIO_BIN: drachtioBinary(), FREESWITCH_PREFIX: path.join(dir, 'no-such-freeswitch') } });
  t.equal(r.code, 1);
  t.match(r.stderr, /SWB_ERR_PEER_MISSING/);
  t.match(r.stderr, /FreeSWITCH was not found at .*no-such-freeswitch/);
  t.match(r.stderr, /FREESWITCH_PREFIX/);
  t.match(r.stderr, /--no-media/);
});

t.test('in lab mode with FreeSWITCH a call between two lab phones is recorded and plays back from the API', async (t) => {
  const dir = await tempDir(t);
  const sipPort = await freePort();
  const apiPort = await freePort();
  const cfg = path.join(dir, 'config.yaml');
  // 101 and 102 as configured (record: false for 101): the lab records every extension anyway.
  await writeFile(cfg, YAML.stringify({ extensions: EXTENSIONS.map((e) => ({ ...e, record: false })), log: { level: 'warn' } }));
  const env = { PATH: process.env.PATH ?? '', DRACHTIO_BIN: drachtioBinary(), FREESWITCH_PREFIX: freeswitchPrefix(), SWITCHBOARD_CONFIG: cfg, SWITCHBOARD_DATA_DIR: dir, SWITCHBOARD_LISTEN: `127.0.0.1:${apiPort}` };
  const lab = spawn(process.execPath, [CLI, 'lab', '--sip-port', String(sipPort)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => stop(lab));
  let output = '';
  lab.stdout.on('data', (d: Buffer) => (output += d.toString()));
  lab.stderr.on('data', (d: Buffer) => (output += d.toString()));
  await waitFor(() => output.includes('switchboard lab ready'), 40_000, `the lab banner: ${output}`);
  t.match(output, /media: FreeSWITCH on 127\.0\.0\.1:\d+; every extension is recorded/);

  const target = `127.0.0.1:${sipPort}`;
  const [a, b] = [EXTENSIONS[0]!, EXTENSIONS[1]!];
  const p102 = await freePort();
  const phone = sippPhone(t, 'phone-answers.xml', { target, port: p102, service: b.number, pauseMs: 100, timeoutSeconds: 30 });
  await registerPhone(target, b, p102);
  const caller = await mediaCall({ port: sipPort, scenario: 'extension-call-plays-pcma-then-hangs-up.xml', service: a.number, auth: { user: a.number, password: a.password }, keys: { dialled: b.number }, holdMs: 3000 });
  t.equal(caller.code, 0, caller.errors);
  const seen = await phone;
  t.equal(seen.code, 0, seen.errors);
  t.match(seen.messages, /INVITE sip:[\s\S]*o=FreeSWITCH/, "102 was offered FreeSWITCH's media");

  const api = `http://127.0.0.1:${apiPort}`;
  t.equal((await runCli(['user', 'add', 'sup', '--role', 'supervisor', '--password-stdin'], { env, stdin: STRONG_PASSWORD })).code, 0);
  const login = await fetch(`${api}/api/v1/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'sup', password: STRONG_PASSWORD }) });
  const token = ((await login.json()) as { token: string }).token;
  const auth = { authorization: `Bearer ${token}` };
  let call: { id: string; recording: { status: string; file: string; bytes: number; durationSec: number } | null } | undefined;
  await waitFor(async () => {
    const items = ((await (await fetch(`${api}/api/v1/calls`, { headers: auth })).json()) as { items: NonNullable<typeof call>[] }).items;
    call = items[0];
    return items.length === 1 && call!.recording?.status === 'ok';
  }, 15_000, 'the recorded call');
  const rec = call!.recording!;
  t.ok(rec.file.startsWith(path.join(dir, 'recordings') + path.sep), `under DATADIR/recordings: ${rec.file}`);
  t.ok(existsSync(rec.file));
  t.ok(rec.durationSec > 2 && rec.durationSec < 5, `about the 3 s the call lasted: ${rec.durationSec}`);
  t.ok(wavLevel(rec.file) > 50, `the caller's audio is in it (level ${wavLevel(rec.file).toFixed(0)})`);
  const res = await fetch(`${api}/api/v1/calls/${call!.id}/recording`, { headers: auth });
  t.equal(res.status, 200);
  t.equal(res.headers.get('content-type'), 'audio/wav');
  const body = Buffer.from(await res.arrayBuffer());
  t.equal(body.length, rec.bytes);
  t.equal(body.subarray(0, 4).toString('latin1'), 'RIFF');
});
