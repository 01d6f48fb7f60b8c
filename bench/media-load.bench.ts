import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { createConnection, createServer, type Socket } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Appliance } from '../appliance/app.js';
import { validateConfig } from '../appliance/config/load.js';
import { createLogger } from '../common/log.js';
import { DRACHTIO_RUNTIME_PACKAGES, DrachtioServerProcess, findDrachtioBinary } from '../lab/drachtio/server-process.js';
import { freePort } from '../sip/drachtio/free-port.js';
import type { FreeswitchBackend } from '../sip/media/freeswitch/freeswitch-backend.js';
import { missingFreeswitchMessage, startFreeswitch } from '../lab/media/freeswitch/server-process.js';
import type { CallRecord } from '../sip/calls/call-record.js';
import { recordingsDirOf } from '../sip/service.js';
import { PCAP } from '../test/helpers/media-call.js';
import { sippBinary } from '../test/helpers/sip.js';
import { wavSamples } from '../test/helpers/wav.js';
import { percentile, scratchDir, type BenchRow } from './harness.js';
import { eslRow, repeated, replayRates } from './media.bench.js';
import { eslEventFrames } from '../test/helpers/esl-replay.js';
import { CAP, evenPort, heldBeforeDoubling, levelsOf, rampOf, RATE, reportRamp, TALK_MS } from './media-ramp.js';

/**
 * Recorded calls under load, end to end on this machine: real FreeSWITCH
 * (recording every call of the `rec` trunk: its extension has record: true),
 * real drachtio-server, the appliance's B2BUA, SIPp as the provider and as the
 * phone, RTP both ways (Debian's g711a.pcap) so FreeSWITCH really bridges,
 * mixes and writes audio. Two figures:
 * - how many recorded calls the box holds before call setup (SIPp's INVITE to
 *   its 200, so the anchoring, bridge and uuid_record are inside it) doubles
 *   against one call alone, beside the same ramp of unrecorded calls (media
 *   phone to phone, no FreeSWITCH) in the same run;
 * - ESL events handled per second: at the live peak, and over the very bytes
 *   FreeSWITCH sent in this run (teed by a pass-through proxy) replayed at full
 *   speed through EslConnection and the whole backend, beside a bare socket read.
 */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
// dist/bench/ when built: the repository root either way, with the peers' builds beside it in ../shared.
const PEERS = path.resolve(ROOT, '..', 'shared', 'peers');
const PHONE_SCENARIO = path.join(ROOT, 'bench', 'sipp', 'uas-answer-echoes-pcma.xml');
const REPLAY_EVENTS = 40_000;
const EXTENSIONS = [
  { number: '101', password: 'bench-pw-101', name: 'Direct', record: false },
  { number: '102', password: 'bench-pw-102', name: 'Recorded', record: true },
];

export async function mediaLoadBench(): Promise<BenchRow[]> {
  // A missing peer fails the bench naming what to install, never a silent skip.
  const prefix = process.env.FREESWITCH_PREFIX || path.join(PEERS, 'freeswitch');
  if (!existsSync(path.join(prefix, 'bin', 'freeswitch'))) throw new Error(`media-load bench: ${missingFreeswitchMessage(prefix)}`);
  const drachtioBin = findDrachtioBinary({ fallbacks: [path.join(PEERS, 'drachtio-server', 'drachtio')] });
  if (!drachtioBin) throw new Error(`media-load bench: drachtio-server not found: set DRACHTIO_BIN or provide ${path.join(PEERS, 'drachtio-server', 'drachtio')}, with apt-get install ${DRACHTIO_RUNTIME_PACKAGES.join(' ')}`);
  sippBinary();
  if (!existsSync(PCAP)) throw new Error(`media-load bench: ${PCAP} is missing: apt-get install sip-tester`);
  const { dir, cleanup } = await scratchDir();
  const stops: Array<() => Promise<unknown>> = [];
  try {
    const eslPort = await freePort();
    const eslPassword = randomBytes(12).toString('hex');
    const fsSip = await freePort();
    // Two channels per recorded call, RTP and RTCP each: room for well over CAP calls.
    const rtpStart = 20000 + 2 * Math.floor(Math.random() * 8000);
    const fs = await startFreeswitch({ prefix, workDir: path.join(dir, 'fs'), eslPort, eslPassword, sipPort: fsSip, rtpStartPort: rtpStart, rtpEndPort: rtpStart + 8 * CAP + 200 });
    stops.push(() => fs.process.stop('SIGTERM', 5000));
    const tee = await teeProxy(eslPort);
    stops.push(tee.close);

    const sipPort = await freePort();
    const adminPort = await freePort();
    const drachtio = await DrachtioServerProcess.start({ binary: drachtioBin, workDir: path.join(dir, 'drachtio'), adminHost: '127.0.0.1', adminPort, secret: 'bench', contacts: [`sip:127.0.0.1:${sipPort};transport=udp`] });
    stops.push(() => drachtio.stop());
    const recPort = await freePort();
    const directPort = await freePort();
    const config = validateConfig(
      {
        dataDir: path.join(dir, 'data'),
        log: { level: 'silent' },
        extensions: EXTENSIONS,
        trunks: [
          { id: 'rec', host: '127.0.0.1', port: recPort, inbound: '102', prefix: '9' },
          { id: 'direct', host: '127.0.0.1', port: directPort, inbound: '101', prefix: '8' },
        ],
        sip: { enabled: true, drachtio: { port: adminPort, secret: 'bench' }, auth: { algorithms: ['MD5'] }, protection: { trusted: ['127.0.0.1'] } },
        media: { backend: 'freeswitch', whenDown: 'unrecorded', freeswitch: { esl: { port: tee.port, password: eslPassword }, sip: { port: fsSip } } },
      },
      'bench',
    );
    const app = await build({ config, logger: createLogger({ level: 'silent' }) });
    stops.push(() => app.close());
    mkdirSync(recordingsDirOf(config), { recursive: true });
    const backend = app.media as FreeswitchBackend;
    backend.start();
    await app.sip.start();
    await until(() => app.sip.connection.connected && backend.readiness() === 'ok', 15_000, 'drachtio-server and the ESL link');

    // One phone answers both extensions and echoes every call's audio back to its sender.
    const phonePort = await freePort();
    const phone = spawn(sippBinary(), ['-sf', PHONE_SCENARIO, `127.0.0.1:${sipPort}`, '-i', '127.0.0.1', '-p', String(phonePort), '-mi', '127.0.0.1', '-mp', String(await evenPort()), '-rtp_echo', '-s', 'phone', '-nostdin', '-max_recv_loops', '5000'], { cwd: dir, stdio: 'ignore' });
    stops.push(async () => {
      if (phone.exitCode === null) phone.kill('SIGTERM');
    });
    for (const ext of ['101', '102']) await app.sip.bindings.apply(ext, [{ contact: `sip:${ext}@127.0.0.1:${phonePort}`, expires: 3600 }], { callId: `bench-${ext}`, cseq: 1, userAgent: 'bench', received: `udp/127.0.0.1:${phonePort}` }, 1);

    const perSecond = new Map<number, number>();
    let handled = 0;
    backend.esl.on('event', () => {
      handled++;
      const s = Math.floor(performance.now() / 1000);
      perSecond.set(s, (perSecond.get(s) ?? 0) + 1);
    });

    const target = `127.0.0.1:${sipPort}`;
    process.stderr.write(`bench: media-load: recorded calls, ramp to ${CAP} at ${RATE}/s\n`);
    const recorded = await rampOf(dir, target, recPort, '74951112233');
    const calls = await recordedCalls(app, recorded.baselinePlaced + recorded.placed);
    const wavs = readdirSync(recordingsDirOf(config)).filter((f) => f.endsWith('.wav')).length;
    process.stderr.write(`bench: media-load: unrecorded calls, the same ramp\n`);
    const direct = await rampOf(dir, target, directPort, '84951112233');

    const recLevels = levelsOf(recorded);
    const dirLevels = levelsOf(direct);
    reportRamp('recorded', recorded, recLevels);
    reportRamp('unrecorded', direct, dirLevels);
    process.stderr.write(`bench: media-load: ${calls.ok} recordings ok of ${calls.total} recorded calls, ${calls.flagged} flagged unavailable/disk-full, ${wavs} WAV files; ${calls.talking} of the ramp's ${calls.long} with audio to their end\n`);
    const recHeld = heldBeforeDoubling(recorded, recLevels);
    const dirHeld = heldBeforeDoubling(direct, dirLevels);
    const allRecorded = calls.ok === calls.total && calls.flagged === 0 && wavs === calls.total && calls.talking === calls.long && calls.long === recorded.placed;

    // ESL: the live peak, then the same bytes at full speed.
    // Per connection: a link dropped mid-frame (and made again) must not run two streams' frames together.
    const frames = tee.received.flatMap((chunks) => eslEventFrames(Buffer.concat(chunks)));
    const link = backend.stats();
    const livePeak = Math.max(0, ...perSecond.values());
    const times = Math.max(1, Math.ceil(REPLAY_EVENTS / Math.max(1, frames.length)));
    const { bytes, events } = repeated(frames, times);
    const mb = tee.received.flat().reduce((a, b) => a + b.length, 0) / 1e6;
    process.stderr.write(`bench: media-load: ${frames.length} live ESL events (${handled} handled), ${mb.toFixed(1)} MB; link: ${link.connects} logins, ${link.timeouts} timeouts, ${link.poisoned} dropped${link.lastError ? ` (last: ${link.lastError})` : ''}; replayed ${times}x\n`);
    const rates = await replayRates(bytes, events);
    const base = recorded.baseline;
    const at = recLevels.find((l) => l.level === recHeld);
    return [
      {
        name: `recorded calls held before setup time doubles${recHeld >= CAP ? ` (the ramp's cap)` : ''} (median, calls arriving at ${RATE}/s; 1-call baseline ${ms(percentile(base, 50))}, at ${recHeld}: ${at ? ms(at.median) : '-'}; ${recorded.failed} failed; ${calls.ok}/${calls.total} recorded, ${wavs} WAV)`,
        value: recHeld,
        unit: 'calls',
        ceilingName: `same ramp unrecorded (media direct${dirHeld >= CAP ? `; the ramp's cap, ${CAP}` : ''})`,
        ceiling: dirHeld,
        better: 'higher',
        target: '>= 100 calls, none failed, all recorded',
        pass: recHeld >= 100 && recorded.failed === 0 && allRecorded,
      },
      {
        ...eslRow(`ESL events handled live, peak second (FreeSWITCH under the SIPp ramp; ${handled} of ${frames.length} events handled)`, livePeak, rates.bare),
        // FreeSWITCH sets the pace live: the figure is reported; what must hold is that every event it sent was handled.
        target: 'reported, every event handled',
        pass: handled === frames.length,
      },
      eslRow(`ESL events handled, whole backend + call anchor (this run's live bytes at full speed, ${events} events)`, rates.backend, rates.bare),
      eslRow('ESL events handled, EslConnection (the same bytes)', rates.conn, rates.bare),
    ];
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => {});
    await cleanup();
  }
}

const ms = (v: number): string => `${v.toFixed(0)} ms`;

async function until(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`media-load bench: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A pass-through TCP proxy that keeps every byte the server sent, one list per connection: the live ESL stream, for the replay. */
async function teeProxy(port: number): Promise<{ port: number; received: Buffer[][]; close: () => Promise<void> }> {
  const received: Buffer[][] = [];
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = createConnection({ host: '127.0.0.1', port });
    const bytes: Buffer[] = [];
    received.push(bytes);
    sockets.add(client).add(upstream);
    const end = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end).on('data', (d: Buffer) => upstream.write(d));
    upstream.on('error', end).on('close', end).on('data', (d: Buffer) => {
      bytes.push(d);
      client.write(d);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  return {
    port: typeof addr === 'object' && addr ? addr.port : 0,
    received,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/**
 * Waits for every recorded call's recording to be reported, then counts the outcomes, and the recordings of
 * the ramp (the baseline's calls last 0.3 s) that hold audio in their last play: the call talked to its end.
 */
async function recordedCalls(app: Appliance, total: number): Promise<{ total: number; ok: number; flagged: number; long: number; talking: number }> {
  const count = (): { done: number; ok: number; flagged: number; files: string[] } => {
    const items: CallRecord[] = [];
    for (let before: [number, string] | null = null, more = true; more; ) {
      const page = app.sip.calls.list({ limit: 200, before, where: (c) => c.trunk === 'rec' });
      items.push(...page.items);
      more = page.next !== null;
      if (page.next) before = JSON.parse(Buffer.from(page.next, 'base64url').toString()) as [number, string];
    }
    const ended = items.filter((c) => c.state === 'ended' && c.recording !== null);
    const long = ended.filter((c) => c.recording!.status === 'ok' && c.recording!.durationSec > 3).map((c) => c.recording!.file!);
    return { done: ended.length, ok: ended.filter((c) => c.recording!.status === 'ok').length, flagged: items.filter((c) => c.recording?.status === 'unavailable' || c.recording?.status === 'disk-full').length, files: long };
  };
  await until(() => count().done >= total, 60_000, `${total} recorded calls to be reported`).catch(() => {});
  const { files, ...c } = count();
  const tailLevel = (file: string): number => {
    const { rate, samples } = wavSamples(file);
    const tail = samples.subarray(Math.max(0, samples.length - Math.floor((TALK_MS / 1000) * rate)));
    return tail.reduce((a, x) => a + Math.abs(x), 0) / Math.max(1, tail.length);
  };
  return { total, ...c, long: files.length, talking: files.filter((f) => tailLevel(f) > 50).length };
}
