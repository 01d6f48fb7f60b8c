import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Appliance } from '../../appliance/app.js';
import type { CallRecord } from '../../sip/calls/call-record.js';

/** Three ended calls written straight into the store, each with a small WAV under DATADIR/recordings (the recorded-calls tests make real ones). */
export const CALL_IDS = {
  inbound: '00000000-0000-4000-8000-00000000000a', // +79161234567 -> 101
  internal: '00000000-0000-4000-8000-00000000000b', // 101 -> 102
  outbound: '00000000-0000-4000-8000-00000000000c', // 103 -> +74951112233
  missing: '00000000-0000-4000-8000-0000000000ff',
};

export async function seedCalls(app: Appliance, dataDir: string): Promise<Buffer> {
  const dir = path.join(dataDir, 'recordings');
  mkdirSync(dir, { recursive: true });
  const audio = Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(996, 7)]);
  const calls: Array<Pick<CallRecord, 'id' | 'direction' | 'from' | 'to' | 'extension'>> = [
    { id: CALL_IDS.inbound, direction: 'in', from: '+79161234567', to: '+74950000000', extension: '101' },
    { id: CALL_IDS.internal, direction: 'internal', from: '101', to: '102', extension: '102' },
    { id: CALL_IDS.outbound, direction: 'out', from: '103', to: '+74951112233', extension: '103' },
  ];
  const now = Date.now();
  await app.store.write(() => {
    for (const [i, c] of calls.entries()) {
      const file = path.join(dir, `${c.id}.wav`);
      writeFileSync(file, audio);
      const start = new Date(now - (3 - i) * 60_000).toISOString();
      const record = {
        ...c,
        sipCallId: `sip-${c.id}`,
        trunk: null,
        clientId: null,
        state: 'ended',
        start,
        answer: start,
        end: start,
        durationSec: 30,
        outcome: 'answered',
        sipCause: null,
        endReason: 'caller',
        media: { anchor: 'freeswitch', recordRequested: true },
        recording: { status: 'ok', key: `key-${c.id}`, file, durationSec: 30, bytes: audio.length, sha256: '0'.repeat(64), historyEventId: null },
        historyEventId: null,
      } as CallRecord;
      app.store.db<CallRecord, [number, string]>('calls').putSync([Date.parse(start), c.id], record);
      app.store.db<number, string>('callIds').putSync(c.id, Date.parse(start));
    }
  });
  return audio;
}
