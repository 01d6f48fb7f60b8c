import t from 'tap';
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { startTestFreeswitch } from '../../helpers/freeswitch.js';
import { mediaCall } from '../../helpers/media-call.js';
import { collect, nextEvent } from '../../helpers/media-wait.js';
import { wavLevel } from '../../helpers/wav.js';
import { FreeswitchBackend } from '../../../sip/media/freeswitch/freeswitch-backend.js';
import type { MediaCallView, RecordingResult } from '../../../sip/media/types.js';

t.test('a SIPp call with RTP into the real FreeSWITCH is recorded at answer, and the stop carries the file, its duration, size and SHA-256', async (t) => {
  const fs = await startTestFreeswitch(t);
  const backend = new FreeswitchBackend({
    esl: { host: '127.0.0.1', port: fs.eslPort, password: fs.eslPassword },
    sip: { host: '127.0.0.1', port: fs.sipPort },
    recordingsDir: fs.recordingsDir,
    recordOnAnswer: () => true,
  });
  t.teardown(() => backend.close());
  backend.start();
  await nextEvent(backend, 'link', 10_000, (s) => s === 'up');
  t.equal(backend.readiness(), 'ok');

  const stops = collect<RecordingResult>(backend, 'recording-stopped');
  const ends = collect<MediaCallView>(backend, 'call-ended');
  const started = nextEvent<{ file: string; callId: string }>(backend, 'recording-started', 15_000);
  const call = await mediaCall({ port: fs.sipPort, service: 'echo', holdMs: 4000 });
  t.equal(call.code, 0, `SIPp: ${call.errors}`);
  const stop = stops[0] ?? (await nextEvent<RecordingResult>(backend, 'recording-stopped', 10_000));
  await nextEvent(backend, 'call-ended', 5000).catch(() => undefined);
  await backend.tracker.idle();

  t.match((await started).file, /\.wav$/);
  t.equal(stop.status, 'ok', stop.detail ?? '');
  t.ok(stop.durationSec > 3.2 && stop.durationSec < 4.8, `about 4 s recorded: ${stop.durationSec}`);
  t.equal(stop.bytes, statSync(stop.file).size, 'the size is the file size');
  t.ok(wavLevel(stop.file) > 100, `the file holds the call's audio, not silence (mean level ${wavLevel(stop.file).toFixed(0)})`);
  t.equal(stop.sha256, createHash('sha256').update(readFileSync(stop.file)).digest('hex'), 'the SHA-256 is the file hash');
  t.match(stop.callId, /@127\.0\.0\.1$/, 'tied to the call id carried in X-Switchboard-Call');
  t.ok(stop.reportedMs !== null && Math.abs(stop.reportedMs / 1000 - stop.durationSec) < 0.5, 'FreeSWITCH agrees on the duration');
  t.equal(stops.length, 1, 'one recording, reported once');
  t.equal(ends.length, 1, 'one call end');
  t.match(ends[0], { hangupCause: 'NORMAL_CLEARING', q850: 16, codec: 'PCMA', callId: stop.callId });
  t.ok(ends[0]!.mos !== null && ends[0]!.mos > 3, `MOS reported: ${ends[0]!.mos}`);
});
