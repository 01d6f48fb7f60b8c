import t from 'tap';
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { consoleRig, newPage, axeProblems } from '../helpers/console.js';
import { signInAs } from '../helpers/desk-console.js';
import type { Appliance } from '../../appliance/app.js';
import { beepWav } from '../../sip/media/beep-wav.js';
import type { CallRecord } from '../../sip/calls/call-record.js';

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
  const audio = beepWav();
  writeFileSync(file, audio);
  await app.sip.calls.recordingStopped({ backend: 'freeswitch', key: `fs:${file}`, callId: id, channelId: `ch-${id}`, file, status: 'ok', durationSec: 1.5, bytes: audio.length, sha256: createHash('sha256').update(audio).digest('hex'), reportedMs: 1500, startedAt: null, stoppedAt: new Date(start.getTime() + 32_000).toISOString(), detail: null });
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
  t.ok(Math.abs(duration - 1.5) < 0.1, `the browser played the WAV (${duration} s)`);
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
