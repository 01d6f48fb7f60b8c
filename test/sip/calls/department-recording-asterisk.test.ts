import t from 'tap';
import { startDrachtio } from '../../helpers/sip.js';
import { startTestAsterisk } from '../../helpers/asterisk.js';
import { departmentApp, departmentRecordingTests, internalCall, legalA, legalB } from '../../helpers/department-calls.js';
import { FaultProxy } from '../../helpers/fault-proxy.js';
import { theCall } from '../../helpers/recorded-calls.js';
import { wavToneShare } from '../../helpers/wav.js';
import { freePort } from '../../../sip/drachtio/free-port.js';
import { BUILTIN_ANNOUNCEMENT_HZ } from '../../../sip/media/types.js';

/*
 * A department's recording policy with Asterisk anchoring the calls: real
 * drachtio-server, real Asterisk 22, SIPp phones (test/helpers/department-calls.ts).
 * The announcement is played by re-bridging with Tone: Both (AMI has no Playback).
 */
const drachtio = await startDrachtio(t);
const ast = await startTestAsterisk(t);

departmentRecordingTests(t, {
  drachtio,
  backend: 'asterisk',
  mark: /s=Asterisk/,
  media: { backend: 'asterisk', asterisk: { ami: { port: ast.amiPort, username: ast.amiUser, secret: ast.amiSecret, reconnectMinMs: 100, reconnectMaxMs: 500 }, sip: { port: ast.sipPort } } },
});

// The proxy rewrites Asterisk's reply to the first Setvar: the appliance then bridges without the tone.
t.test('Asterisk refuses the announcement: the call is bridged without it, goes on to its normal end, recorded, and its record says announced: false', async (t) => {
  const proxy = await FaultProxy.start({ host: '127.0.0.1', port: ast.amiPort }, 'ami');
  t.teardown(() => proxy.close());
  const media = { backend: 'asterisk', asterisk: { ami: { port: proxy.port, username: ast.amiUser, secret: ast.amiSecret, reconnectMinMs: 100, reconnectMaxMs: 500 }, sip: { port: ast.sipPort } } };
  const { app, sup, logs } = await departmentApp(t, { drachtio, backend: 'asterisk', mark: /s=Asterisk/, media }, await freePort(), { record: true, announce: true });
  const rule = proxy.rewriteReplyTo(/^Action: Setvar\r\n/m, (f) => /^Response: Success\r\n/.test(f), (f) => f.replace('Response: Success', 'Response: Error').replace(/Message: [^\r]*/, 'Message: No such channel'));
  await internalCall(t, `127.0.0.1:${drachtio.sipPort}`, legalA, legalB, 3000);
  t.equal(rule.hits, 1, 'the announcement was the command refused');
  const call = await theCall(app, sup, (x) => x.state === 'ended' && ['ok', 'empty'].includes((x.recording as { status?: string } | null)?.status ?? ''), 'the recorded call');
  t.match(call, { outcome: 'answered', endReason: 'caller', media: { announce: true, announced: false } });
  t.ok(logs.records().some((l) => l.msg === 'recording announcement not played' && l.call === call.id && l.level === 40), 'a warning says why');
  const share = wavToneShare((call.recording as { file: string }).file, BUILTIN_ANNOUNCEMENT_HZ, 0, 1);
  t.ok(share < 0.1, `no tone in the recording (share ${share.toFixed(2)})`);
});
