import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import path from 'node:path';
import { SwitchboardError } from '../../common/errors.js';
import { ChildPeer } from '../child-peer.js';

/**
 * drachtio-server as a child process: for lab mode, the tests and the bench. On
 * a real box systemd runs it (upstream's unit); the appliance only connects.
 */

/** Debian 12 runtime packages of the upstream build (see ../shared/peers/README.md). */
export const DRACHTIO_RUNTIME_PACKAGES = ['libboost-thread1.74.0', 'libboost-log1.74.0', 'libboost-filesystem1.74.0', 'libcurl4'];

export interface BinaryLookup {
  env?: NodeJS.ProcessEnv;
  /** Further places to look, after DRACHTIO_BIN and PATH (tests add ../shared/peers). */
  fallbacks?: string[];
}

/** DRACHTIO_BIN, then `drachtio` on PATH, then the fallbacks; null when none is an executable file. */
export function findDrachtioBinary(opts: BinaryLookup = {}): string | null {
  const env = opts.env ?? process.env;
  const candidates: string[] = [];
  if (env.DRACHTIO_BIN) candidates.push(env.DRACHTIO_BIN);
  for (const dir of (env.PATH ?? '').split(':').filter(Boolean)) candidates.push(path.join(dir, 'drachtio'));
  candidates.push(...(opts.fallbacks ?? []));
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      return path.resolve(c);
    } catch {
      /* next */
    }
  }
  return null;
}

/** What to tell a person who has no drachtio-server: exactly what is missing and how to get it. */
export function missingDrachtioMessage(looked: string[]): string {
  return [
    `drachtio-server was not found (looked at: ${looked.join(', ') || 'DRACHTIO_BIN, PATH'}).`,
    'Set DRACHTIO_BIN to the drachtio binary, or put `drachtio` on PATH.',
    'Debian 12 does not package it: build it from https://github.com/drachtio/drachtio-server',
    '(./bootstrap.sh && ./configure --enable-tcmalloc=no && make) and install its runtime packages:',
    `apt-get install ${DRACHTIO_RUNTIME_PACKAGES.join(' ')}`,
  ].join(' ');
}

export interface DrachtioConfigOptions {
  adminHost: string;
  adminPort: number;
  secret: string;
  /** e.g. sip:127.0.0.1:5060;transport=udp */
  contacts: string[];
  /** User-Agent values drachtio-server itself discards before they reach the appliance. */
  spammerUserAgents?: string[];
  tls?: { port: number; certFile: string; keyFile: string; dhParamFile: string };
  /** SIP over TLS (sip.tls): a sips: contact on host:port with this pair, TLS 1.2 at least. */
  sipTls?: SipTlsListener;
  logLevel?: 'notice' | 'error' | 'warning' | 'info' | 'debug';
}

export interface SipTlsListener {
  host: string;
  port: number;
  certFile: string;
  keyFile: string;
}

/** The sips: contact drachtio-server listens on for SIP over TLS (sofia-sip opens TLS only for a sips: one). */
export function sipTlsContact(l: Pick<SipTlsListener, 'host' | 'port'>): string {
  return `sips:${l.host.includes(':') ? `[${l.host}]` : l.host}:${l.port};transport=tls`;
}

const xml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** A minimal drachtio.conf.xml: admin socket on loopback, the SIP contacts, optional spammer list and admin TLS. */
export function drachtioConfigXml(o: DrachtioConfigOptions): string {
  const tlsAttr = o.tls ? ` tls-port="${o.tls.port}"` : '';
  const contacts = [...o.contacts, ...(o.sipTls ? [sipTlsContact(o.sipTls)] : [])];
  const spam = o.spammerUserAgents?.length
    ? `    <spammers action="discard" tcp-action="discard"><header name="User-Agent">${o.spammerUserAgents.map((v) => `<value>${xml(v)}</value>`).join('')}</header></spammers>\n`
    : '';
  return `<drachtio>
  <admin port="${o.adminPort}"${tlsAttr} secret="${xml(o.secret)}">${xml(o.adminHost)}</admin>
  <sip>
${tlsBlock(o)}    <contacts>${contacts.map((c) => `<contact>${xml(c)}</contact>`).join('')}</contacts>
${spam}  </sip>
  <logging><console/><loglevel>${o.logLevel ?? 'notice'}</loglevel><sofia-loglevel>${o.logLevel === 'info' || o.logLevel === 'debug' ? 3 : 1}</sofia-loglevel></logging>
</drachtio>
`;
}

/**
 * drachtio-server has one <sip><tls> block for the admin socket and SIP over TLS alike (it refuses to
 * start with the admin's elsewhere): SIP's pair wins when both are on. sofia-sip will not open a TLS
 * port without a CA list, so the chain file is the certificate itself. min-tls-version 1.2 refuses
 * TLS 1.0 and 1.1 (drachtio-server's own default is 1.0).
 */
function tlsBlock(o: DrachtioConfigOptions): string {
  const pair = o.sipTls ?? o.tls;
  if (!pair) return '';
  const dh = o.tls ? `<dh-param>${xml(o.tls.dhParamFile)}</dh-param>` : '';
  return `    <tls><key-file>${xml(pair.keyFile)}</key-file><cert-file>${xml(pair.certFile)}</cert-file><chain-file>${xml(pair.certFile)}</chain-file>${dh}<min-tls-version>1.2</min-tls-version></tls>\n`;
}

export interface StartOptions extends DrachtioConfigOptions {
  binary: string;
  workDir: string;
  /** How long to wait for the admin port; a cold start takes well under a second here. */
  timeoutMs?: number;
}

/** A running drachtio-server. stop() is idempotent; pause()/resume() make a server that answers nothing. */
export class DrachtioServerProcess extends ChildPeer {
  private constructor(
    child: ChildProcess,
    readonly options: StartOptions,
  ) {
    super(child, 3000, 200);
  }

  static async start(opts: StartOptions): Promise<DrachtioServerProcess> {
    if (!existsSync(opts.binary)) throw new SwitchboardError('SWB_ERR_PEER_MISSING', missingDrachtioMessage([opts.binary]));
    mkdirSync(opts.workDir, { recursive: true });
    const file = path.join(opts.workDir, 'drachtio.conf.xml');
    writeFileSync(file, drachtioConfigXml(opts), { mode: 0o600 });
    const child = spawn(opts.binary, ['-f', file, '--stdout'], { cwd: opts.workDir, stdio: ['ignore', 'pipe', 'pipe'] });
    const proc = new DrachtioServerProcess(child, opts);
    const deadline = Date.now() + (opts.timeoutMs ?? 10_000);
    let spawnError: Error | null = null;
    child.once('error', (err) => (spawnError = err));
    for (;;) {
      if (spawnError) throw new SwitchboardError('SWB_ERR_PEER_MISSING', `${opts.binary}: ${(spawnError as Error).message}`);
      if (child.exitCode !== null || child.signalCode !== null) {
        const out = proc.output.join('');
        const libs = /error while loading shared libraries: ([^:\s]+)/.exec(out);
        const hint = libs ? ` It lacks ${libs[1]}: apt-get install ${DRACHTIO_RUNTIME_PACKAGES.join(' ')}.` : '';
        throw new SwitchboardError('SWB_ERR_PEER_MISSING', `drachtio-server exited at start (${child.exitCode ?? child.signalCode}).${hint} Output: ${out.slice(-600)}`);
      }
      if (await portOpen(opts.adminHost, opts.adminPort)) return proc;
      if (Date.now() > deadline) {
        await proc.stop();
        throw new SwitchboardError('SWB_ERR_PEER_MISSING', `drachtio-server did not open its admin port ${opts.adminPort} in time: ${proc.output.join('').slice(-600)}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

}

function portOpen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ host, port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}
