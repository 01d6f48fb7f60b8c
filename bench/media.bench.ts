import { existsSync, readFileSync } from 'node:fs';
import { createConnection, createServer, type Server } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EslConnection } from '../sip/media/freeswitch/esl-connection.js';
import { FREESWITCH_EVENTS, FreeswitchBackend } from '../sip/media/freeswitch/freeswitch-backend.js';
import type { BenchRow } from './harness.js';
import { answerEsl } from '../test/helpers/esl-replay.js';

/**
 * ESL event handling at full speed: the events of a real FreeSWITCH call
 * (test/fixtures/esl, captured bytes: create, answer, record start and stop,
 * hangup...) repeated with a fresh channel id each time, written as fast as
 * the socket takes them. Measured through the appliance's EslConnection
 * (modesl's parser, our framing checks, the event object) and through the
 * whole FreeSWITCH backend (tracking, dedupe, recording inspection), each
 * beside a bare socket read of the very same bytes in the same run.
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

/** The captured event frames, REPEATS times, each repeat with its own channel id of the same length. */
function eventStream(): { bytes: Buffer; events: number } {
  const raw = readFileSync(fixturePath());
  const frames: string[] = [];
  let i = 0;
  while (i < raw.length) {
    const end = raw.indexOf('\n\n', i);
    const head = raw.toString('latin1', i, end);
    const len = Number(/Content-Length: (\d+)/.exec(head)?.[1] ?? 0);
    if (head.includes('text/event-json')) frames.push(raw.toString('latin1', i, end + 2 + len));
    i = end + 2 + len;
  }
  const uuid = /"Unique-ID":"([0-9a-f-]{36})"/.exec(frames[0]!)![1]!;
  const one = frames.join('');
  const parts: Buffer[] = [];
  for (let r = 0; r < REPEATS; r++) parts.push(Buffer.from(one.replaceAll(uuid, `${uuid.slice(0, 24)}${String(r).padStart(12, '0')}`), 'latin1'));
  return { bytes: Buffer.concat(parts), events: frames.length * REPEATS };
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

export async function mediaBench(): Promise<BenchRow[]> {
  const { bytes, events } = eventStream();
  process.stderr.write(`bench: media: ${events} real FreeSWITCH events, ${(bytes.length / 1e6).toFixed(0)} MB\n`);
  const bare = await bareRead(bytes, events);
  const conn = await viaEsl(bytes, events, false);
  const backend = await viaEsl(bytes, events, true);
  const row = (name: string, value: number): BenchRow => ({
    name,
    value,
    unit: 'events/s',
    ceilingName: 'bare socket read',
    ceiling: bare,
    better: 'higher',
    target: '>= 10,000 events/s',
    pass: value >= 10_000,
  });
  return [row('ESL events handled, EslConnection (replay of real events)', conn), row('ESL events handled, whole FreeSWITCH backend', backend)];
}
