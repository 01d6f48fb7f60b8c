import t from 'tap';
import { once } from 'node:events';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { runCli, startAppliance, stop } from '../../helpers/cli.js';
import { tempDir, STRONG_PASSWORD } from '../../helpers/appliance.js';
import { notifySocket, type Datagram } from '../../helpers/notify-socket.js';

/*
 * The built appliance against a real unix datagram socket, as systemd runs it
 * with Type=notify and WatchdogSec=2s (WATCHDOG_USEC=2000000): pings every second.
 */

const isPing = (d: Datagram): boolean => d.fields.WATCHDOG === '1';

t.test('under systemd the appliance says READY=1 once it accepts, pings while healthy, and STOPPING=1 on SIGTERM', async (t) => {
  const dir = await tempDir(t);
  const sock = await notifySocket(t, path.join(dir, 'notify.sock'));
  const env = { SWITCHBOARD_DATA_DIR: path.join(dir, 'data'), SWITCHBOARD_LISTEN: '127.0.0.1:0', NOTIFY_SOCKET: sock.address, WATCHDOG_USEC: '2000000' };
  const { child, url, logs } = await startAppliance(env);
  t.teardown(() => stop(child, 'SIGKILL'));

  const ready = await sock.waitFor((d) => d.fields.READY === '1', 5_000, 'READY=1');
  t.equal(ready.pid, child.pid, 'READY=1 comes from the main process itself (NotifyAccess=main)');
  t.match(ready.fields.STATUS, /^listening on 127\.0\.0\.1:\d+, 0 users, no admin yet/, 'READY=1 carries a readable STATUS');
  const where = /listening on (\S+),/.exec(ready.fields.STATUS!)![1];
  t.equal(`http://${where}`, url, 'STATUS names the address the appliance logged');
  t.equal((await fetch(`http://${where}/healthz`)).status, 200, 'the listener accepts by the time READY=1 arrives');
  t.ok(
    sock.received.indexOf(ready) === 0,
    'nothing, in particular no ping, precedes READY=1',
  );
  t.match(logs.join('\n'), /"watchdogMs":2000,"pingEveryMs":1000/, 'the log says the watchdog is on and how often it pings');

  // Pings: about every second.
  await sleep(4_000);
  const pings = sock.received.filter(isPing);
  t.ok(pings.length >= 3, `at least 3 pings in 4 s (got ${pings.length})`);
  for (const p of pings) t.equal(p.pid, child.pid, 'each ping comes from the main process');
  const gaps = pings.slice(1).map((p, i) => p.t - pings[i]!.t);
  t.ok(gaps.every((g) => g > 700 && g < 1_600), `pings are ~1 s apart: ${gaps.map(Math.round).join(', ')} ms`);

  // A frozen process sends nothing; systemd would kill it after WatchdogSec.
  child.kill('SIGSTOP');
  const frozenAt = Date.now();
  await sleep(3_000);
  const thawedAt = Date.now();
  child.kill('SIGCONT');
  // A ping already in the socket's path when the signal landed may arrive a moment later: allow 200 ms.
  const whileFrozen = sock.received.filter((d) => isPing(d) && d.t > frozenAt + 200 && d.t < thawedAt);
  t.same(whileFrozen, [], 'no ping while the process is stopped');

  // On resuming, the first tick sees the stall, withholds its ping and says why; then pings resume.
  const stalled = await sock.waitFor((d) => d.t >= thawedAt && /^unhealthy: event loop stalled for \d+ ms/.test(d.fields.STATUS ?? ''), 3_000, 'a STATUS naming the stall');
  t.match(stalled.fields.STATUS, /watchdog ping withheld/);
  const resumed = await sock.waitFor((d) => isPing(d) && d.t > stalled.t, 3_000, 'a ping after SIGCONT');
  const recovered = await sock.waitFor((d) => d.t > stalled.t && /^listening on /.test(d.fields.STATUS ?? ''), 1_000, 'STATUS back to "listening on ..."');
  t.ok(recovered.t - resumed.t < 100, 'STATUS goes back to "listening on ..." with the first ping after the stall');
  t.match(logs.join('\n'), /unhealthy: watchdog ping withheld/, 'the withheld ping is logged');

  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const stopping = await sock.waitFor((d) => d.fields.STOPPING === '1', 5_000, 'STOPPING=1');
  t.match(stopping.fields.STATUS, /^stopping: draining requests/);
  const [code] = (await exited) as [number | null];
  t.equal(code, 0, 'SIGTERM ends it with exit code 0');
  t.notOk(
    sock.received.some((d) => isPing(d) && d.t > stopping.t),
    'no ping after STOPPING=1',
  );
});

t.test('an abstract-namespace NOTIFY_SOCKET ("@name") works, and STATUS counts users', async (t) => {
  const dir = await tempDir(t);
  const sock = await notifySocket(t, `@swb-test-${process.pid}-${Date.now()}`);
  const env = { SWITCHBOARD_DATA_DIR: path.join(dir, 'data'), SWITCHBOARD_LISTEN: '127.0.0.1:0' };
  const add = await runCli(['user', 'add', 'alice', '--role', 'admin', '--password-stdin'], { env, stdin: STRONG_PASSWORD });
  t.equal(add.code, 0, add.stderr);
  const { child } = await startAppliance({ ...env, NOTIFY_SOCKET: sock.address });
  t.teardown(() => stop(child, 'SIGKILL'));
  const ready = await sock.waitFor((d) => d.fields.READY === '1', 5_000, 'READY=1');
  t.match(ready.fields.STATUS, /^listening on 127\.0\.0\.1:\d+, 1 user$/);
  t.equal(await stop(child), 0);
  t.notOk(sock.received.some(isPing), 'no WATCHDOG_USEC, no pings');
});

t.test('without NOTIFY_SOCKET the appliance starts and stops as before, without loading the addon', async (t) => {
  const dir = await tempDir(t);
  const { child, logs } = await startAppliance({ SWITCHBOARD_DATA_DIR: dir, SWITCHBOARD_LISTEN: '127.0.0.1:0', WATCHDOG_USEC: '2000000' });
  t.notMatch(logs.join('\n'), /service manager notified/);
  t.equal(await stop(child), 0);
});

t.test('a startup failure under systemd is put in STATUS before the process exits', async (t) => {
  const dir = await tempDir(t);
  const sock = await notifySocket(t, path.join(dir, 'notify.sock'));
  const r = await runCli(['start'], { env: { SWITCHBOARD_LISTEN: 'not-an-address', NOTIFY_SOCKET: sock.address, SWITCHBOARD_DATA_DIR: dir } });
  t.equal(r.code, 78);
  const status = await sock.waitFor((d) => 'STATUS' in d.fields, 2_000, 'a STATUS line');
  t.match(status.fields.STATUS, /^cannot start: SWB_ERR_CONFIG_INVALID: /);
  t.notOk(sock.received.some((d) => d.fields.READY === '1'), 'never READY=1');
});
