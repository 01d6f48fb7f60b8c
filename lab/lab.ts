import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { loadConfig } from '../appliance/config/load.js';
import type { Config } from '../appliance/config/schema.js';
import { createLogger } from '../common/log.js';
import { build, type Appliance } from '../appliance/app.js';
import { SwitchboardError } from '../common/errors.js';
import { DrachtioServerProcess, findDrachtioBinary, missingDrachtioMessage } from './drachtio/server-process.js';
import { freePort } from '../sip/drachtio/free-port.js';
import type { ExtensionConfig, TrunkConfig } from '../sip/config.js';
import { labMediaPrefix, startLabMedia, type LabMedia, type LabMediaKind } from './lab-media.js';
import { loadSipTls } from '../appliance/sip-tls.js';
import { sipTlsContact } from './drachtio/server-process.js';

export interface LabOptions {
  sipPort: number;
  /** The media server that anchors and records every extension's calls (default freeswitch); `none` keeps media phone to phone. */
  media?: LabMediaKind;
  env?: NodeJS.ProcessEnv;
  out?: (line: string) => void;
}

export interface Lab {
  app: Appliance;
  drachtio: DrachtioServerProcess;
  media: LabMedia;
  apiUrl: string;
  stop(): Promise<void>;
}

/**
 * `switchboard lab`: drachtio-server on loopback with a generated config, a
 * media server (FreeSWITCH or Asterisk) recording every extension, and the
 * appliance wired to them, so a person can register SIPp or baresip, call
 * between extensions, in from and out through a trunk, and see the calls and
 * recordings in the history. Everything stays on 127.0.0.1. The configuration
 * file (if any) supplies extensions and trunks; without extensions, three lab
 * ones are made up with fresh passwords and printed; without trunks, a lab
 * provider trunk on a free loopback port is added for SIPp to call from.
 */
export async function startLab(opts: LabOptions): Promise<Lab> {
  const env = opts.env ?? process.env;
  const out = opts.out ?? ((l: string) => process.stdout.write(`${l}\n`));
  const binary = findDrachtioBinary({ env });
  if (!binary) throw new SwitchboardError('SWB_ERR_PEER_MISSING', missingDrachtioMessage(env.DRACHTIO_BIN ? [env.DRACHTIO_BIN, 'drachtio on PATH'] : ['DRACHTIO_BIN (not set)', 'drachtio on PATH']));
  const kind = opts.media ?? 'freeswitch';
  // Fail on a missing media server before anything is started.
  labMediaPrefix(kind, env);

  const base = loadConfig({ env });
  const recordAll = kind !== 'none';
  const extensions: ExtensionConfig[] = (base.extensions.length ? base.extensions : labExtensions()).map((e) => (recordAll ? { ...e, record: true } : e));
  const trunks = base.trunks.length ? base.trunks : [labTrunk(await freePort(), extensions, recordAll)];
  const adminPort = await freePort();
  const secret = randomBytes(18).toString('base64url');
  const media = await startLabMedia(kind, { env, base: base.media, workDir: path.resolve(base.dataDir, 'lab') });
  const config: Config = {
    ...base,
    extensions,
    trunks,
    media: media.config,
    sip: {
      ...base.sip,
      enabled: true,
      drachtio: { ...base.sip.drachtio, host: '127.0.0.1', port: adminPort, secret, tls: null },
    },
  };
  // sip.tls from the configuration: drachtio-server also listens for SIP over TLS on loopback, with that pair
  // (made now in DATADIR/sip-tls when it is self-signed, so drachtio-server has it before it starts).
  const sipTls = await loadSipTls(config, { create: true });
  const stopped: Array<() => Promise<void>> = [() => media.stop()];
  const unwind = async (): Promise<void> => {
    for (const stop of [...stopped].reverse()) await stop();
  };
  try {
    const drachtio = await DrachtioServerProcess.start({
      binary,
      workDir: path.join(config.dataDir, 'lab'),
      adminHost: '127.0.0.1',
      adminPort,
      secret,
      contacts: [`sip:127.0.0.1:${opts.sipPort};transport=udp`, `sip:127.0.0.1:${opts.sipPort};transport=tcp`],
      spammerUserAgents: config.sip.protection.scannerUserAgents,
      ...(sipTls ? { sipTls: { host: '127.0.0.1', port: sipTls.port, certFile: sipTls.certFile, keyFile: sipTls.keyFile } } : {}),
    });
    stopped.push(() => drachtio.stop());
    const app = await build({ config, logger: createLogger({ level: config.log.level }) });
    stopped.push(() => app.close());
    const apiUrl = await app.listen();
    await until(() => app.sip.connection.connected, 'SWB_ERR_SIP_UNAVAILABLE', `the appliance did not connect to the lab drachtio-server on 127.0.0.1:${adminPort}`);
    if (kind !== 'none') await until(() => app.media?.readiness() === 'ok', 'SWB_ERR_MEDIA_UNAVAILABLE', `the appliance did not connect to ${media.link}`);
    for (const line of banner(config, opts.sipPort, apiUrl, base.extensions.length === 0, media)) out(line);
    if (sipTls) out(`SIP over TLS: ${sipTlsContact({ host: '127.0.0.1', port: sipTls.port })} (sip.tls; certificate ${sipTls.certFile}); baresip: <sip:101@127.0.0.1:${sipTls.port};transport=tls>;auth_pass=PASSWORD;mediaenc=srtp-mand with sip_cafile ${sipTls.certFile}`);
    return { app, drachtio, media, apiUrl, stop: unwind };
  } catch (err) {
    await unwind();
    throw err;
  }
}

async function until(ok: () => boolean, code: 'SWB_ERR_SIP_UNAVAILABLE' | 'SWB_ERR_MEDIA_UNAVAILABLE', message: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!ok()) {
    if (Date.now() > deadline) throw new SwitchboardError(code, message);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A provider on 127.0.0.1:port (SIPp sending from that port is taken for it): inbound calls ring the second extension. */
function labTrunk(port: number, extensions: ExtensionConfig[], record: boolean): TrunkConfig {
  const inbound = (extensions[1] ?? extensions[0])?.number ?? '102';
  return { id: 'lab-provider', host: '127.0.0.1', port, transport: 'udp', inbound, prefix: '9', callerId: null, registerExpires: 600, record, announce: false };
}

function labExtensions(): ExtensionConfig[] {
  return ['101', '102', '103'].map((number, i) => ({
    number,
    password: randomBytes(9).toString('base64url'),
    name: ['Lab Anna', 'Lab Boris', 'Lab Vera'][i]!,
    department: i < 2 ? 'lab' : null,
    record: false,
    announce: false,
    transport: 'any' as const,
  }));
}

function banner(config: Config, sipPort: number, apiUrl: string, madeUp: boolean, media: LabMedia): string[] {
  const target = `127.0.0.1:${sipPort}`;
  const name = media.kind === 'asterisk' ? 'Asterisk' : 'FreeSWITCH';
  const provider = config.trunks.find((t) => t.host === '127.0.0.1');
  return [
    `switchboard lab: SIP on udp and tcp ${target} (drachtio-server), API on ${apiUrl}`,
    media.kind === 'none'
      ? 'media: none (--media none): calls go phone to phone, nothing is recorded'
      : `media: ${name} on 127.0.0.1:${media.sipPort} (--media ${media.kind}); every extension is recorded (record: true), recordings in ${path.resolve(config.dataDir, 'recordings')} and GET /api/v1/calls/:id/recording`,
    `digest: ${config.sip.auth.algorithms.join(', ')} (sip.auth.algorithms)${config.sip.auth.sha256UserAgents.length ? `; SHA-256 first for user agents ${config.sip.auth.sha256UserAgents.join(', ')}` : ''}`,
    'extensions' + (madeUp ? ' (made up for this lab run; put your own under extensions: in SWITCHBOARD_CONFIG)' : '') + ':',
    ...config.extensions.map((e) => `  ${e.number}  password ${typeof e.password === 'string' ? e.password : '(from the configuration)'}  ${e.name}`),
    ...config.trunks.map((t) => `trunk ${t.id}: ${t.host}:${t.port}; dial ${t.prefix} then the number; inbound calls ring ${t.inbound}${t.record ? '; recorded' : ''}`),
    'try:',
    `  baresip: add <sip:101@${target};transport=udp>;auth_pass=PASSWORD to ~/.baresip/accounts, then "/dial 102"`,
    `  sipp -sf test/fixtures/sipp/register-contact.xml ${target} -s 102 -au 102 -ap PASSWORD -key contact_port 5072 -m 1 -i 127.0.0.1`,
    `  sipp -sf test/fixtures/sipp/phone-answers.xml ${target} -s 102 -p 5072 -i 127.0.0.1 -d 2000   (102 answers)`,
    `  sipp -sf test/fixtures/media/sipp/extension-call-plays-pcma-then-hangs-up.xml ${target} -s 101 -au 101 -ap PASSWORD -key dialled 102 -key hold_ms 3000 -mi 127.0.0.1 -m 1 -i 127.0.0.1   (101 calls 102 with audio)`,
    ...(provider
      ? [`  sipp -sf test/fixtures/media/sipp/trunk-call-plays-pcma-then-hangs-up.xml ${target} -p ${provider.port} -s 74951112233 -key caller 89123456789 -key hold_ms 3000 -mi 127.0.0.1 -m 1 -i 127.0.0.1   (the trunk ${provider.id} calls in: ${provider.inbound} rings)`]
      : []),
    'calls appear in GET /api/v1/calls and, for external numbers, in the client history. Ctrl-C stops the lab.',
    'switchboard lab ready',
  ];
}
