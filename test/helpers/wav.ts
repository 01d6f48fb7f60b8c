import { readFileSync, writeFileSync } from 'node:fs';
import { wavHeader } from '../../sip/media/beep-wav.js';

/** Mean absolute 16-bit sample of a PCM WAV's data chunk: near 0 for silence, hundreds or more for speech. */
export function wavLevel(file: string): number {
  const buf = readFileSync(file);
  const data = buf.indexOf('data', 12, 'latin1');
  if (data < 0) return 0;
  let sum = 0;
  let n = 0;
  for (let off = data + 8; off + 1 < buf.length; off += 2, n++) sum += Math.abs(buf.readInt16LE(off));
  return n ? sum / n : 0;
}

/** The PCM samples of a 16-bit WAV (first channel) and its sample rate. */
export function wavSamples(file: string): { rate: number; samples: Int16Array } {
  const buf = readFileSync(file);
  const fmt = buf.indexOf('fmt ', 12, 'latin1');
  const data = buf.indexOf('data', 12, 'latin1');
  if (fmt < 0 || data < 0) return { rate: 8000, samples: new Int16Array(0) };
  const channels = buf.readUInt16LE(fmt + 10);
  const rate = buf.readUInt32LE(fmt + 12);
  const n = Math.floor((buf.length - data - 8) / (2 * channels));
  const samples = new Int16Array(n);
  for (let i = 0; i < n; i++) samples[i] = buf.readInt16LE(data + 8 + i * 2 * channels);
  return { rate, samples };
}

/**
 * The share of a WAV's energy between fromSec and toSec that lies at `hz` (Goertzel over 20 ms blocks):
 * near 1 for a pure tone at hz, near 0 for silence, speech or other tones.
 */
export function wavToneShare(file: string, hz: number, fromSec: number, toSec: number): number {
  const { rate, samples } = wavSamples(file);
  const block = Math.round(rate / 50);
  const coeff = 2 * Math.cos((2 * Math.PI * hz) / rate);
  let tone = 0;
  let total = 0;
  for (let start = Math.floor(fromSec * rate); start + block <= Math.min(samples.length, toSec * rate); start += block) {
    let s1 = 0;
    let s2 = 0;
    for (let i = 0; i < block; i++) {
      const x = samples[start + i]!;
      const s0 = x + coeff * s1 - s2;
      s2 = s1;
      s1 = s0;
      total += x * x;
    }
    tone += ((s1 * s1 + s2 * s2 - coeff * s1 * s2) * 2) / block;
  }
  return total > 0 ? tone / total : 0;
}

/** Writes `seconds` of a sine at `hz` as an 8 kHz 16-bit mono WAV: what phones play from a file. */
export function writeToneWav(file: string, hz: number, seconds: number, amplitude = 8000): void {
  const data = Buffer.alloc(2 * Math.round(seconds * 8000));
  for (let i = 0; i < data.length / 2; i++) data.writeInt16LE(Math.round(amplitude * Math.sin((2 * Math.PI * hz * i) / 8000)), 2 * i);
  writeFileSync(file, Buffer.concat([wavHeader(data.length), data]));
}
