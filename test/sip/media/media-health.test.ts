import t from 'tap';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Registry } from 'prom-client';
import { tempDir } from '../../helpers/appliance.js';
import { eventFrames, startEslReplay } from '../../helpers/esl-replay.js';
import { until } from '../../helpers/media-wait.js';
import { FreeswitchBackend } from '../../../sip/media/freeswitch/freeswitch-backend.js';
import { MediaMetrics } from '../../../sip/media/metrics.js';
import { createMediaBackend } from '../../../sip/media/create.js';

t.test('the link state and every closed recording show in the metrics, with no ids in the labels', async (t) => {
  const dir = await tempDir(t, 'swb-rec-');
  writeFileSync(path.join(dir, '2d782006-31a8-47d6-84c9-7572f6fa93b4.wav'), 'truncated');
  const replay = await startEslReplay(eventFrames('call-recorded-then-hung-up.txt', dir));
  const backend = new FreeswitchBackend({ esl: { host: '127.0.0.1', port: replay.port, password: 'x', probeIntervalMs: 0 }, sip: { host: '127.0.0.1', port: 5080 }, recordingsDir: dir, settleMs: 0 });
  t.teardown(async () => {
    await backend.close();
    await replay.close();
  });
  const registry = new Registry();
  new MediaMetrics(registry, backend);
  const readiness = new Map([['media', () => backend.readiness()]]);
  t.equal(readiness.get('media')!(), 'down', '/readyz says down before the link is up');
  backend.start();
  await until(() => backend.readiness() === 'ok', 5000, 'the link');
  await until(async () => (await registry.metrics()).includes('swb_media_recordings_total{backend="freeswitch",status="truncated"} 1'), 5000, 'the recording in the metrics');
  const text = await registry.metrics();
  t.match(text, 'swb_media_link_up{backend="freeswitch"} 1');
  t.match(text, 'swb_media_link_connects_total{backend="freeswitch"} 1');
  t.match(text, /swb_media_events_total\{backend="freeswitch"\} 11/);
  t.notMatch(text, /2d782006|@127\.0\.0\.1|\.wav/, 'no channel id, call id or file in any label');
  await replay.close();
  await until(() => backend.readiness() === 'down', 5000, 'the link to go down with the server');
  t.match(await registry.metrics(), 'swb_media_link_up{backend="freeswitch"} 0');
});

t.test('a wrong event-socket password keeps the link down and says why; `media: none` makes no backend', async (t) => {
  const { createServer } = await import('node:net');
  // What FreeSWITCH does on a wrong password: -ERR invalid, then a disconnect notice.
  const server = createServer((s) => {
    s.write('Content-Type: auth/request\n\n');
    s.once('data', () => s.end('Content-Type: command/reply\nReply-Text: -ERR invalid\n\nContent-Type: text/disconnect-notice\nContent-Length: 0\n\n'));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => server.close());
  const port = (server.address() as { port: number }).port;
  const backend = createMediaBackend({ kind: 'freeswitch', options: { esl: { host: '127.0.0.1', port, password: 'wrong', reconnectMinMs: 50, reconnectMaxMs: 100 }, sip: { host: '127.0.0.1', port: 5080 }, recordingsDir: '/tmp' } })!;
  t.teardown(() => backend.close());
  backend.start();
  await until(() => /authentication failed/.test(backend.stats().lastError ?? ''), 5000, 'the refusal');
  t.equal(backend.readiness(), 'down');
  t.equal(createMediaBackend({ kind: 'none' }), null);
});
