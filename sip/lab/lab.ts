import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { loadConfig } from '../../appliance/config/load.js';
import type { Config } from '../../appliance/config/schema.js';
import { createLogger } from '../../appliance/log.js';
import { build, type Appliance } from '../../appliance/app.js';
import { SwitchboardError } from '../../appliance/errors.js';
import { DrachtioServerProcess, findDrachtioBinary, missingDrachtioMessage } from '../drachtio/server-process.js';
import { freePort } from '../drachtio/free-port.js';
import type { ExtensionConfig } from '../config.js';
import { startFreeswitch, type RunningFreeswitch } from '../media/freeswitch/server-process.js';
import { labFreeswitchPrefix, missingLabFreeswitchMessage } from './lab-media.js';

export interface LabOptions {
  sipPort: number;
  /** Start FreeSWITCH too and record every extension's calls (default true); `--no-media` sets false. */
  media?: boolean;
  env?: NodeJS.ProcessEnv;
  out?: (line: string) => void;
}

export interface Lab {
  app: Appliance;
  drachtio: DrachtioServerProcess;
  /** The lab's FreeSWITCH, null with --no-media. */
  freeswitch: RunningFreeswitch | null;
  apiUrl: string;
  stop(): Promise<void>;
}

/**
 * `switchboard lab`: drachtio-server on loopback with a generated config, and
 * the appliance wired to it, so a person can register SIPp or baresip, call
 * between extensions and out through a trunk, and see the calls in the
 * history. Everything stays on 127.0.0.1. The configuration file (if any)
 * supplies extensions and trunks; without extensions, three lab ones are made
 * up with fresh passwords and printed.
 */
export async function startLab(opts: LabOptions): Promise<Lab> {
  const env = opts.env ?? process.env;
  const out = opts.out ?? ((l: string) => process.stdout.write(`${l}\n`));
  const binary = findDrachtioBinary({ env });
  if (!binary) throw new SwitchboardError('SWB_ERR_PEER_MISSING', missingDrachtioMessage(env.DRACHTIO_BIN ? [env.DRACHTIO_BIN, 'drachtio on PATH'] : ['DRACHTIO_BIN (not set)', 'drachtio on PATH']));

  const withMedia = opts.media ?? true;
  const fsPrefix = withMedia ? labFreeswitchPrefix(env) : null;
  if (withMedia && !fsPrefix) throw new SwitchboardError('SWB_ERR_PEER_MISSING', missingLabFreeswitchMessage(env));

  const base = loadConfig({ env });
  const extensions: ExtensionConfig[] = (base.extensions.length ? base.extensions : labExtensions()).map((e) => (withMedia ? { ...e, record: true } : e));
  const media = fsPrefix ? { eslPort: await freePort(), sipPort: await freePort(), eslPassword: randomBytes(12).toString('hex') } : null;
  const adminPort = await freePort();
  const secret = randomBytes(18).toString('base64url');
  const config: Config = {
    ...base,
    extensions,
    sip: {
      ...base.sip,
      enabled: true,
      drachtio: { ...base.sip.drachtio, host: '127.0.0.1', port: adminPort, secret, tls: null },
      // SIPp 3.6 computes MD5 only and takes the first challenge it is given: MD5 first in the lab.
      auth: { ...base.sip.auth, algorithms: ['MD5', 'SHA-256'] },
    },
    ...(media
      ? {
          media: {
            ...base.media,
            backend: 'freeswitch' as const,
            freeswitch: {
              esl: { ...base.media.freeswitch.esl, host: '127.0.0.1', port: media.eslPort, password: media.eslPassword, reconnectMinMs: 200, reconnectMaxMs: 2000 },
              sip: { host: '127.0.0.1', port: media.sipPort },
            },
          },
        }
      : {}),
  };
  let freeswitch: RunningFreeswitch | null = null;
  if (media && fsPrefix) {
    const rtpStartPort = 20000 + 2 * Math.floor(Math.random() * 10000);
    freeswitch = await startFreeswitch({ prefix: fsPrefix, workDir: path.resolve(config.dataDir, 'lab', 'freeswitch'), eslPort: media.eslPort, eslPassword: media.eslPassword, sipPort: media.sipPort, rtpStartPort, rtpEndPort: rtpStartPort + 400 });
  }
  const stopFreeswitch = async (): Promise<void> => {
    await freeswitch?.process.stop('SIGTERM', 3000);
  };
  let drachtio: DrachtioServerProcess;
  try {
    drachtio = await DrachtioServerProcess.start({
    binary,
    workDir: path.join(config.dataDir, 'lab'),
    adminHost: '127.0.0.1',
    adminPort,
    secret,
    contacts: [`sip:127.0.0.1:${opts.sipPort};transport=udp`, `sip:127.0.0.1:${opts.sipPort};transport=tcp`],
    spammerUserAgents: config.sip.protection.scannerUserAgents,
    });
  } catch (err) {
    await stopFreeswitch();
    throw err;
  }
  let app: Appliance;
  try {
    app = await build({ config, logger: createLogger({ level: config.log.level }) });
  } catch (err) {
    await drachtio.stop();
    await stopFreeswitch();
    throw err;
  }
  const apiUrl = await app.listen();
  const deadline = Date.now() + 10_000;
  while (!app.sip.connection.connected) {
    if (Date.now() > deadline) {
      await app.close();
      await drachtio.stop();
      await stopFreeswitch();
      throw new SwitchboardError('SWB_ERR_SIP_UNAVAILABLE', `the appliance did not connect to the lab drachtio-server on 127.0.0.1:${adminPort}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  if (media) {
    const deadline = Date.now() + 10_000;
    while (app.media?.readiness() !== 'ok') {
      if (Date.now() > deadline) {
        await app.close();
        await drachtio.stop();
        await stopFreeswitch();
        throw new SwitchboardError('SWB_ERR_MEDIA_UNAVAILABLE', `the appliance did not connect to the lab FreeSWITCH's event socket on 127.0.0.1:${media.eslPort}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  for (const line of banner(config, opts.sipPort, apiUrl, base.extensions.length === 0, media ? media.sipPort : null)) out(line);
  return {
    app,
    drachtio,
    freeswitch,
    apiUrl,
    async stop() {
      await app.close();
      await drachtio.stop();
      await stopFreeswitch();
    },
  };
}

function labExtensions(): ExtensionConfig[] {
  return ['101', '102', '103'].map((number, i) => ({
    number,
    password: randomBytes(9).toString('base64url'),
    name: ['Lab Anna', 'Lab Boris', 'Lab Vera'][i]!,
    department: i < 2 ? 'lab' : null,
    record: false,
    announce: false,
  }));
}

function banner(config: Config, sipPort: number, apiUrl: string, madeUp: boolean, fsSipPort: number | null): string[] {
  const target = `127.0.0.1:${sipPort}`;
  const lines = [
    `switchboard lab: SIP on udp and tcp ${target} (drachtio-server), API on ${apiUrl}`,
    fsSipPort === null
      ? 'media: none (--no-media): calls go phone to phone, nothing is recorded'
      : `media: FreeSWITCH on 127.0.0.1:${fsSipPort}; every extension is recorded (record: true), recordings in ${path.resolve(config.dataDir, 'recordings')} and GET /api/v1/calls/:id/recording`,
    'extensions' + (madeUp ? ' (made up for this lab run; put your own under extensions: in SWITCHBOARD_CONFIG)' : '') + ':',
    ...config.extensions.map((e) => `  ${e.number}  password ${typeof e.password === 'string' ? e.password : '(from the configuration)'}  ${e.name}`),
    ...config.trunks.map((t) => `trunk ${t.id}: ${t.host}:${t.port}; dial ${t.prefix} then the number; inbound calls ring ${t.inbound}`),
    'try:',
    `  baresip: add <sip:101@${target};transport=udp>;auth_pass=PASSWORD to ~/.baresip/accounts, then "/dial 102"`,
    `  sipp -sf test/fixtures/sipp/register-contact.xml ${target} -s 102 -au 102 -ap PASSWORD -key contact_port 5072 -m 1 -i 127.0.0.1`,
    `  sipp -sf test/fixtures/sipp/phone-answers.xml ${target} -s 102 -p 5072 -i 127.0.0.1 -d 2000   (102 answers)`,
    `  sipp -sf test/fixtures/sipp/call-answered-caller-hangs-up.xml ${target} -s 101 -au 101 -ap PASSWORD -key dialled 102 -d 3000 -m 1 -i 127.0.0.1`,
    'calls appear in GET /api/v1/calls and, for external numbers, in the client history. Ctrl-C stops the lab.',
    'switchboard lab ready',
  ];
  return lines;
}
