import t from 'tap';
import { execFile } from 'node:child_process';
import { access, chmod, cp, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { ROOT } from '../helpers/cli.js';
import { bootContainer, exec, shutdown, type Container } from '../helpers/container.js';

/*
 * systemd/switchboard.service as shipped, run by a real systemd 252 in a
 * Debian 12 container: the built appliance in the install layout (issue 3
 * item 7), with this machine's node (the container's Debian has only Node 18).
 * A drop-in shortens the watchdog and the restart delay so the test is quick,
 * and records how each run ended: systemd forgets a cleanly stopped unit's
 * ExecMainStatus as soon as it garbage-collects the unit, but ExecStopPost=
 * sees it in $SERVICE_RESULT $EXIT_CODE $EXIT_STATUS.
 */

const PORT = 18480; // inside the container's own network namespace: nothing else can hold it
const RELEASE = 'opt/switchboard/releases/test';
const EXITS = '/run/switchboard-exits';

async function install(c: Container): Promise<void> {
  const rel = path.join(c.root, RELEASE);
  await mkdir(path.join(rel, 'bin'), { recursive: true });
  await mkdir(path.join(rel, 'node_modules'));
  await Promise.all([
    cp(path.join(ROOT, 'dist'), path.join(rel, 'dist'), { recursive: true }),
    cp(path.join(ROOT, 'package.json'), path.join(rel, 'package.json')),
    cp(process.execPath, path.join(rel, 'bin/node')),
    // Production dependencies only, as a release carries them: a third of node_modules, and file count is what costs here.
    promisify(execFile)('cp', ['-a', '--parents', '-t', path.join(rel, 'node_modules'), ...(await productionPackages())], { cwd: path.join(ROOT, 'node_modules') }),
  ]);
  // exec, not a child: the node process must be the unit's main PID (NotifyAccess=main).
  await writeFile(path.join(rel, 'bin/switchboard'), '#!/bin/sh\nhere="$(dirname "$(readlink -f "$0")")"\nexec "$here/node" "$here/../dist/appliance/cli/main.js" "$@"\n');
  await chmod(path.join(rel, 'bin/switchboard'), 0o755);
  await symlink('releases/test', path.join(c.root, 'opt/switchboard/current'));

  await cp(path.join(ROOT, 'systemd/switchboard.service'), path.join(c.root, 'etc/systemd/system/switchboard.service'));
  await mkdir(path.join(c.root, 'etc/systemd/system/switchboard.service.d'));
  await writeFile(
    path.join(c.root, 'etc/systemd/system/switchboard.service.d/test.conf'),
    [
      '[Service]',
      'WatchdogSec=4s',
      'RestartSec=200ms',
      `Environment=SWITCHBOARD_LISTEN=127.0.0.1:${PORT}`,
      // '+': outside the sandbox, as root, so it can write to /run.
      `ExecStopPost=+/bin/sh -c 'echo "$SERVICE_RESULT $EXIT_CODE $EXIT_STATUS" >> ${EXITS}'`,
      '',
    ].join('\n'),
  );
  const setup = await exec(
    c,
    [
      'useradd --system --no-create-home --home-dir /var/lib/switchboard --shell /usr/sbin/nologin switchboard',
      'install -d -m 0755 /etc/switchboard',
      'printf "log:\\n  level: info\\n" > /etc/switchboard/config.yaml',
      'chown root:switchboard /etc/switchboard/config.yaml && chmod 0640 /etc/switchboard/config.yaml',
      'systemctl daemon-reload',
    ].join(' && '),
  );
  if (setup.code !== 0) throw new Error(`setup failed: ${setup.stderr}`);
}

/** Top-level node_modules entries that are not dev-only, from package-lock.json (nested ones come along inside them). */
async function productionPackages(): Promise<string[]> {
  const lock = JSON.parse(await readFile(path.join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
  const names = Object.entries(lock.packages)
    .filter(([key, meta]) => key.startsWith('node_modules/') && !key.slice('node_modules/'.length).includes('/node_modules/') && !meta.dev)
    .map(([key]) => key.slice('node_modules/'.length));
  const present = await Promise.all(names.map((n) => access(path.join(ROOT, 'node_modules', n)).then(() => n, () => null)));
  return present.filter((n): n is string => n !== null);
}

async function show(c: Container, ...props: string[]): Promise<Record<string, string>> {
  const r = await exec(c, ['systemctl', 'show', 'switchboard', ...props.map((p) => `--property=${p}`)]);
  return Object.fromEntries(r.stdout.trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

/** Wait until the unit is active under a main PID other than `previous`. */
async function restartedFrom(c: Container, previous: string, timeoutMs: number): Promise<Record<string, string>> {
  const deadline = Date.now() + timeoutMs;
  let s: Record<string, string> = {};
  while (Date.now() < deadline) {
    s = await show(c, 'ActiveState', 'SubState', 'MainPID', 'NRestarts');
    if (s.ActiveState === 'active' && s.SubState === 'running' && s.MainPID !== previous && s.MainPID !== '0') return s;
    await sleep(250);
  }
  throw new Error(`not restarted within ${timeoutMs} ms: ${JSON.stringify(s)}\n${(await exec(c, 'journalctl -u switchboard --no-pager | tail -30')).stdout}`);
}

async function healthz(c: Container): Promise<string> {
  const r = await exec(c, ['python3', '-c', `import urllib.request; print(urllib.request.urlopen('http://127.0.0.1:${PORT}/healthz', timeout=5).read().decode())`]);
  return r.code === 0 ? r.stdout.trim() : `failed: ${r.stderr}`;
}

// One container for both tests (they run in order): booting is cheap, copying ~300 MB of release is not.
const c = await bootContainer();
t.teardown(() => shutdown(c));
const copied = Date.now();
await install(c);
t.comment(`boot ${c.bootMs} ms, install ${Date.now() - copied} ms`);

/** Signal a process inside (minbase has no procps, so the shell's own kill). */
async function signal(sig: string, pid: string): Promise<void> {
  const r = await exec(c, `kill -${sig} ${Number(pid)}`);
  if (r.code !== 0) throw new Error(`kill -${sig} ${pid} failed: ${r.stderr}`);
}

t.test('systemd runs the unit: ready, watchdog restart on a hang, restart on a crash, clean stop', async (t) => {
  const start = await exec(c, ['systemctl', 'start', 'switchboard'], { timeoutMs: 90_000 });
  const journal = async (): Promise<string> => (await exec(c, 'journalctl -u switchboard --no-pager -o cat')).stdout;
  t.equal(start.code, 0, `systemctl start returns once READY=1 arrives: ${start.stderr}\n${start.code === 0 ? '' : await journal()}`);
  t.equal((await exec(c, ['systemctl', 'is-active', 'switchboard'])).stdout.trim(), 'active');
  const first = await show(c, 'MainPID', 'StatusText', 'User', 'NRestarts');
  t.match(first.StatusText, new RegExp(`^listening on 127\\.0\\.0\\.1:${PORT}, 0 users, no admin yet`), 'systemctl status shows the STATUS line');
  t.match(await healthz(c), /"status":"ok"/, '/healthz answers on the configured port');
  t.equal((await exec(c, ['stat', '-c', '%U %a', '/var/lib/switchboard'])).stdout.trim(), 'switchboard 750', 'StateDirectory belongs to the service user');
  t.equal((await exec(c, ['stat', '-c', '%U', `/proc/${first.MainPID}`])).stdout.trim(), 'switchboard', 'it runs as switchboard');

  // A hang: SIGSTOP freezes every timer, so the pings stop and systemd's watchdog (4 s here) kills and restarts it.
  const stoppedAt = Date.now();
  await signal('STOP', first.MainPID!);
  const afterHang = await restartedFrom(c, first.MainPID!, 40_000);
  t.comment(`watchdog restart took ${Date.now() - stoppedAt} ms`);
  t.match(await journal(), /[Ww]atchdog timeout/, 'the journal names the watchdog as the cause');
  t.equal(afterHang.NRestarts, '1');
  t.match(await healthz(c), /"status":"ok"/, 'serving again after the watchdog restart');

  // A crash: SIGKILL is a failure, so Restart=on-failure brings it back.
  await signal('KILL', afterHang.MainPID!);
  const afterCrash = await restartedFrom(c, afterHang.MainPID!, 20_000);
  t.equal(afterCrash.NRestarts, '2');
  t.match(await healthz(c), /"status":"ok"/, 'serving again after the crash restart');

  const stop = await exec(c, ['systemctl', 'stop', 'switchboard'], { timeoutMs: 30_000 });
  t.equal(stop.code, 0, stop.stderr);
  t.equal((await exec(c, ['systemctl', 'is-active', 'switchboard'])).stdout.trim(), 'inactive');
  t.same(
    (await exec(c, ['cat', EXITS])).stdout.trim().split('\n'),
    ['watchdog killed ABRT', 'signal killed KILL', 'success exited 0'],
    'how each run ended: the watchdog, the crash, then a clean exit with status 0',
  );
  t.match(await journal(), /switchboard stopped[^]*switchboard.service: Deactivated successfully/);
});

t.test('a configuration error exits 78 and systemd does not restart it', async (t) => {
  await writeFile(path.join(c.root, 'etc/switchboard/config.yaml'), 'log:\n  level: loud\n');
  const start = await exec(c, ['systemctl', 'start', 'switchboard'], { timeoutMs: 60_000 });
  t.not(start.code, 0, 'systemctl start fails');
  await sleep(1_500); // longer than RestartSec: a restart would have happened by now
  const s = await show(c, 'ActiveState', 'Result', 'ExecMainStatus', 'NRestarts', 'StatusText');
  t.match(s, { ActiveState: 'failed', Result: 'exit-code', ExecMainStatus: '78', NRestarts: '0' });
  t.equal((await exec(c, ['tail', '-n1', EXITS])).stdout.trim(), 'exit-code exited 78');
  t.match(s.StatusText, /^cannot start: SWB_ERR_CONFIG_INVALID: .*log\.level/, 'the reason is in systemctl status');
});

t.test('an unwritable state directory exits 74 with one clear line, and systemd does not restart it', async (t) => {
  await writeFile(path.join(c.root, 'etc/switchboard/config.yaml'), 'log:\n  level: info\n');
  // ProtectSystem=strict makes /usr read-only inside the unit: the data directory cannot be created there.
  await writeFile(path.join(c.root, 'etc/systemd/system/switchboard.service.d/zz-unwritable.conf'), '[Service]\nEnvironment=SWITCHBOARD_DATA_DIR=/usr/lib/switchboard-state\n');
  await exec(c, 'systemctl daemon-reload && systemctl reset-failed switchboard');
  const since = (await exec(c, ['date', '+%Y-%m-%d %H:%M:%S'])).stdout.trim();
  const start = await exec(c, ['systemctl', 'start', 'switchboard'], { timeoutMs: 60_000 });
  t.not(start.code, 0, 'systemctl start fails');
  await sleep(1_500);
  const s = await show(c, 'ActiveState', 'ExecMainStatus', 'NRestarts', 'StatusText');
  t.match(s, { ActiveState: 'failed', ExecMainStatus: '74', NRestarts: '0' });
  t.match(s.StatusText, /^cannot start: SWB_ERR_STORE_UNAVAILABLE/);
  const fatal = (await exec(c, ['journalctl', '-u', 'switchboard', '--since', since, '--no-pager', '-o', 'cat'])).stdout.split('\n').filter((l) => l.includes('"level":60'));
  t.equal(fatal.length, 1, 'one fatal line');
  t.match(fatal[0], /"msg":"switchboard cannot start"/);
  t.match(fatal[0], /data directory \/usr\/lib\/switchboard-state: (EROFS|EACCES)/, "the line names the directory and why");
});
