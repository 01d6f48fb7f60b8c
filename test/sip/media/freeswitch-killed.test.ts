import t from 'tap';
import { startTestFreeswitch } from '../../helpers/freeswitch.js';
import { startMediaCall } from '../../helpers/media-call.js';
import { collect, until } from '../../helpers/media-wait.js';
import { FreeswitchBackend } from '../../../sip/media/freeswitch/freeswitch-backend.js';
import type { MediaCallView, RecordingResult } from '../../../sip/media/types.js';

t.test('FreeSWITCH killed in mid-call: the link says down at once, and once it is back the call and its cut-off recording are each reported once, as such', async (t) => {
  const fs = await startTestFreeswitch(t);
  const backend = new FreeswitchBackend({
    esl: { host: '127.0.0.1', port: fs.eslPort, password: fs.eslPassword, commandTimeoutMs: 1500, reconnectMinMs: 100, reconnectMaxMs: 500, probeIntervalMs: 0 },
    sip: { host: '127.0.0.1', port: fs.sipPort },
    recordingsDir: fs.recordingsDir,
    recordOnAnswer: () => true,
    settleMs: 300,
  });
  t.teardown(() => backend.close());
  const started = collect<{ file: string }>(backend, 'recording-started');
  const stopped = collect<RecordingResult>(backend, 'recording-stopped');
  const ended = collect<MediaCallView>(backend, 'call-ended');
  const links = collect<string>(backend, 'link');
  backend.start();
  await until(() => backend.readiness() === 'ok', 10_000, 'the link');

  const call = await startMediaCall({ port: fs.sipPort, service: 'echo', holdMs: 20_000, timeoutSeconds: 30 });
  await until(() => started.length === 1, 15_000, 'the recording to start');
  await new Promise((r) => setTimeout(r, 5000));
  await fs.process.stop('SIGKILL');
  await until(() => backend.readiness() === 'down', 3000, 'the link to go down');
  t.ok(links.includes('down'), "the B2BUA hears 'link down' and can clean up its SIP legs");
  call.child.kill('SIGTERM'); // the caller's leg is the B2BUA's to end; here SIPp stands in for it
  await call.done;

  await fs.restart();
  await until(() => stopped.length === 1 && ended.length === 1, 20_000, 'the reconciled recording and call end');
  await backend.tracker.idle();
  t.equal(stopped[0]!.file, started[0]!.file);
  // FreeSWITCH buffers what it writes, so a kill leaves a header and whatever was flushed: never a whole file.
  t.match(stopped[0]!.status, /^(truncated|empty)$/, `recorded as cut off: ${stopped[0]!.status}, ${stopped[0]!.detail}, ${stopped[0]!.bytes} bytes`);
  t.ok(stopped[0]!.durationSec < 6, `only what was flushed is counted: ${stopped[0]!.durationSec} s`);
  t.match(stopped[0]!.sha256, /^[0-9a-f]{64}$/);
  t.equal(ended[0]!.hangupCause, null, 'the cause is unknown, not made up');
  t.equal(stopped.length + ended.length, 2, 'each reported once');
});
