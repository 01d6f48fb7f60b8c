import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import type { RecordingStatus } from './types.js';

/**
 * What a closed recording is, from the file itself: the media server's own
 * figures are a claim, the bytes on disk are what the client's history keeps.
 * Duration comes from the WAV header's format and the data actually present,
 * so a file cut short (disk full, media server killed) says how much it holds
 * and is marked truncated instead of being trusted or crashed on.
 */
export interface RecordingInspection {
  status: RecordingStatus;
  durationSec: number;
  bytes: number;
  sha256: string | null;
  detail: string | null;
}

interface WavHeader {
  byteRate: number;
  dataOffset: number;
  declaredData: number;
}

/** RIFF/WAVE chunks up to "data"; null when the file does not start like a WAV. */
function parseWav(head: Buffer): WavHeader | string {
  if (head.length < 12 || head.toString('latin1', 0, 4) !== 'RIFF' || head.toString('latin1', 8, 12) !== 'WAVE') return 'not a RIFF/WAVE file';
  let off = 12;
  let byteRate = 0;
  while (off + 8 <= head.length) {
    const id = head.toString('latin1', off, off + 4);
    const size = head.readUInt32LE(off + 4);
    if (id === 'fmt ' && off + 8 + 16 <= head.length) byteRate = head.readUInt32LE(off + 8 + 8);
    if (id === 'data') return byteRate > 0 ? { byteRate, dataOffset: off + 8, declaredData: size } : 'no fmt chunk before data';
    off += 8 + size + (size % 2);
  }
  return 'no data chunk in the header';
}

async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export async function inspectRecording(file: string): Promise<RecordingInspection> {
  let bytes: number;
  try {
    bytes = (await stat(file)).size;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { status: 'missing', durationSec: 0, bytes: 0, sha256: null, detail: code === 'ENOENT' ? 'no file at hangup' : `cannot read: ${code}` };
  }
  const fh = await open(file, 'r');
  const head = Buffer.alloc(Math.min(bytes, 4096));
  try {
    await fh.read(head, 0, head.length, 0);
  } finally {
    await fh.close();
  }
  const sha256 = await sha256Of(file);
  if (bytes === 0) return { status: 'empty', durationSec: 0, bytes, sha256, detail: 'the file is empty' };
  const wav = parseWav(head);
  if (typeof wav === 'string') return { status: 'truncated', durationSec: 0, bytes, sha256, detail: wav };
  const present = Math.max(0, bytes - wav.dataOffset);
  const durationSec = Math.round((present / wav.byteRate) * 1000) / 1000;
  // 0 or 0xFFFFFFFF: the writer never came back to fill in the size (it was killed, or has not closed yet).
  if ((wav.declaredData === 0 || wav.declaredData === 0xffffffff) && present > 0) {
    return { status: 'truncated', durationSec, bytes, sha256, detail: `the header was never finalised (${present} data bytes present)` };
  }
  if (wav.declaredData > present) {
    return { status: 'truncated', durationSec, bytes, sha256, detail: `data chunk declares ${wav.declaredData} bytes, ${present} present` };
  }
  if (present === 0) return { status: 'empty', durationSec: 0, bytes, sha256, detail: 'no audio in the file' };
  return { status: 'ok', durationSec: Math.round((Math.min(present, wav.declaredData) / wav.byteRate) * 1000) / 1000, bytes, sha256, detail: null };
}

/**
 * Inspects the file, retrying while it is not yet whole: the stop event can
 * come before the writer has closed the file (Asterisk finalises the WAV header
 * in its MixMonitor thread after the Hangup event). Returns the last look.
 */
export async function settleRecording(file: string, waitMs: number, pollMs = 50): Promise<RecordingInspection> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const seen = await inspectRecording(file);
    if (seen.status === 'ok' || Date.now() >= deadline) return seen;
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/** The idempotency key of a recording: a stop seen twice (replayed, or after a reconnect) has the same key. */
export function recordingKey(backend: string, file: string): string {
  return createHash('sha256').update(`${backend}\0${file}`).digest('hex').slice(0, 32);
}
