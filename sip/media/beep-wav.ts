import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { BUILTIN_ANNOUNCEMENT_HZ } from './types.js';

const RATE = 8000;

/**
 * The built-in announcement as a WAV, for a media server that plays only
 * files (Asterisk has no tone generator reachable over AMI): two 0.5 s beeps
 * at BUILTIN_ANNOUNCEMENT_HZ with 0.5 s between, 16-bit mono at 8 kHz.
 */
export function beepWav(hz = BUILTIN_ANNOUNCEMENT_HZ): Buffer {
  const samples = RATE * 1.5;
  const data = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i++) {
    const t = i / RATE;
    const on = t < 0.5 || t >= 1;
    data.writeInt16LE(on ? Math.round(8000 * Math.sin(2 * Math.PI * hz * t)) : 0, i * 2);
  }
  return Buffer.concat([wavHeader(data.length), data]);
}

/** The 44-byte header of a 16-bit mono PCM WAV at 8 kHz holding `dataBytes` of samples. */
export function wavHeader(dataBytes: number): Buffer {
  const head = Buffer.alloc(44);
  head.write('RIFF', 0, 'latin1');
  head.writeUInt32LE(36 + dataBytes, 4);
  head.write('WAVEfmt ', 8, 'latin1');
  head.writeUInt32LE(16, 16);
  head.writeUInt16LE(1, 20);
  head.writeUInt16LE(1, 22);
  head.writeUInt32LE(RATE, 24);
  head.writeUInt32LE(RATE * 2, 28);
  head.writeUInt16LE(2, 32);
  head.writeUInt16LE(16, 34);
  head.write('data', 36, 'latin1');
  head.writeUInt32LE(dataBytes, 40);
  return head;
}

/** Writes the beep once into dir (the media server must be able to read it) and returns its path. */
export function ensureBeepWav(dir: string): string {
  const file = path.join(dir, 'announcement-beep.wav');
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(file, beepWav());
  }
  return file;
}
