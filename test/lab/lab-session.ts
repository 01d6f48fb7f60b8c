import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Test } from 'tap';
import YAML from 'yaml';
import { LAB_CLI, runCli, stop } from '../helpers/cli.js';
import { STRONG_PASSWORD, tempDir } from '../helpers/appliance.js';
import { drachtioBinary, EXTENSIONS, registerPhone, sippPhone, waitFor, type SippResult } from '../helpers/sip.js';
import { mediaCall } from '../helpers/media-call.js';
import { CALLER } from '../helpers/recorded-calls.js';
import { wavLevel } from '../helpers/wav.js';
import { freePort } from '../../sip/drachtio/free-port.js';

/*
 * What the lab recording tests share, whichever media server the lab runs
 * (lab-recording.test.ts: FreeSWITCH, lab-asterisk.test.ts: Asterisk): the
 * real `switchboard lab` CLI with EXTENSIONS (record: false, the lab records
 * them anyway), a supervisor session, and the two calls of the "Done when":
 * phone to phone, and from the trunk with RTP.
 */

export interface RunningLab {
  dir: string;
  target: string;
  api: string;
  auth: { authorization: string };
  output(): string;
}

/** `switchboard lab ARGS` with `env` (FREESWITCH_PREFIX / ASTERISK_PREFIX) and the given trunks (none: the lab adds its own); resolves once it says ready. */
export async function startLabCli(t: Test, args: string[], env: Record<string, string>, trunks: unknown[] = []): Promise<RunningLab> {
  const dir = await tempDir(t);
  const sipPort = await freePort();
  const apiPort = await freePort();
  const cfg = path.join(dir, 'config.yaml');
  await writeFile(cfg, YAML.stringify({ extensions: EXTENSIONS.map((e) => ({ ...e, record: false })), trunks, log: { level: process.env.SWB_SIP_DEBUG ? 'debug' : 'warn' } }));
  const fullEnv = { PATH: process.env.PATH ?? '', DRACHTIO_BIN: drachtioBinary(), SWITCHBOARD_CONFIG: cfg, SWITCHBOARD_DATA_DIR: dir, SWITCHBOARD_LISTEN: `127.0.0.1:${apiPort}`, ...env };
  const lab = spawn(process.execPath, [LAB_CLI, 'lab', '--sip-port', String(sipPort), ...args], { env: fullEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => stop(lab));
  t.teardown(() => { if (process.env.SWB_SIP_DEBUG) console.error(output); });
  let output = '';
  lab.stdout.on('data', (d: Buffer) => (output += d.toString()));
  lab.stderr.on('data', (d: Buffer) => (output += d.toString()));
  await waitFor(() => output.includes('switchboard lab ready') || lab.exitCode !== null, 60_000, `the lab banner: ${output}`);
  if (lab.exitCode !== null) throw new Error(`the lab exited ${lab.exitCode}: ${output}`);

  const api = `http://127.0.0.1:${apiPort}`;
  const added = await runCli(['user', 'add', 'sup', '--role', 'supervisor', '--password-stdin'], { env: fullEnv, stdin: STRONG_PASSWORD });
  if (added.code !== 0) throw new Error(`user add: ${added.stderr}`);
  const login = await fetch(`${api}/api/v1/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'sup', password: STRONG_PASSWORD }) });
  const token = ((await login.json()) as { token: string }).token;
  return { dir, target: `127.0.0.1:${sipPort}`, api, auth: { authorization: `Bearer ${token}` }, output: () => output };
}

/** 102 as a SIPp phone answering `calls` calls, registered with the lab; `done` resolves when SIPp exits (wrapped: an async function would wait for it). */
export async function labPhone(t: Test, lab: RunningLab, calls: number): Promise<{ done: Promise<SippResult> }> {
  const port = await freePort();
  const done = sippPhone(t, 'phone-answers.xml', { target: lab.target, port, service: EXTENSIONS[1]!.number, pauseMs: 100, timeoutSeconds: 60, calls });
  await registerPhone(lab.target, EXTENSIONS[1]!, port);
  return { done };
}

interface LabRecording {
  status: string;
  key: string;
  file: string;
  bytes: number;
  durationSec: number;
}
type LabCall = Record<string, unknown> & { id: string; recording: LabRecording | null };

async function get<T>(lab: RunningLab, url: string): Promise<T> {
  return (await (await fetch(`${lab.api}${url}`, { headers: lab.auth })).json()) as T;
}

/** The one call matching `which` once its recording is ok; checks the file, then plays it back from the API. */
async function recordedCall(t: Test, lab: RunningLab, which: (c: LabCall) => boolean, what: string): Promise<LabCall> {
  let call: LabCall | undefined;
  await waitFor(async () => {
    call = (await get<{ items: LabCall[] }>(lab, '/api/v1/calls')).items.find(which);
    return call?.state === 'ended' && call.recording?.status === 'ok';
  }, 20_000, what);
  const rec = call!.recording!;
  t.ok(rec.file.startsWith(path.join(lab.dir, 'recordings') + path.sep), `under DATADIR/recordings: ${rec.file}`);
  t.ok(existsSync(rec.file), 'the WAV is on disk');
  t.ok(rec.durationSec > 2 && rec.durationSec < 5, `about the 3 s the call was held: ${rec.durationSec}`);
  t.ok(wavLevel(rec.file) > 50, `the caller's audio is in it (level ${wavLevel(rec.file).toFixed(0)})`);

  const res = await fetch(`${lab.api}/api/v1/calls/${call!.id}/recording`, { headers: lab.auth });
  t.equal(res.status, 200);
  t.equal(res.headers.get('content-type'), 'audio/wav');
  const body = Buffer.from(await res.arrayBuffer());
  t.equal(body.length, rec.bytes, 'the whole file is served');
  t.equal(body.subarray(0, 4).toString('latin1'), 'RIFF');
  // The header's byte rate (offset 28) over the data gives how long the served WAV plays.
  const playsSec = (body.length - 44) / body.readUInt32LE(28);
  t.ok(playsSec > 2 && playsSec < 5, `the served WAV plays about 3 s: ${playsSec.toFixed(2)}`);
  return call!;
}

/** 101 calls 102 with 3 s of audio: the call is recorded and plays back; it is an internal call, in no client's history. */
export async function phoneCallIsRecorded(t: Test, lab: RunningLab): Promise<void> {
  const [a, b] = [EXTENSIONS[0]!, EXTENSIONS[1]!];
  const caller = await mediaCall({ port: Number(lab.target.split(':')[1]), scenario: 'extension-call-plays-pcma-then-hangs-up.xml', service: a.number, auth: { user: a.number, password: a.password }, keys: { dialled: b.number }, holdMs: 3000 });
  t.equal(caller.code, 0, caller.errors);
  const call = await recordedCall(t, lab, (c) => c.from === a.number, 'the recorded phone to phone call');
  t.match(call, { from: a.number, to: b.number, outcome: 'answered', clientId: null });
}

/** The provider (SIPp from the trunk's port, 3 s of RTP) calls in, 102 answers: recorded, plays back, and the recording event is in the caller's history. */
export async function trunkCallIsRecorded(t: Test, lab: RunningLab, trunk: { id: string; port: number }): Promise<void> {
  const provider = await mediaCall({ port: Number(lab.target.split(':')[1]), localPort: trunk.port, scenario: 'trunk-call-plays-pcma-then-hangs-up.xml', service: '74951112233', keys: { caller: '89123456789' }, holdMs: 3000 });
  t.equal(provider.code, 0, provider.errors);
  const call = await recordedCall(t, lab, (c) => c.trunk === trunk.id, 'the recorded trunk call');
  t.match(call, { direction: 'in', from: CALLER, extension: EXTENSIONS[1]!.number, trunk: trunk.id, outcome: 'answered' });

  const found = (await get<{ items: Array<{ id: string }> }>(lab, `/api/v1/clients?q=${encodeURIComponent(CALLER)}`)).items;
  t.equal(found.length, 1, 'the caller is a client');
  t.equal(call.clientId, found[0]!.id);
  const history = (await get<{ items: Array<Record<string, unknown>> }>(lab, `/api/v1/clients/${found[0]!.id}/history`)).items;
  const recordings = history.filter((e) => e.kind === 'recording');
  t.equal(recordings.length, 1, "one recording event in the caller's history");
  t.match(recordings[0], { id: call.recording!.key, direction: 'in', payload: { callId: call.id, file: call.recording!.file, bytes: call.recording!.bytes } });
  t.equal(history.filter((e) => e.kind === 'call').length, 1, 'and the call');
}
