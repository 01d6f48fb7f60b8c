import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Test } from 'tap';
import { freePort } from '../../../sip/drachtio/free-port.js';
import { waitFor } from '../sip.js';
import type { PhoneAccount } from './account.js';

export function linphonecBinary(): string {
  const r = spawnSync('sh', ['-c', 'command -v linphonec'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error('linphonec is missing: apt-get install linphone-cli (scripts/install-test-deps.sh installs it)');
  return r.stdout.trim();
}

/**
 * Debian 12's linphonec (liblinphone 5.1, belle-sip) as a headless phone,
 * driven on its standard input. `soundcard use files` swaps the sound card
 * for WAV files: `play` is what it sends, `record` what it receives. It only
 * opens its SIP ports once its core is "On", which needs a writable
 * ~/.local/share/linphone for its database: HOME is the phone's own folder.
 */
export class Linphone {
  private constructor(
    readonly child: ChildProcess,
    readonly dir: string,
    private readonly log: { text: string },
  ) {}

  get output(): string {
    return this.log.text;
  }

  /** Its own log (-d 6): every SIP message it sent and received, among the rest. */
  get sipLog(): string {
    return readFileSync(path.join(this.dir, 'linphone.log'), 'utf8');
  }

  get receivedWav(): string {
    return path.join(this.dir, 'received.wav');
  }

  static async start(t: Test, o: { target: string; account: PhoneAccount; tone: string; autoAnswer?: boolean }): Promise<Linphone> {
    const dir = mkdtempSync(path.join(tmpdir(), 'swb-linphone-'));
    mkdirSync(path.join(dir, '.local', 'share', 'linphone'), { recursive: true });
    const [udp, tcp] = [await freePort(), await freePort()];
    const rtp = 2 * Math.floor((await freePort()) / 2);
    const { number, password, transport } = o.account;
    const rc = [
      '[sip]',
      `sip_port=${udp}`,
      `sip_tcp_port=${tcp}`,
      'sip_tls_port=0',
      'default_proxy=0',
      'register_only_when_network_is_up=0',
      '[rtp]',
      `audio_rtp_port=${rtp}`,
      '[sound]',
      'echocancellation=0',
      '[video]',
      'display=0',
      'capture=0',
      'automatically_initiate=0',
      'automatically_accept=0',
      '[proxy_0]',
      `reg_proxy=<sip:${o.target};transport=${transport}>`,
      `reg_identity=sip:${number}@${o.target.split(':')[0]}`,
      'reg_expires=600',
      'reg_sendregister=1',
      'publish=0',
      '[auth_info_0]',
      `username=${number}`,
      `passwd=${password}`,
      '',
    ];
    const rcFile = path.join(dir, 'linphonerc');
    writeFileSync(rcFile, rc.join('\n'), { mode: 0o600 });
    const args = ['-c', rcFile, '-d', '6', '-l', path.join(dir, 'linphone.log'), ...(o.autoAnswer ? ['-a'] : [])];
    const child = spawn(linphonecBinary(), args, { cwd: dir, env: { ...process.env, HOME: dir }, stdio: ['pipe', 'pipe', 'pipe'] });
    const log = { text: '' };
    child.stdout!.on('data', (b: Buffer) => (log.text += b.toString()));
    child.stderr!.on('data', (b: Buffer) => (log.text += b.toString()));
    t.teardown(async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.stdin!.write('quit\n');
        const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
        await once(child, 'exit');
        clearTimeout(timer);
      }
      if (process.env.SWB_SIP_DEBUG) console.error(log.text);
      rmSync(dir, { recursive: true, force: true });
    });
    const phone = new Linphone(child, dir, log);
    phone.send('soundcard use files');
    phone.send(`play ${o.tone}`);
    phone.send(`record ${phone.receivedWav}`);
    return phone;
  }

  send(line: string): void {
    this.child.stdin!.write(`${line}\n`);
  }

  async registered(timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!/\|\s*LinphoneRegistrationOk/.test(this.log.text)) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for linphonec to register: ${this.log.text.slice(-1500)}`);
      this.send('states');
      await new Promise((r) => setTimeout(r, 300));
    }
  }

  /** Waits for a line of linphonec's own output, e.g. /connected/. */
  async saw(re: RegExp, timeoutMs = 15_000): Promise<void> {
    await waitFor(() => re.test(this.log.text), timeoutMs, `linphonec to print ${re}: ${this.log.text.slice(-1500)}`);
  }
}
