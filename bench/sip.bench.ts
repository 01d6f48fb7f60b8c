import { spawn } from 'node:child_process';
import { once, EventEmitter } from 'node:events';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Appliance } from '../appliance/app.js';
import { validateConfig } from '../appliance/config/load.js';
import { createLogger } from '../common/log.js';
import { DrachtioServerProcess, findDrachtioBinary } from '../lab/drachtio/server-process.js';
import { freePort } from '../sip/drachtio/free-port.js';
import { expectedResponse, parseAuthorization, credentialsFrom } from '../sip/auth/digest.js';
import type { SipRequest, SipResponse } from '../sip/drachtio/srf.js';
import { scratchDir, type BenchRow } from './harness.js';

/**
 * REGISTER handling and call setup end to end (SIPp -> drachtio-server ->
 * appliance, every binding and call record durable) at a fixed rate, each
 * beside its in-process ceiling: the same handler called directly with
 * in-memory requests, in the same run.
 */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const EXTENSIONS = Array.from({ length: 200 }, (_, i) => ({ number: String(2000 + i), password: `bench-pw-${2000 + i}`, name: `B${i}` }));
// The targets; SWB_BENCH_SIP_REGISTER_RATE / _CALL_RATE probe for headroom by hand.
const REGISTER_RATE = Number(process.env.SWB_BENCH_SIP_REGISTER_RATE ?? 2000);
const REGISTER_SECONDS = 5;
const CALL_RATE = Number(process.env.SWB_BENCH_SIP_CALL_RATE ?? 200);
const CALL_SECONDS = 5;

export async function sipBench(): Promise<BenchRow[]> {
  const binary = findDrachtioBinary({ fallbacks: [path.resolve(ROOT, '..', 'shared', 'peers', 'drachtio-server', 'drachtio')] });
  if (!binary) throw new Error('sip bench: drachtio-server not found (DRACHTIO_BIN or ../shared/peers)');
  const { dir, cleanup } = await scratchDir();
  const sipPort = await freePort();
  const adminPort = await freePort();
  const drachtio = await DrachtioServerProcess.start({ binary, workDir: path.join(dir, 'drachtio'), adminHost: '127.0.0.1', adminPort, secret: 'bench', contacts: [`sip:127.0.0.1:${sipPort};transport=udp`] });
  const config = validateConfig(
    {
      dataDir: path.join(dir, 'data'),
      log: { level: 'silent' },
      extensions: EXTENSIONS,
      sip: {
        enabled: true,
        drachtio: { port: adminPort, secret: 'bench' },
        auth: { algorithms: ['MD5'] },
        // The bench is one source address: lift the per-address limits for it.
        protection: { trusted: ['127.0.0.1'] },
        calls: { ackTimeoutSeconds: 10 },
      },
    },
    'bench',
  );
  const app = await build({ config, logger: createLogger({ level: 'silent' }) });
  try {
    await app.sip.start();
    while (!app.sip.connection.connected) await new Promise((r) => setTimeout(r, 20));
    const target = `127.0.0.1:${sipPort}`;

    const regSampler = sampleCounter(async () => sumOf(await app.sip.sipMetrics.registrations.get(), 'registered'));
    const reg = await runSipp(dir, ['-sf', path.join(ROOT, 'bench/sipp/register-many-contacts.xml'), target, '-s', '2000', '-au', '2000', '-ap', 'bench-pw-2000', '-r', String(REGISTER_RATE), '-m', String(REGISTER_RATE * REGISTER_SECONDS), '-l', '2000']);
    const regSteady = regSampler.stop();
    const regCeiling = await registerCeiling(app, 5000);

    // Calls: 2001 answers (a SIPp UAS), 2000 calls it at a fixed rate, each call held 100 ms.
    const uasPort = await freePort();
    const uas = spawn('sipp', ['-sf', path.join(ROOT, 'bench/sipp/uas-answer-at-once.xml'), target, '-i', '127.0.0.1', '-p', String(uasPort), '-s', '2001', '-nostdin'], { cwd: dir, stdio: 'ignore' });
    await registerContact(app, '2001', uasPort);
    const callSampler = sampleCounter(async () => sumOf(await app.sip.sipMetrics.setupSeconds.get(), null, '_count'));
    const calls = await runSipp(dir, ['-sf', path.join(ROOT, 'test/fixtures/sipp/call-answered-caller-hangs-up.xml'), target, '-s', '2000', '-au', '2000', '-ap', 'bench-pw-2000', '-key', 'dialled', '2001', '-d', '100', '-r', String(CALL_RATE), '-m', String(CALL_RATE * CALL_SECONDS), '-l', '1000']);
    const callSteady = callSampler.stop();
    uas.kill('SIGTERM');
    await app.sip.calls.settle();
    const callCeiling = await callCeilingRate(app, 2000);

    return [
      {
        name: `REGISTER with digest + durable binding, end to end (SIPp at ${REGISTER_RATE}/s, ${reg.failed} failed)`,
        value: regSteady,
        unit: 'registrations/s',
        ceilingName: 'Registrar.handle called directly',
        ceiling: regCeiling,
        better: 'higher',
        target: '>= 2,000/s, none failed',
        pass: regSteady >= 2000 * 0.97 && reg.failed === 0 && reg.ok === REGISTER_RATE * REGISTER_SECONDS,
      },
      {
        name: `call setup (INVITE, 407, INVITE, 200, ACK, BYE) end to end (SIPp at ${CALL_RATE}/s, ${calls.failed} failed)`,
        value: callSteady,
        unit: 'calls/s',
        ceilingName: 'CallController.handle, fake legs',
        ceiling: callCeiling,
        better: 'higher',
        target: '>= 200/s, none failed',
        pass: callSteady >= 200 * 0.97 && calls.failed === 0 && calls.ok === CALL_RATE * CALL_SECONDS,
      },
    ];
  } finally {
    await app.close();
    await drachtio.stop();
    await cleanup();
  }
}

/**
 * Completions per second from the first completion to the last, read from
 * the appliance's own counter every 50 ms: SIPp's start-up and the last
 * calls' hold time are outside the window, any lag of the appliance inside it.
 */
function sampleCounter(read: () => Promise<number>): { stop(): number } {
  const samples: Array<[number, number]> = [];
  const timer = setInterval(() => void read().then((v) => samples.push([performance.now(), v])), 50);
  return {
    stop() {
      clearInterval(timer);
      if (samples.length < 3) return 0;
      const base = samples[0]![1];
      const rise = samples[samples.length - 1]![1] - base;
      const lo = samples.find(([, v]) => v > base)!;
      const hi = samples.find(([, v]) => v - base >= rise)!;
      return hi[0] > lo[0] ? ((hi[1] - lo[1]) / (hi[0] - lo[0])) * 1000 : 0;
    },
  };
}

function sumOf(metric: { values: Array<{ value: number; labels: Record<string, unknown>; metricName?: string }> }, outcome: string | null, suffix = ''): number {
  return metric.values
    .filter((v) => (outcome === null || v.labels.outcome === outcome) && (!suffix || v.metricName?.endsWith(suffix)))
    .reduce((a, v) => a + v.value, 0);
}

/** Runs SIPp to completion; the rate is completed calls over wall time, failures from its statistics file. */
async function runSipp(dir: string, args: string[]): Promise<{ rate: number; failed: number; ok: number }> {
  const port = await freePort();
  const t0 = performance.now();
  const child = spawn('sipp', [...args, '-i', '127.0.0.1', '-p', String(port), '-nostdin', '-trace_stat', '-stf', 'stat.csv', '-fd', '1', '-timeout', '120s', '-max_recv_loops', '5000', '-max_sched_loops', '5000'], { cwd: dir, stdio: 'ignore' });
  await once(child, 'exit');
  const seconds = (performance.now() - t0) / 1000;
  const lines = readFileSync(path.join(dir, 'stat.csv'), 'utf8').trim().split('\n');
  const head = lines[0]!.split(';');
  const last = lines[lines.length - 1]!.split(';');
  const col = (name: string): number => Number(last[head.indexOf(name)]);
  for (const f of readdirSync(dir)) if (f === 'stat.csv') writeFileSync(path.join(dir, f), '');
  const ok = col('SuccessfulCall(C)');
  return { rate: ok / seconds, failed: col('FailedCall(C)'), ok };
}

function fakeRequest(method: string, headers: Record<string, string>): SipRequest {
  const e = new EventEmitter() as SipRequest;
  Object.assign(e, { method, uri: 'sip:127.0.0.1', body: '', source_address: '127.0.0.1', source_port: 5999, protocol: 'udp' });
  e.get = (n: string) => headers[Object.keys(headers).find((k) => k.toLowerCase() === n.toLowerCase()) ?? ''];
  e.has = (n: string) => e.get(n) !== undefined;
  return e;
}

function fakeResponse(onSend: (status: number, opts: { headers?: Record<string, string> } | undefined) => void): SipResponse {
  const e = new EventEmitter() as SipResponse;
  e.finalResponseSent = false;
  e.send = ((status: number, reason?: unknown, opts?: unknown) => {
    if (status >= 200) e.finalResponseSent = true;
    onSend(status, (typeof reason === 'object' ? reason : opts) as { headers?: Record<string, string> });
  }) as SipResponse['send'];
  return e;
}

function answer(challengeHeader: string, user: string, password: string, method: string, uri: string): string {
  const c = parseAuthorization(challengeHeader.split('\r\n')[0]!)!;
  const creds = credentialsFrom({ ...c, username: user, uri, response: 'x', nc: '00000001', cnonce: 'benchcnonce', qop: 'auth' });
  if (!creds || typeof creds === 'string') throw new Error('bad challenge');
  return `Digest username="${user}", realm="${c.realm}", nonce="${c.nonce}", uri="${uri}", response="${expectedResponse(creds, method, password)}", algorithm=MD5, qop=auth, nc=00000001, cnonce="benchcnonce"`;
}

/** A challenge and an authenticated REGISTER per registration, straight into Registrar.handle, 64 in flight. */
async function registerCeiling(app: Appliance, n: number): Promise<number> {
  const one = async (i: number): Promise<void> => {
    const ext = EXTENSIONS[i % EXTENSIONS.length]!;
    const base = { To: `<sip:${ext.number}@127.0.0.1>`, From: `<sip:${ext.number}@127.0.0.1>;tag=${i}`, 'Call-ID': `ceil-${i}`, Contact: `<sip:${ext.number}@127.0.0.1:6000>`, Expires: '300' };
    let challenge = '';
    await app.sip.registrar.handle(fakeRequest('REGISTER', { ...base, CSeq: '1 REGISTER' }), fakeResponse((_s, o) => (challenge = o?.headers?.['WWW-Authenticate'] ?? '')));
    let status = 0;
    const auth = answer(challenge, ext.number, ext.password, 'REGISTER', 'sip:127.0.0.1');
    await app.sip.registrar.handle(fakeRequest('REGISTER', { ...base, CSeq: '2 REGISTER', Authorization: auth }), fakeResponse((s) => (status = s)));
    if (status !== 200) throw new Error(`ceiling REGISTER got ${status}`);
  };
  return concurrently(n, 64, one);
}

/** Calls through CallController.handle with drachtio-srf's legs faked: digest, routing, records and history stay real. */
async function callCeilingRate(app: Appliance, n: number): Promise<number> {
  await registerContact(app, '2003', 6003);
  const srf = app.sip.srf as unknown as Record<string, unknown>;
  const dialog = (): EventEmitter => Object.assign(new EventEmitter(), { remote: { sdp: 'v=0' }, local: { sdp: 'v=0' }, destroy: async () => {}, modify: async (s: string) => s });
  srf.createUAC = async () => dialog();
  srf.createUAS = async () => {
    const d = dialog();
    setImmediate(() => {
      d.emit('ack');
      d.emit('destroy');
    });
    return d;
  };
  const ext = EXTENSIONS[2]!;
  const one = async (i: number): Promise<void> => {
    const base = { From: `<sip:${ext.number}@127.0.0.1>;tag=${i}`, To: '<sip:2003@127.0.0.1>', 'Call-ID': `call-${i}`, Contact: '<sip:2002@127.0.0.1:6002>' };
    let challenge = '';
    const req1 = Object.assign(fakeRequest('INVITE', { ...base, CSeq: '1 INVITE' }), { uri: 'sip:2003@127.0.0.1' });
    await app.sip.controller.handle(req1, fakeResponse((_s, o) => (challenge = o?.headers?.['Proxy-Authenticate'] ?? '')));
    const auth = answer(challenge, ext.number, ext.password, 'INVITE', 'sip:2003@127.0.0.1');
    const req2 = Object.assign(fakeRequest('INVITE', { ...base, CSeq: '2 INVITE', 'Proxy-Authorization': auth }), { uri: 'sip:2003@127.0.0.1' });
    await app.sip.controller.handle(req2, fakeResponse(() => {}));
  };
  return concurrently(n, 64, one);
}

async function registerContact(app: Appliance, ext: string, port: number): Promise<void> {
  await app.sip.bindings.apply(ext, [{ contact: `sip:${ext}@127.0.0.1:${port}`, expires: 3600 }], { callId: `bench-${ext}`, cseq: 1, userAgent: 'bench', received: `udp/127.0.0.1:${port}` }, 5);
}

async function concurrently(n: number, width: number, fn: (i: number) => Promise<void>): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < n) await fn(next++);
    }),
  );
  return n / ((performance.now() - t0) / 1000);
}
