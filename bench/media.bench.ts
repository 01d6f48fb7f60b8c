import { existsSync, readFileSync } from 'node:fs';
import { createConnection, createServer, type Server } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EslConnection } from '../sip/media/freeswitch/esl-connection.js';
import { FREESWITCH_EVENTS, FreeswitchBackend } from '../sip/media/freeswitch/freeswitch-backend.js';
import { FreeswitchMedia } from '../sip/calls/anchored-media.js';
import type { Srf } from '../sip/drachtio/srf.js';
import { createLogger } from '../common/log.js';
import type { BenchRow } from './harness.js';
import { answerEsl, eslEventFrames } from '../test/helpers/esl-replay.js';

/**
 * ESL event handling at full speed: the events of a real FreeSWITCH call
 * (test/fixtures/esl, captured bytes: create, answer, record start and stop,
 * hangup...) repeated with a fresh channel id each time, written as fast as
 * the socket takes them. Measured through the appliance's EslConnection
 * (modesl's parser, our framing checks, the event object) and through the
 * whole FreeSWITCH backend (tracking, dedupe, recording inspection) with the
 * call anchor that follows the same events, each beside a bare socket read of
 * the very same bytes in the same run. media-load.bench.ts runs the same
 * three readers over the bytes a live FreeSWITCH sent under SIPp load.
 */
const REPEATS = 3000;

function fixturePath(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  // dist/bench/ when built, bench/ when run from source.
  for (const root of [path.resolve(here, '../..'), path.resolve(here, '..')]) {
    const p = path.join(root, 'test', 'fixtures', 'esl', 'call-recorded-then-hung-up.txt');
    if (existsSync(p)) return p;
  }
  return path.resolve(here, '../../test/fixtures/esl/call-recorded-then-hung-up.txt');
}


const UUID = /[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}/g;

/**
 * The frames `times` over, every UUID (channel ids, and the file names made of
 * them) changed in each repeat to one of the same length, so the backend sees
 * new channels rather than duplicates it would drop, and no Content-Length
 * changes.
 */
export function repeated(frames: Buffer[], times: number): { bytes: Buffer; events: number } {
  const one = Buffer.concat(frames).toString('latin1');
  const parts: Buffer[] = [];
  for (let r = 0; r < times; r++) parts.push(Buffer.from(one.replace(UUID, (u) => `${r.toString(16).padStart(8, '0')}${u.slice(8)}`), 'latin1'));
  return { bytes: Buffer.concat(parts), events: frames.length * times };
}

/** A stand-in event socket: auth and subscribe replies, then the whole stream at once. */
async function replayServer(stream: Buffer, handshake: boolean): Promise<Server> {
  const server = createServer((s) => {
    s.on('error', () => {});
    if (!handshake) return void s.end(stream);
    answerEsl(s, () => s.write(stream));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return server;
}

const portOf = (s: Server): number => {
  const a = s.address();
  return typeof a === 'object' && a ? a.port : 0;
};

async function bareRead(stream: Buffer, events: number): Promise<number> {
  const server = await replayServer(stream, false);
  const t0 = process.hrtime.bigint();
  await new Promise<void>((resolve) => {
    let got = 0;
    const s = createConnection({ host: '127.0.0.1', port: portOf(server) });
    s.on('data', (d: Buffer) => {
      got += d.length;
      if (got >= stream.length) s.destroy();
    });
    s.on('close', () => resolve());
  });
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  server.close();
  return events / secs;
}

async function viaEsl(stream: Buffer, events: number, whole: boolean): Promise<number> {
  const server = await replayServer(stream, true);
  const esl = { host: '127.0.0.1', port: portOf(server), password: 'bench', probeIntervalMs: 0, commandTimeoutMs: 60_000 };
  const backend = whole ? new FreeswitchBackend({ esl, sip: { host: '127.0.0.1', port: 5080 }, recordingsDir: '/nonexistent', settleMs: 0 }) : null;
  // The appliance also follows every event in its call anchor (SIP Call-ID to channel id): part of the handling.
  if (backend) new FreeswitchMedia({ srf: {} as Srf, backend, whenDown: 'unrecorded', onUnavailable: () => {}, logger: createLogger({ level: 'silent' }) });
  const conn = backend ? backend.esl : new EslConnection({ ...esl, events: FREESWITCH_EVENTS });
  let seen = 0;
  let t0 = 0n;
  const done = new Promise<void>((resolve) => {
    conn.on('event', () => {
      if (seen++ === 0) t0 = process.hrtime.bigint();
      if (seen === events) resolve();
    });
  });
  if (backend) backend.start();
  else conn.start();
  await done;
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  if (backend) await backend.close();
  else await conn.close();
  server.close();
  return (events - 1) / secs;
}

/**
 * One byte stream of events at full speed: a bare socket read, EslConnection, and the whole backend, in
 * rounds; each reader's best round, since other processes sharing the cores only ever slow a round down.
 */
export async function replayRates(bytes: Buffer, events: number, rounds = 2): Promise<{ bare: number; conn: number; backend: number }> {
  const best = { bare: 0, conn: 0, backend: 0 };
  for (let i = 0; i < rounds; i++) {
    best.bare = Math.max(best.bare, await bareRead(bytes, events));
    best.conn = Math.max(best.conn, await viaEsl(bytes, events, false));
    best.backend = Math.max(best.backend, await viaEsl(bytes, events, true));
  }
  return best;
}

export function eslRow(name: string, value: number, bare: number): BenchRow {
  return { name, value, unit: 'events/s', ceilingName: 'bare socket read', ceiling: bare, better: 'higher', target: '>= 10,000 events/s', pass: value >= 10_000 };
}

export async function mediaBench(): Promise<BenchRow[]> {
  const { bytes, events } = repeated(eslEventFrames(readFileSync(fixturePath())), REPEATS);
  process.stderr.write(`bench: media: ${events} real FreeSWITCH events, ${(bytes.length / 1e6).toFixed(0)} MB\n`);
  const r = await replayRates(bytes, events);
  return [
    eslRow('ESL events handled, EslConnection (replay of real events)', r.conn, r.bare),
    eslRow('ESL events handled, whole FreeSWITCH backend + call anchor', r.backend, r.bare),
  ];
}
