import t from 'tap';
import { startDrachtio } from '../../helpers/sip.js';
import { startTestFreeswitch } from '../../helpers/freeswitch.js';
import { departmentApp, departmentRecordingTests, internalCall, legalA, legalB } from '../../helpers/department-calls.js';
import { eslReply, FaultProxy } from '../../helpers/fault-proxy.js';
import { theCall } from '../../helpers/recorded-calls.js';
import { freePort } from '../../../sip/drachtio/free-port.js';

/*
 * A department's recording policy with FreeSWITCH anchoring the calls: real
 * drachtio-server, real FreeSWITCH, SIPp phones (test/helpers/department-calls.ts).
 */
const drachtio = await startDrachtio(t);
const fs = await startTestFreeswitch(t);

departmentRecordingTests(t, {
  drachtio,
  backend: 'freeswitch',
  mark: /o=FreeSWITCH/,
  media: { backend: 'freeswitch', freeswitch: { esl: { port: fs.eslPort, password: fs.eslPassword, reconnectMinMs: 100, reconnectMaxMs: 500 }, sip: { port: fs.sipPort } } },
});

// The proxy rewrites FreeSWITCH's reply: the appliance sees a refusal (the server itself did play it).
t.test('FreeSWITCH refuses the announcement: the call goes on to its normal end, recorded, and its record says announced: false', async (t) => {
  const proxy = await FaultProxy.start({ host: '127.0.0.1', port: fs.eslPort }, 'esl');
  t.teardown(() => proxy.close());
  const media = { backend: 'freeswitch', freeswitch: { esl: { port: proxy.port, password: fs.eslPassword, reconnectMinMs: 100, reconnectMaxMs: 500 }, sip: { port: fs.sipPort } } };
  const { app, sup, logs } = await departmentApp(t, { drachtio, backend: 'freeswitch', mark: /o=FreeSWITCH/, media }, await freePort(), { record: true, announce: true });
  const rule = proxy.rewriteReplyTo(/^api uuid_broadcast /m, (f) => f.includes('Content-Type: api/response'), (f) => eslReply(f, '-ERR no such channel\n'));
  await internalCall(t, `127.0.0.1:${drachtio.sipPort}`, legalA, legalB, 2000);
  t.equal(rule.hits, 1, 'the announcement was the command refused');
  const call = await theCall(app, sup, (x) => x.state === 'ended' && (x.recording as { status?: string } | null)?.status === 'ok', 'the recorded call');
  t.match(call, { outcome: 'answered', endReason: 'caller', media: { announce: true, announced: false } });
  t.ok(logs.records().some((l) => l.msg === 'recording announcement not played' && l.call === call.id && l.level === 40), 'a warning says why');
});
