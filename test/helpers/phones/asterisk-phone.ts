import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Test } from 'tap';
import { randomBytes } from 'node:crypto';
import { startAsterisk, type RunningAsterisk } from '../../../lab/media/asterisk/server-process.js';
import { freePort } from '../../../sip/drachtio/free-port.js';
import { asteriskPrefix } from '../asterisk.js';
import { waitFor } from '../sip.js';
import type { PhoneAccount } from './account.js';

/**
 * Asterisk 22's PJSIP (pjproject 2.17) as a phone of the box: an outbound
 * registration with digest credentials, an endpoint that sends calls to the
 * box and takes calls from it. Each call plays `tone` and records what it
 * receives (MixMonitor's `r()` file: the read direction only).
 */
export class AsteriskPhone {
  private constructor(
    readonly asterisk: RunningAsterisk,
    readonly dir: string,
    private readonly prefix: string,
  ) {}

  get receivedWav(): string {
    return path.join(this.dir, 'received.wav');
  }

  static async start(t: Test, o: { target: string; account: PhoneAccount; tone: string }): Promise<AsteriskPhone> {
    const prefix = asteriskPrefix();
    const dir = mkdtempSync(path.join(tmpdir(), 'swb-ast-phone-'));
    const [amiPort, sipPort] = [await freePort(), await freePort()];
    const rtpStartPort = 20000 + 2 * Math.floor(Math.random() * 10000);
    const { number, password, transport } = o.account;
    const server = `sip:${o.target}${transport === 'tcp' ? ';transport=tcp' : ''}`;
    const pjsip = [
      `[phone-transport]`,
      'type = transport',
      `protocol = ${transport}`,
      `bind = 127.0.0.1:${sipPort}`,
      '[box-auth]',
      'type = auth',
      'auth_type = userpass',
      `username = ${number}`,
      `password = ${password}`,
      '[box-reg]',
      'type = registration',
      'transport = phone-transport',
      'outbound_auth = box-auth',
      `server_uri = ${server}`,
      `client_uri = sip:${number}@${o.target}`,
      `contact_user = ${number}`,
      'retry_interval = 2',
      'expiration = 600',
      '[box]',
      'type = aor',
      `contact = ${server}`,
      '[box]',
      'type = endpoint',
      'transport = phone-transport',
      'context = phone',
      'outbound_auth = box-auth',
      'aors = box',
      `from_user = ${number}`,
      'disallow = all',
      'allow = ulaw,alaw',
      'direct_media = no',
      'rtp_symmetric = yes',
      '[box-identify]',
      'type = identify',
      'endpoint = box',
      'match = 127.0.0.1',
      '',
    ];
    const tone = o.tone.replace(/\.wav$/, '');
    const dialplan = [
      '[general]',
      'static = yes',
      '[phone]',
      `exten => talk,1,MixMonitor(${dir}/both.wav,r(${dir}/received.wav))`,
      ` same => n,Playback(${tone})`,
      ' same => n,Hangup()',
      // A call from the box is answered whatever number it was addressed to.
      'exten => _X.,1,Answer()',
      ' same => n,Goto(talk,1)',
      '',
    ];
    const asterisk = await startAsterisk({
      prefix,
      workDir: dir,
      amiPort,
      amiUser: 'phone',
      amiSecret: randomBytes(12).toString('hex'),
      sipPort,
      rtpStartPort,
      rtpEndPort: rtpStartPort + 100,
      files: { 'pjsip.conf': pjsip.join('\n'), 'extensions.conf': dialplan.join('\n') },
    });
    t.teardown(async () => {
      await asterisk.process.stop('SIGTERM', 2000);
      rmSync(dir, { recursive: true, force: true });
    });
    return new AsteriskPhone(asterisk, dir, prefix);
  }

  /** `asterisk -rx`: a command on the running Asterisk's console. */
  cli(command: string): string {
    const r = spawnSync(path.join(this.prefix, 'sbin', 'asterisk'), ['-C', path.join(this.dir, 'etc', 'asterisk.conf'), '-rx', command], { encoding: 'utf8' });
    return r.stdout + r.stderr;
  }

  async registered(timeoutMs = 15_000): Promise<void> {
    await waitFor(() => /box-reg\/\S+\s+box-auth\s+Registered/.test(this.cli('pjsip show registrations')), timeoutMs, `Asterisk to register: ${this.cli('pjsip show registrations')}`);
  }

  /** Calls `number` through the box; once answered the call plays the tone and records what comes back. */
  dial(number: string): void {
    this.cli(`channel originate PJSIP/${number}@box extension talk@phone`);
  }
}
