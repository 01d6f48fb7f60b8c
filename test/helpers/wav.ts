import { readFileSync } from 'node:fs';

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
