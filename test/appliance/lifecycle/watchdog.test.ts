import t from 'tap';
import { setTimeout as sleep } from 'node:timers/promises';
import { createNotifier, loadBinding, watchdogFromEnv } from '../../../appliance/lifecycle/sd-notify.js';
import { applianceProbe, startHeartbeat } from '../../../appliance/lifecycle/watchdog.js';

t.test('the watchdog is read from WATCHDOG_USEC and stays off for another WATCHDOG_PID', async (t) => {
  t.same(watchdogFromEnv({ WATCHDOG_USEC: '20000000' }, 42), { timeoutMs: 20_000 });
  t.same(watchdogFromEnv({ WATCHDOG_USEC: '20000000', WATCHDOG_PID: '42' }, 42), { timeoutMs: 20_000 });
  t.match(watchdogFromEnv({ WATCHDOG_USEC: '20000000', WATCHDOG_PID: '41' }, 42), { disabled: /WATCHDOG_PID=41 is another process/ });
  t.match(watchdogFromEnv({}, 42), { disabled: /unset/ });
  for (const bad of ['0', '-5', '2s', ' 1']) t.match(watchdogFromEnv({ WATCHDOG_USEC: bad }, 42), { disabled: /not a positive integer/ }, bad);
});

t.test('without NOTIFY_SOCKET the notifier is a no-op and never loads the addon', async (t) => {
  const n = createNotifier({}, () => t.fail('loaded') as never);
  t.equal(n.enabled, false);
  n.ready('x');
  n.status('x');
  n.stopping('x');
  n.watchdog();
});

t.test('each message is one datagram, and a newline in a status cannot forge another assignment', async (t) => {
  const sent: string[] = [];
  const n = createNotifier({ NOTIFY_SOCKET: '/run/x' }, () => ({ sendState: (s: string) => void sent.push(s) }));
  n.ready('listening on 127.0.0.1:1');
  n.status('evil\nREADY=1\r\nWATCHDOG=1');
  n.watchdog();
  n.stopping('bye');
  t.same(sent, ['READY=1\nSTATUS=listening on 127.0.0.1:1', 'STATUS=evil READY=1 WATCHDOG=1', 'WATCHDOG=1', 'STOPPING=1\nSTATUS=bye']);
});

t.test('an addon that cannot load is a catalogue error naming the fix, and a socket nobody reads is not fatal', async (t) => {
  t.throws(() => loadBinding('sd-notify-not-installed'), { code: 'SWB_ERR_SERVICE_MANAGER', message: /NOTIFY_SOCKET is set but the sd-notify addon cannot load .*libsystemd-dev/ });
  const real = createNotifier({ NOTIFY_SOCKET: '/nonexistent/notify.sock' });
  t.equal(real.enabled, true, 'the real addon loads (the suite builds it with libsystemd-dev)');
  t.doesNotThrow(() => real.status('nobody listens'), 'sd_notify fails with ENOENT, which is not worth crashing for');
});

t.test('the probe fails on a stalled loop or a dead store, and passes otherwise', async (t) => {
  let storeOk = true;
  const probe = applianceProbe(1_000, () => storeOk);
  t.equal(probe(20), null);
  t.match(probe(1_500), /event loop stalled for 1500 ms \(limit 1000 ms\)/);
  storeOk = false;
  t.match(probe(20), /data store does not answer/);
});

t.test('a heartbeat reports a blocked event loop as unhealthy, then healthy again', async (t) => {
  const events: string[] = [];
  const hb = startHeartbeat({
    intervalMs: 100,
    probe: applianceProbe(100, () => true),
    onHealthy: () => events.push('ok'),
    onUnhealthy: (r) => events.push(r),
  });
  t.teardown(() => hb.stop());
  await sleep(250);
  const spinUntil = Date.now() + 400;
  while (Date.now() < spinUntil); // a hot loop: no timer can fire
  await sleep(350);
  hb.stop();
  const stall = events.findIndex((e) => e.startsWith('event loop stalled'));
  t.ok(events.indexOf('ok') < stall && stall >= 0, `ok, then a stall: ${events.join(' | ')}`);
  t.ok(events.slice(stall + 1).includes('ok'), 'healthy again once the loop runs freely');
});
