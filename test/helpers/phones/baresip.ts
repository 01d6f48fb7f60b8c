import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Test } from 'tap';
import { freePort } from '../../../sip/drachtio/free-port.js';
import { waitFor } from '../sip.js';
import type { PhoneAccount } from './account.js';

/** One event or response from baresip's ctrl_tcp module (netstring-framed JSON). */
export interface BaresipMessage {
  event?: boolean;
  response?: boolean;
  ok?: boolean;
  class?: string;
  type?: string;
  param?: string;
  data?: string;
  token?: string;
  peeruri?: string;
  id?: string;
}

export function baresipBinary(): string {
  const r = spawnSync('sh', ['-c', 'command -v baresip'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error('baresip is missing: apt-get install baresip-core (scripts/install-test-deps.sh installs it)');
  return r.stdout.trim();
}

/**
 * Debian 12's baresip (1.0.0 on libre 1.1.0) as a headless phone: it plays a
 * WAV file as its microphone (aufile), throws what it would play away
 * (aubridge), and the sndfile filter writes what it received to
 * `dump-...-dec.wav`. It is driven and watched over ctrl_tcp. It binds to
 * 127.0.0.1 by address: 1.0 takes `lo` for no interface at all.
 */
export class Baresip {
  readonly events: BaresipMessage[] = [];
  private buffer = Buffer.alloc(0);
  private tokens = 0;

  private constructor(
    readonly child: ChildProcess,
    readonly dir: string,
    private readonly ctrl: Socket,
    private readonly log: { text: string },
  ) {
    ctrl.on('data', (b: Buffer) => this.read(b));
  }

  /**
   * `mediaenc` (with the srtp module): SDES SRTP, RFC 4568; `srtp-mand` offers RTP/SAVP and accepts nothing
   * else, `srtp` offers it inside RTP/AVP. `cafile`: the certificate a TLS account trusts (sip_cafile).
   */
  static async start(t: Test, o: { target: string; account: PhoneAccount; tone: string; autoAnswer?: boolean; sipTrace?: boolean; mediaenc?: 'srtp' | 'srtp-mand'; cafile?: string }): Promise<Baresip> {
    const dir = mkdtempSync(path.join(tmpdir(), 'swb-baresip-'));
    const [sipPort, ctrlPort] = [await freePort(), await freePort()];
    const config = [
      'poll_method epoll',
      `sip_listen 127.0.0.1:${sipPort}`,
      'net_interface 127.0.0.1',
      'audio_player aubridge,sink',
      'audio_alert aubridge,sink',
      `audio_source aufile,${o.tone}`,
      'module_path /usr/lib/baresip/modules',
      ...['g711.so', 'aufile.so', 'aubridge.so', 'sndfile.so', 'ctrl_tcp.so', ...(o.mediaenc ? ['srtp.so'] : [])].map((m) => `module ${m}`),
      ...(o.cafile ? [`sip_cafile ${o.cafile}`] : []),
      `snd_path ${dir}`,
      `ctrl_tcp_listen 127.0.0.1:${ctrlPort}`,
      'module_app account.so',
      'module_app menu.so',
      '',
    ];
    writeFileSync(path.join(dir, 'config'), config.join('\n'));
    const { number, password, transport } = o.account;
    const params = [`auth_pass=${password}`, 'regint=600', ...(o.autoAnswer ? ['answermode=auto'] : []), ...(o.mediaenc ? [`mediaenc=${o.mediaenc}`] : [])];
    writeFileSync(path.join(dir, 'accounts'), `<sip:${number}@${o.target};transport=${transport}>;${params.join(';')}\n`, { mode: 0o600 });
    const child = spawn(baresipBinary(), ['-f', dir, ...(o.sipTrace ? ['-s'] : [])], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    const log = { text: '' };
    child.stdout!.on('data', (b: Buffer) => (log.text += b.toString()));
    child.stderr!.on('data', (b: Buffer) => (log.text += b.toString()));
    t.teardown(async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await once(child, 'exit');
      }
      if (process.env.SWB_SIP_DEBUG) console.error(log.text);
      rmSync(dir, { recursive: true, force: true });
    });
    let ctrl: Socket | null = null;
    await waitFor(async () => {
      if (child.exitCode !== null) throw new Error(`baresip exited ${child.exitCode}: ${log.text}`);
      ctrl = await connect(ctrlPort);
      return ctrl !== null;
    }, 10_000, `baresip's ctrl_tcp on ${ctrlPort}`);
    return new Baresip(child, dir, ctrl!, log);
  }

  async command(command: string, params = ''): Promise<BaresipMessage> {
    const token = String(++this.tokens);
    const body = Buffer.from(JSON.stringify({ command, params, token }));
    this.ctrl.write(Buffer.concat([Buffer.from(`${body.length}:`), body, Buffer.from(',')]));
    let reply: BaresipMessage | undefined;
    await waitFor(() => (reply = this.events.find((m) => m.response && m.token === token)) !== undefined, 10_000, `baresip's answer to ${command}`);
    return reply!;
  }

  get output(): string {
    return this.log.text;
  }

  /** Its registration's 200, as baresip logs it (it may come before ctrl_tcp is connected, so not as an event). */
  async registered(timeoutMs = 15_000): Promise<void> {
    await waitFor(() => /\{0\/(UDP|TCP|TLS)\/v4\} 200 OK/.test(this.log.text), timeoutMs, `baresip to register: ${this.log.text.slice(-1500)}`);
  }

  /** Resolves with the first event of this type (seen before or after the call). */
  async event(type: string, timeoutMs = 15_000): Promise<BaresipMessage> {
    let found: BaresipMessage | undefined;
    await waitFor(() => (found = this.events.find((m) => m.event && m.type === type)) !== undefined, timeoutMs, `baresip event ${type}; seen ${this.events.map((e) => e.type).join(', ')}; output: ${this.output.slice(-1500)}`);
    return found!;
  }

  /** The WAV of what this phone received on its last call (the sndfile filter's decode side). */
  receivedWav(): string {
    return this.receivedWavs().at(-1)!;
  }

  /** Every received-audio WAV, oldest first: baresip starts a new one each time a re-INVITE restarts its audio. */
  receivedWavs(): string[] {
    const files = readdirSync(this.dir).filter((f) => f.endsWith('-dec.wav')).sort();
    if (!files.length) throw new Error(`baresip wrote no received audio in ${this.dir}`);
    return files.map((f) => path.join(this.dir, f));
  }

  private read(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const colon = this.buffer.indexOf(':');
      if (colon < 0) return;
      const len = Number(this.buffer.subarray(0, colon).toString());
      if (this.buffer.length < colon + 1 + len + 1) return;
      this.events.push(JSON.parse(this.buffer.subarray(colon + 1, colon + 1 + len).toString()) as BaresipMessage);
      this.buffer = this.buffer.subarray(colon + 2 + len);
    }
  }
}

function connect(port: number): Promise<Socket | null> {
  return new Promise((resolve) => {
    const s = createConnection({ host: '127.0.0.1', port });
    s.once('connect', () => resolve(s));
    s.once('error', () => resolve(null));
  });
}
