import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Test } from 'tap';
import { ROOT } from './cli.js';
import { testAppliance, type LogCapture } from './appliance.js';
import type { Appliance } from '../../appliance/app.js';
import { DrachtioServerProcess, DRACHTIO_RUNTIME_PACKAGES, findDrachtioBinary } from '../../lab/drachtio/server-process.js';
import { freePort } from '../../sip/drachtio/free-port.js';

/** CI clones the repo into a fresh folder with shared/ beside it. */
export const PEERS = path.resolve(ROOT, '..', 'shared', 'peers');
export const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'sipp');
export const SECRET = 'test-drachtio-secret';

/** DRACHTIO_BIN, else ../shared/peers; a missing peer fails the test with what to install (never a skip). */
export function drachtioBinary(): string {
  const found = findDrachtioBinary({ env: { DRACHTIO_BIN: process.env.DRACHTIO_BIN ?? '', PATH: '' }, fallbacks: [path.join(PEERS, 'drachtio-server', 'drachtio')] });
  if (!found) {
    throw new Error(
      `drachtio-server is missing: set DRACHTIO_BIN or provide ${path.join(PEERS, 'drachtio-server', 'drachtio')} (see shared/peers/README.md), ` +
        `with its runtime packages: apt-get install ${DRACHTIO_RUNTIME_PACKAGES.join(' ')}`,
    );
  }
  return found;
}

export function sippBinary(): string {
  const r = spawnSync('sh', ['-c', 'command -v sipp'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error('SIPp is missing: apt-get install sip-tester (scripts/install-test-deps.sh installs it)');
  return r.stdout.trim();
}

export interface TestDrachtio {
  server: DrachtioServerProcess;
  sipPort: number;
  adminPort: number;
  /** SIP over TLS (with `sipTls`): the sips: port on 127.0.0.1; 0 without. */
  tlsPort: number;
  /** Starts it again on the same ports (after stop()): the "drachtio restarted" fault. */
  restart(): Promise<void>;
}

export async function startDrachtio(t: Test, opts: { spammers?: string[]; tcp?: boolean; tls?: { port: number; certFile: string; keyFile: string; dhParamFile: string }; sipTls?: { certFile: string; keyFile: string } } = {}): Promise<TestDrachtio> {
  const binary = drachtioBinary();
  const sipPort = await freePort();
  const adminPort = await freePort();
  const tlsPort = opts.sipTls ? await freePort() : 0;
  const sipTls = opts.sipTls ? { sipTls: { host: '127.0.0.1', port: tlsPort, ...opts.sipTls } } : {};
  const workDir = mkdtempSync(path.join(tmpdir(), 'swb-drachtio-'));
  const contacts = [`sip:127.0.0.1:${sipPort};transport=udp`, ...(opts.tcp ? [`sip:127.0.0.1:${sipPort};transport=tcp`] : [])];
  const start = (): Promise<DrachtioServerProcess> =>
    DrachtioServerProcess.start({ binary, workDir, adminHost: '127.0.0.1', adminPort, secret: SECRET, contacts, ...(process.env.SWB_SIP_DEBUG ? { logLevel: 'info' as const } : {}), ...(opts.spammers ? { spammerUserAgents: opts.spammers } : {}), ...(opts.tls ? { tls: opts.tls } : {}), ...sipTls });
  const handle: TestDrachtio = {
    server: await start(),
    sipPort,
    adminPort,
    tlsPort,
    async restart() {
      handle.server = await start();
    },
  };
  t.teardown(async () => {
    await handle.server.stop();
    rmSync(workDir, { recursive: true, force: true });
  });
  return handle;
}

export const EXTENSIONS = [
  { number: '101', password: 'pw-101-secret', name: 'Anna', department: 'sales', record: false },
  { number: '102', password: 'pw-102-secret', name: 'Boris', department: 'sales', record: true },
  { number: '103', password: 'pw-103-secret', name: 'Vera', department: 'support', record: false },
];

/** An appliance with SIP enabled, connected to this drachtio-server; SIPp speaks MD5 only, so MD5 is offered first. */
export async function sipAppliance(t: Test, d: TestDrachtio, raw: Record<string, unknown> = {}): Promise<{ app: Appliance; logs: LogCapture; dataDir: string }> {
  const { sip, ...rest } = raw as { sip?: Record<string, unknown> };
  const built = await testAppliance(t, {
    extensions: EXTENSIONS,
    ...rest,
    sip: { enabled: true, drachtio: { port: d.adminPort, secret: SECRET, reconnectMinMs: 100, reconnectMaxMs: 1000 }, auth: { algorithms: ['MD5', 'SHA-256'] }, ...sip },
  });
  await built.app.sip.start();
  await waitFor(() => built.app.sip.connection.connected, 10_000, 'the appliance to connect to drachtio-server');
  return built;
}

export async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export interface SippResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** SIPp's error log (-trace_err): why a call failed. */
  errors: string;
  /** Every message sent and received (-trace_msg). */
  messages: string;
}

export interface SippOptions {
  target: string;
  service?: string;
  port?: number;
  auth?: { user: string; password: string };
  keys?: Record<string, string | number>;
  /** Milliseconds of each bare <pause/> (SIPp's -d): how long a phone rings or a call lasts. */
  pauseMs?: number;
  calls?: number;
  rate?: number;
  timeoutSeconds?: number;
  extra?: string[];
}

/** Starts one SIPp scenario from test/fixtures/sipp; `done` resolves when it exits (0: every call passed). */
export function startSipp(scenario: string, o: SippOptions & { port: number }): { child: ChildProcess; done: Promise<SippResult> } {
  const dir = mkdtempSync(path.join(tmpdir(), 'swb-sipp-'));
  const args = ['-sf', path.join(FIXTURES, scenario), o.target, '-i', '127.0.0.1', '-p', String(o.port), '-m', String(o.calls ?? 1)];
  args.push('-timeout', `${o.timeoutSeconds ?? 20}s`, '-timeout_error', '-trace_err', '-trace_msg', '-nostdin', '-max_recv_loops', '1000');
  if (o.rate) args.push('-r', String(o.rate), '-rp', '1000');
  if (o.service) args.push('-s', o.service);
  if (o.pauseMs !== undefined) args.push('-d', String(o.pauseMs));
  if (o.auth) args.push('-au', o.auth.user, '-ap', o.auth.password);
  for (const [k, v] of Object.entries(o.keys ?? {})) args.push('-key', k, String(v));
  args.push(...(o.extra ?? []));
  return spawnSipp(args, dir);
}

/** Runs SIPp with these arguments in `dir` (its logs land there); `done` gathers them and removes `dir`. */
export function spawnSipp(args: string[], dir: string): { child: ChildProcess; done: Promise<SippResult> } {
  const child = spawn(sippBinary(), args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (b: Buffer) => (stdout += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
  const done = (async () => {
    const [code] = (await once(child, 'exit')) as [number | null];
    const read = (suffix: string): string =>
      readdirSync(dir)
        .filter((f) => f.endsWith(suffix))
        .map((f) => readFileSync(path.join(dir, f), 'utf8'))
        .join('\n');
    const result = { code, stdout, stderr, errors: read('_errors.log'), messages: read('_messages.log') };
    rmSync(dir, { recursive: true, force: true });
    return result;
  })();
  return { child, done };
}

export async function sipp(scenario: string, o: SippOptions): Promise<SippResult> {
  return startSipp(scenario, { ...o, port: o.port ?? (await freePort()) }).done;
}

/** A phone waiting for calls: SIPp in a UAS scenario, ended with the test. */
export function sippPhone(t: Test, scenario: string, o: SippOptions & { port: number }): Promise<SippResult> {
  const { child, done } = startSipp(scenario, o);
  t.teardown(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await done;
  });
  return done;
}

/** Registers extension `ext` (from EXTENSIONS) with its contact on `contactPort`, through SIPp and the real registrar. */
export async function registerPhone(target: string, ext: { number: string; password: string }, contactPort: number): Promise<void> {
  const r = await sipp('register-contact.xml', { target, service: ext.number, auth: { user: ext.number, password: ext.password }, keys: { contact_port: contactPort } });
  if (r.code !== 0) throw new Error(`registering ${ext.number} failed: ${r.errors || r.stderr}`);
}

/** An extension calling `dialled` with SIPp (digest on the INVITE). */
export function callFrom(target: string, ext: { number: string; password: string }, scenario: string, dialled: string, keys: Record<string, string | number> = {}, timeoutSeconds = 20): Promise<SippResult> {
  return sipp(scenario, { target, service: ext.number, auth: { user: ext.number, password: ext.password }, keys: { dialled, ...keys }, pauseMs: 300, timeoutSeconds });
}
