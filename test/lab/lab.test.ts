import t, { type Test } from 'tap';
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import YAML from 'yaml';
import { LAB_CLI, runCli, stop } from '../helpers/cli.js';
import { tempDir } from '../helpers/appliance.js';
import { callFrom, drachtioBinary, EXTENSIONS, registerPhone, sipp, sippPhone, waitFor } from '../helpers/sip.js';
import { freePort } from '../../sip/drachtio/free-port.js';
import { UdpPhone, challengeFields } from '../helpers/sip-udp.js';

/** `switchboard lab --no-media` with this environment, stopped with the test; resolves with its banner once ready. */
async function labWithoutMedia(t: Test, sipPort: number, env: Record<string, string>): Promise<string> {
  const lab = spawn(process.execPath, [LAB_CLI, 'lab', '--sip-port', String(sipPort), '--no-media'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => stop(lab));
  let output = '';
  lab.stdout.on('data', (d: Buffer) => (output += d.toString()));
  lab.stderr.on('data', (d: Buffer) => (output += d.toString()));
  await waitFor(() => output.includes('switchboard lab ready'), 15_000, `the lab banner: ${output}`);
  return output;
}

t.test('switchboard lab without drachtio-server says what is missing and how to get it', async (t) => {
  const dir = await tempDir(t);
  const r = await runCli(['lab', '--sip-port', String(await freePort())], { cli: LAB_CLI, env: { SWITCHBOARD_DATA_DIR: dir, DRACHTIO_BIN: path.join(dir, 'no-such-drachtio') } });
  t.equal(r.code, 1);
  t.match(r.stderr, /SWB_ERR_PEER_MISSING/);
  t.match(r.stderr, /DRACHTIO_BIN/);
  t.match(r.stderr, /apt-get install libboost-thread1\.74\.0/);
});

t.test('in lab mode two phones register, call each other and the trunk, and the calls land in the right histories', async (t) => {
  const dir = await tempDir(t);
  const sipPort = await freePort();
  const trunkPort = await freePort();
  const apiPort = await freePort();
  const cfg = path.join(dir, 'config.yaml');
  await writeFile(cfg, YAML.stringify({ extensions: EXTENSIONS, trunks: [{ id: 'lab-provider', host: '127.0.0.1', port: trunkPort, inbound: '102', prefix: '9' }], log: { level: 'warn' } }));
  const env = { PATH: process.env.PATH ?? '', DRACHTIO_BIN: drachtioBinary(), SWITCHBOARD_CONFIG: cfg, SWITCHBOARD_DATA_DIR: dir, SWITCHBOARD_LISTEN: `127.0.0.1:${apiPort}` };
  const output = await labWithoutMedia(t, sipPort, env);
  t.match(output, new RegExp(`SIP on udp and tcp 127\\.0\\.0\\.1:${sipPort}`));
  t.match(output, /media: none \(--media none\): calls go phone to phone, nothing is recorded/, '--no-media is --media none');

  const target = `127.0.0.1:${sipPort}`;
  const [a, b] = [EXTENSIONS[0]!, EXTENSIONS[1]!];
  // 101 calls 102.
  const p102 = await freePort();
  const phone = sippPhone(t, 'phone-answers.xml', { target, port: p102, service: b.number, pauseMs: 100, calls: 2 });
  await registerPhone(target, b, p102);
  t.equal((await callFrom(target, a, 'call-answered-caller-hangs-up.xml', b.number)).code, 0, 'extension to extension');
  // 101 calls out through the trunk.
  const provider = sippPhone(t, 'phone-answers.xml', { target, port: trunkPort, service: 'provider', pauseMs: 100 });
  t.equal((await callFrom(target, a, 'call-answered-caller-hangs-up.xml', '984951234567')).code, 0, 'out through the trunk');
  t.equal((await provider).code, 0);
  // The trunk calls in: 102 answers.
  const inbound = await sipp('trunk-call-in-answered.xml', { target, port: trunkPort, keys: { caller: '+79031234567', dialled: '74950001122' }, pauseMs: 200 });
  t.equal(inbound.code, 0, inbound.errors);
  t.equal((await phone).code, 0, 'the phone took both calls');

  const token = (await runCli(['token', 'create', '--role', 'integration', '--name', 'lab-test'], { env })).stdout.trim();
  const api = `http://127.0.0.1:${apiPort}`;
  const history = async (phoneNumber: string) => {
    const found = (await (await fetch(`${api}/api/v1/clients?q=${encodeURIComponent(phoneNumber)}`, { headers: { authorization: `Bearer ${token}` } })).json()) as { items: Array<{ id: string }> };
    if (found.items.length !== 1) return [];
    return ((await (await fetch(`${api}/api/v1/clients/${found.items[0]!.id}/history`, { headers: { authorization: `Bearer ${token}` } })).json()) as { items: unknown[] }).items;
  };
  await waitFor(async () => (await history('+74951234567')).length === 1 && (await history('+79031234567')).length === 1, 5000, 'both histories');
  t.match(await history('+74951234567'), [{ kind: 'call', direction: 'out', payload: { extension: '101', outcome: 'answered' } }]);
  t.match(await history('+79031234567'), [{ kind: 'call', direction: 'in', payload: { extension: '102', outcome: 'answered' } }]);
});

t.test('lab mode challenges with the configured sip.auth.algorithms, not its own', async (t) => {
  const dir = await tempDir(t);
  const sipPort = await freePort();
  const cfg = path.join(dir, 'config.yaml');
  await writeFile(cfg, YAML.stringify({ extensions: EXTENSIONS, sip: { auth: { algorithms: ['SHA-256'] } }, log: { level: 'warn' } }));
  const env = { PATH: process.env.PATH ?? '', DRACHTIO_BIN: drachtioBinary(), SWITCHBOARD_CONFIG: cfg, SWITCHBOARD_DATA_DIR: dir, SWITCHBOARD_LISTEN: `127.0.0.1:${await freePort()}` };
  const output = await labWithoutMedia(t, sipPort, env);
  t.match(output, /digest: SHA-256 \(sip\.auth\.algorithms\)/);
  const phone = await UdpPhone.open(sipPort);
  t.teardown(() => phone.close());
  const reply = await phone.registerAndWait({ user: '101', callId: 'lab-alg', cseq: 1 });
  t.same(reply?.header('WWW-Authenticate').map((v) => challengeFields(v).algorithm), ['SHA-256'], 'only what the config says');
});
