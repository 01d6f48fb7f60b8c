import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '../appliance/config/schema.js';
import { SwitchboardError } from '../common/errors.js';
import { freePort } from '../sip/drachtio/free-port.js';
import { missingFreeswitchMessage, startFreeswitch } from './media/freeswitch/server-process.js';
import { missingAsteriskMessage, startAsterisk } from './media/asterisk/server-process.js';

export type LabMediaKind = 'freeswitch' | 'asterisk' | 'none';
export const LAB_MEDIA_KINDS: readonly LabMediaKind[] = ['freeswitch', 'asterisk', 'none'];

/** The lab's media server: the appliance's `media:` section for it, and how to stop it. */
export interface LabMedia {
  kind: LabMediaKind;
  /** The `media:` section to run the appliance with (the configured one for `none`). */
  config: Config['media'];
  /** The media server's SIP port on 127.0.0.1, null for `none`. */
  sipPort: number | null;
  /** Its control link, for the error when the appliance cannot reach it. */
  link: string;
  stop(): Promise<void>;
}

const PEERS = {
  freeswitch: { name: 'FreeSWITCH', envVar: 'FREESWITCH_PREFIX', binary: ['bin', 'freeswitch'], missing: missingFreeswitchMessage },
  asterisk: { name: 'Asterisk', envVar: 'ASTERISK_PREFIX', binary: ['sbin', 'asterisk'], missing: missingAsteriskMessage },
} as const;

/** The repo (or install) root: the nearest folder above this file holding package.json (works from sip/ and dist/sip/). */
function rootDir(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
  return dir;
}

/** Where the lab looks for the media server: FREESWITCH_PREFIX / ASTERISK_PREFIX, else <repo>/../shared/peers/<kind>. */
export function labMediaCandidate(kind: Exclude<LabMediaKind, 'none'>, env: NodeJS.ProcessEnv): string {
  const set = env[PEERS[kind].envVar];
  return set ? path.resolve(set) : path.resolve(rootDir(), '..', 'shared', 'peers', kind);
}

export function missingLabMediaMessage(kind: Exclude<LabMediaKind, 'none'>, env: NodeJS.ProcessEnv): string {
  const peer = PEERS[kind];
  const unset = env[peer.envVar] ? '' : `(${peer.envVar} is not set.) `;
  return `${peer.missing(labMediaCandidate(kind, env))} ${unset}Or run switchboard lab --media ${kind === 'asterisk' ? 'freeswitch' : 'asterisk'} (the other media server), or --media none (--no-media): calls then go phone to phone, unrecorded.`;
}

/** The installed prefix of the media server, or SWB_ERR_PEER_MISSING naming the variable and the way round; null for `none`. */
export function labMediaPrefix(kind: LabMediaKind, env: NodeJS.ProcessEnv): string | null {
  if (kind === 'none') return null;
  const prefix = labMediaCandidate(kind, env);
  if (!existsSync(path.join(prefix, ...PEERS[kind].binary))) throw new SwitchboardError('SWB_ERR_PEER_MISSING', missingLabMediaMessage(kind, env));
  return prefix;
}

/** A random even RTP range: two labs (or a lab and the tests) must not share RTP ports. */
function rtpRange(): { rtpStartPort: number; rtpEndPort: number } {
  const rtpStartPort = 20000 + 2 * Math.floor(Math.random() * 10000);
  return { rtpStartPort, rtpEndPort: rtpStartPort + 400 };
}

/** Starts the chosen media server on loopback (generated config under workDir) and returns the matching `media:` section. */
export async function startLabMedia(kind: LabMediaKind, o: { env: NodeJS.ProcessEnv; base: Config['media']; workDir: string }): Promise<LabMedia> {
  const prefix = labMediaPrefix(kind, o.env);
  if (kind === 'none' || !prefix) return { kind: 'none', config: { ...o.base, backend: 'none' }, sipPort: null, link: '', stop: async () => {} };
  const sipPort = await freePort();
  const controlPort = await freePort();
  const secret = randomBytes(12).toString('hex');
  // Short reconnect delays: the lab waits for the link before it prints that it is ready.
  const link = { host: '127.0.0.1', port: controlPort, reconnectMinMs: 200, reconnectMaxMs: 2000 };
  const sip = { host: '127.0.0.1', port: sipPort };
  if (kind === 'freeswitch') {
    const fs = await startFreeswitch({ prefix, workDir: path.join(o.workDir, 'freeswitch'), eslPort: controlPort, eslPassword: secret, sipPort, ...rtpRange() });
    return {
      kind,
      config: { ...o.base, backend: 'freeswitch', freeswitch: { esl: { ...link, password: secret }, sip } },
      sipPort,
      link: `the lab FreeSWITCH's event socket on 127.0.0.1:${controlPort}`,
      stop: () => fs.process.stop('SIGTERM', 3000).then(() => undefined),
    };
  }
  const username = 'switchboard';
  const ast = await startAsterisk({ prefix, workDir: path.join(o.workDir, 'asterisk'), amiPort: controlPort, amiUser: username, amiSecret: secret, sipPort, ...rtpRange() });
  return {
    kind,
    config: { ...o.base, backend: 'asterisk', asterisk: { ami: { ...link, username, secret }, sip } },
    sipPort,
    link: `the lab Asterisk's manager interface (AMI) on 127.0.0.1:${controlPort}`,
    stop: () => ast.process.stop('SIGTERM', 3000).then(() => undefined),
  };
}
