import t from 'tap';
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { consoleRig, newPage, axeProblems } from '../helpers/console.js';
import { signInAs } from '../helpers/desk-console.js';
import type { Appliance } from '../../appliance/app.js';
import type { CallRecord } from '../../sip/calls/call-record.js';

/** A 2-second 440 Hz tone, 8 kHz mono 16-bit PCM: what the media servers write. */
function wav(seconds: number): Buffer {
  const rate = 8000;
  const n = rate * seconds;
  const b = Buffer.alloc(44 + n * 2);
  b.write('RIFF', 0);
  b.writeUInt32LE(36 + n * 2, 4);
  b.write('WAVEfmt ', 8);
  b.writeUInt32LE(16, 16);
  b.writeUInt16LE(1, 20);
  b.writeUInt16LE(1, 22);
  b.writeUInt32LE(rate, 24);
  b.writeUInt32LE(rate * 2, 28);
  b.writeUInt16LE(2, 32);
  b.writeUInt16LE(16, 34);
  b.write('data', 36);
  b.writeUInt32LE(n * 2, 40);
  for (let i = 0; i < n; i++) b.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / rate)), 44 + i * 2);
  return b;
}

/** A recorded trunk call to `extension`, written the way telephony writes one: record, end, recording. */
async function recordedCall(app: Appliance, dataDir: string, id: string, extension: string): Promise<void> {
  const start = new Date(Date.now() - 60_000);
  const record: CallRecord = { id, sipCallId: `s-${id}`, direction: 'in', from: '+79161234567', to: '+74950000000', extension, trunk: 'main', clientId: null, state: 'ringing', start: start.toISOString(), answer: null, end: null, durationSec: 0, outcome: null, sipCause: null, endReason: null, media: { anchor: 'freeswitch', recordRequested: true }, recording: null, historyEventId: null };
  app.sip.calls.open(record);
  app.sip.calls.answered(id, new Date(start.getTime() + 2000), extension);
  await app.sip.calls.finish(id, { end: new Date(start.getTime() + 32_000), outcome: 'answered', sipCause: null, endReason: 'caller' });
  const dir = path.join(dataDir, 'recordings');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${id}.wav`);
  const audio = wav(2);
  writeFileSync(file, audio);
  await app.sip.calls.recordingStopped({ backend: 'freeswitch', key: `fs:${file}`, callId: id, channelId: `ch-${id}`, file, status: 'ok', durationSec: 2, bytes: audio.length, sha256: createHash('sha256').update(audio).digest('hex'), reportedMs: 2000, startedAt: null, stoppedAt: new Date(start.getTime() + 32_000).toISOString(), detail: null });
}

t.test("a recording plays in the timeline for the call's own operator (by Range), and another operator of the department is not offered it", async (t) => {
  const { app, base, browser } = await consoleRig(t);
  const dataDir = app.config.dataDir;
  const mineId = '00000000-0000-4000-8000-0000000000a1';
  const theirsId = '00000000-0000-4000-8000-0000000000b2';
  await recordedCall(app, dataDir, mineId, '101');
  await recordedCall(app, dataDir, theirsId, '102');
  const clientId = app.sip.calls.get(mineId)!.clientId!;
  const conv = await app.conversations.open({ clientId, channelId: null, department: 'sales' }, { actor: 'test', source: 'test' });

  const page = await newPage(t, browser);
  const ranges: string[] = [];
  page.on('request', (r) => r.url().includes('/recording') && ranges.push(r.headers()['range'] ?? 'none'));
  await signInAs(page, base, app, 'olga', 'operator', { department: 'sales', extension: '101' });
  await page.goto(`${base}/c/${conv.id}`);
  const history = page.getByRole('list', { name: 'History' });
  const players = history.locator('audio');
  await players.first().waitFor();
  t.equal(await players.count(), 1, 'one player: her own call, not the other extension\'s');
  t.same(ranges, [], 'nothing fetched before someone presses play');
  t.same(await axeProblems(page), [], 'the timeline with a player has no serious accessibility problem');
  const duration = await players.first().evaluate(async (a: HTMLAudioElement) => {
    a.muted = true;
    await a.play();
    return a.duration;
  });
  t.ok(Math.abs(duration - 2) < 0.1, `the browser played the WAV (${duration} s)`);
  t.ok(ranges.some((r) => r.startsWith('bytes=')), `the browser asked by Range (${ranges.join(', ')})`);
  t.ok([...app.audit.all()].some((r) => r.action === 'call.recording.fetch' && r.target === `call:${mineId}` && r.actor === 'user:olga'), 'and the fetch is audited');
  t.notOk([...app.audit.all()].some((r) => r.action === 'call.recording.refused'), 'no refused attempt was made on her behalf');
  const other = await page.request.get(`${base}/api/v1/calls/${theirsId}/recording`);
  t.equal(other.status(), 404, "the other extension's recording is refused by the API too");

  const sup = await newPage(t, browser);
  await signInAs(sup, base, app, 'sveta', 'supervisor');
  await sup.goto(`${base}/c/${conv.id}`);
  await sup.getByRole('list', { name: 'History' }).locator('audio').nth(1).waitFor();
  t.pass('a supervisor is offered both');
});
