import t, { type Test } from 'tap';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../../helpers/appliance.js';
import { eventFrames, startEslReplay } from '../../helpers/esl-replay.js';
import { collect, until } from '../../helpers/media-wait.js';
import { FreeswitchBackend } from '../../../sip/media/freeswitch/freeswitch-backend.js';
import { inspectRecording } from '../../../sip/media/recording-file.js';
import type { RecordingResult } from '../../../sip/media/types.js';

/** Captured from the real FreeSWITCH: a call answered, recorded by record_session, hung up by the caller. */
const FIXTURE = 'call-recorded-then-hung-up.txt';
const CHANNEL = '2d782006-31a8-47d6-84c9-7572f6fa93b4';

/** A 16-bit 8 kHz mono WAV whose header declares `declared` data bytes, followed by `present` bytes of audio. */
function wav(declared: number, present: number): Buffer {
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'latin1');
  h.writeUInt32LE(36 + declared, 4);
  h.write('WAVEfmt ', 8, 'latin1');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(1, 22);
  h.writeUInt32LE(8000, 24);
  h.writeUInt32LE(16000, 28);
  h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36, 'latin1');
  h.writeUInt32LE(declared, 40);
  const audio = Buffer.alloc(present);
  for (let i = 0; i + 1 < present; i += 2) audio.writeInt16LE(Math.round(8000 * Math.sin(i / 10)), i);
  return Buffer.concat([h, audio]);
}

async function replayStop(t: Test, prepare: (file: string) => void): Promise<RecordingResult> {
  const dir = await tempDir(t, 'swb-rec-');
  prepare(path.join(dir, `${CHANNEL}.wav`));
  const replay = await startEslReplay(eventFrames(FIXTURE, dir));
  const backend = new FreeswitchBackend({ esl: { host: '127.0.0.1', port: replay.port, password: 'x', probeIntervalMs: 0 }, sip: { host: '127.0.0.1', port: 5080 }, recordingsDir: dir, settleMs: 200 });
  t.teardown(async () => {
    await backend.close();
    await replay.close();
  });
  const stops = collect<RecordingResult>(backend, 'recording-stopped');
  backend.start();
  await until(() => stops.length > 0, 5000, 'the replayed RECORD_STOP to be reported');
  return stops[0]!;
}

t.test('a RECORD_STOP whose file is whole is recorded with its duration, size and SHA-256', async (t) => {
  const r = await replayStop(t, (f) => writeFileSync(f, wav(45920, 45920)));
  t.match(r, { status: 'ok', durationSec: 2.87, bytes: 45964, reportedMs: 2870, callId: '1-27960@127.0.0.1', channelId: CHANNEL, detail: null });
  t.match(r.sha256, /^[0-9a-f]{64}$/);
});

t.test('a RECORD_STOP whose file was cut short is recorded as truncated, with what the file holds', async (t) => {
  const r = await replayStop(t, (f) => writeFileSync(f, wav(45920, 12000)));
  t.match(r, { status: 'truncated', durationSec: 0.75, bytes: 12044, detail: /declares 45920 bytes, 12000 present/ });
  t.match(r.sha256, /^[0-9a-f]{64}$/, 'what is there is still hashed');
});

t.test('a RECORD_STOP whose file is missing is recorded as missing, not crashed on', async (t) => {
  const r = await replayStop(t, () => {});
  t.match(r, { status: 'missing', bytes: 0, sha256: null, durationSec: 0, detail: /no file/ });
});

t.test('a WAV header the writer never came back to (media server killed) is truncated, and its audio still counted', async (t) => {
  const dir = await tempDir(t, 'swb-rec-');
  const file = path.join(dir, 'killed.wav');
  writeFileSync(file, wav(0, 32000));
  t.match(await inspectRecording(file), { status: 'truncated', durationSec: 2, detail: /never finalised/ });
  writeFileSync(file, wav(0, 0));
  t.match(await inspectRecording(file), { status: 'empty', durationSec: 0 });
  writeFileSync(file, 'not a wav at all');
  t.match(await inspectRecording(file), { status: 'truncated', detail: /not a RIFF/ });
  writeFileSync(file, '');
  t.match(await inspectRecording(file), { status: 'empty' });
});
