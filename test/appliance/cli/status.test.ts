import t from 'tap';
import { runCli, startAppliance, stop } from '../../helpers/cli.js';
import { tempDir, STRONG_PASSWORD } from '../../helpers/appliance.js';
import { Store } from '../../../domain/store/store.js';
import { BindingStore } from '../../../sip/registrar/bindings.js';
import type { CallRecord } from '../../../sip/calls/call-record.js';

function call(id: string, minutesAgo: number, from: string, outcome: CallRecord['outcome']): CallRecord {
  const start = new Date(Date.now() - minutesAgo * 60_000).toISOString();
  return { id, sipCallId: `${id}@test`, direction: 'in', from, to: '+74951112233', extension: '101', trunk: 'main', clientId: null, state: 'ended', start, answer: null, end: start, durationSec: 42, outcome, sipCause: null, endReason: null, media: { anchor: 'direct', recordRequested: false }, recording: null, historyEventId: null } as CallRecord;
}

t.test('status, registrations and calls --since tell an admin at the box what runs, who is registered and which calls came', async (t) => {
  const dataDir = await tempDir(t);
  const env = { SWITCHBOARD_DATA_DIR: dataDir, SWITCHBOARD_LISTEN: '127.0.0.1:0' };
  t.equal((await runCli(['user', 'add', 'root', '--role', 'admin', '--password-stdin'], { env, stdin: STRONG_PASSWORD })).code, 0);
  const store = await Store.open({ dataDir });
  await new BindingStore(store).apply('101', [{ contact: '<sip:101@192.0.2.21:5060>', expires: 600 }], { callId: 'r1', cseq: 1, userAgent: 'Yealink SIP-T46U', received: 'udp/192.0.2.21:5060' }, 5);
  await new BindingStore(store).apply('102', [{ contact: '<sip:102@192.0.2.22:5060>', expires: 1 }], { callId: 'r2', cseq: 1, userAgent: 'gone', received: 'udp/192.0.2.22:5060' }, 5);
  const calls = store.db<CallRecord, [number, string]>('calls');
  for (const c of [call('c-old', 180, '+79160000001', 'answered'), call('c-new', 10, '+79160000002', 'missed')]) await calls.put([Date.parse(c.start), c.id], c);
  await store.close();
  await new Promise((r) => setTimeout(r, 1100)); // 102's registration lapses

  const down = await runCli(['status', '--json'], { env });
  t.equal(down.code, 0, down.stderr);
  t.match(JSON.parse(down.stdout), { running: false, pid: null, users: 1, admins: 1, registrations: 1, callsLast24h: 2 });

  const { child } = await startAppliance(env);
  t.teardown(() => stop(child));
  const up = await runCli(['status'], { env });
  t.match(up.stdout, new RegExp(`running \\(pid ${child.pid}\\)`), 'the running appliance is found by its pid');
  t.match(up.stdout, /phones +1 registered contact\n/);

  const regs = await runCli(['registrations'], { env });
  t.equal(regs.stdout.trim().split('\n').length, 1, 'only the live registration');
  t.match(regs.stdout, /^101\tudp\/192\.0\.2\.21:5060\tYealink SIP-T46U\texpires in \d+ s\t<sip:101@192\.0\.2\.21:5060>$/m);

  const lastHour = await runCli(['calls', '--since', '1h'], { env });
  t.match(lastHour.stdout, /\tin\t\+79160000002\t\+74951112233\t101\tmissed\t42 s\tc-new$/m);
  t.notOk(lastHour.stdout.includes('c-old'), 'the call of three hours ago is not in the last hour');
  const lastDay = await runCli(['calls', '--since', '1d', '--json'], { env });
  t.same(lastDay.stdout.trim().split('\n').map((l) => (JSON.parse(l) as CallRecord).id), ['c-new', 'c-old'], 'newest first');

  const bad = await runCli(['calls', '--since', 'yesterday-ish'], { env });
  t.equal(bad.code, 1);
  t.match(bad.stderr, /--since: got "yesterday-ish", expected a duration such as 30m, 1h, 2d or an ISO time/);
});
