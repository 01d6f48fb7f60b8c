import t from 'tap';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parse as parseYaml } from 'yaml';
import { ROOT } from '../helpers/cli.js';
import { bootContainer, exec, shutdown } from '../helpers/container.js';
import {
  ANSIBLE_DIR,
  EXAMPLE_INVENTORY,
  MIRROR_PACKAGE,
  ansibleEnv,
  breakRelease,
  bundle,
  bundleVariants,
  changedTasks,
  containerInventory,
  recap,
  requireTools,
  run,
  seedSiteMirror,
} from './helpers.js';

/*
 * ansible/site.yml into a booted Debian 12 system container (issue 3, items 6
 * and 7): installed from the air-gapped bundle, twice (the second run changes
 * nothing), then checked inside: systemd runs the unit with its watchdog, the
 * API answers only where configured and the firewall admits only the
 * configured ports, provisioning is applied, drachtio-server runs; then an
 * upgrade switches releases, and a broken upgrade rolls back (restoring the
 * store it migrated) while the old release keeps serving. The unit's exit 78
 * and 74 behaviour closes the file (it was test/systemd/service-in-container).
 *
 * The container has no network: Debian packages come from a tiny flat mirror
 * inside it (the site's own mirror), the appliance only from the bundle. The
 * example inventory's group_vars and Vault are used as they are, with this
 * test's settings as extra vars on top. A drop-in (switchboard_unit_dropin)
 * shortens the watchdog and restart delay so the test is quick, and records
 * how each run of the unit ended: systemd forgets a cleanly stopped unit's
 * ExecMainStatus as soon as it garbage-collects the unit, but ExecStopPost=
 * sees it in $SERVICE_RESULT $EXIT_CODE $EXIT_STATUS.
 */

// Four playbook runs (one a rollback), a watchdog restart, a repack: about two minutes here.
// A budget, not a measure: on a loaded 2-core machine the two role runs alone took 300 s.
t.setTimeout(1_200_000);

const PORT = 18480; // inside the container's own network namespace: nothing else can hold it
const EXITS = '/run/switchboard-exits';
// The command the role puts on PATH: the current release's CLI, as the service user, on the installed config and store.
const CLI = 'switchboard';

await requireTools([
  ['ansible-playbook', 'ansible'],
  ['ansible-vault', 'ansible'],
  ['dpkg-deb', 'dpkg'],
  ['tar', 'tar'],
  ['gzip', 'gzip'],
]);
const drachtio = process.env.DRACHTIO_BIN ?? path.resolve(ROOT, '..', 'shared', 'peers', 'drachtio-server', 'drachtio');
if (!existsSync(drachtio)) {
  throw new Error(`drachtio-server is missing: set DRACHTIO_BIN or provide ${drachtio} (see shared/peers/README.md); the role installs it from the controller`);
}

const started = Date.now();
const work = await mkdtemp(path.join(tmpdir(), 'swb-ansible-'));
t.teardown(() => rm(work, { recursive: true, force: true }));
const firstBundle = await bundle(work);
const c = await bootContainer();
t.teardown(() => shutdown(c));
await seedSiteMirror(c, work);
const { inventory, vaultPasswordFile } = await containerInventory(c, work);
const secrets = parseYaml((await run('ansible-vault', ['view', '--vault-password-file', vaultPasswordFile, path.join(EXAMPLE_INVENTORY, 'group_vars/switchboard/vault.yml')])).stdout) as Record<string, string>;
const version = /switchboard-(.+)-linux-x86_64\.tar\.gz$/.exec(firstBundle)![1]!;
// The releases the test repacks from the bundle: an upgrade, and a broken one.
const next = `${version}-next`;
const broken = `${version}-broken`;
const re = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const vars = path.join(work, 'test-vars.json');
await writeFile(
  vars,
  JSON.stringify({
    switchboard_bundle: firstBundle,
    switchboard_listen_host: '127.0.0.1',
    switchboard_listen_port: PORT,
    switchboard_listen_allow: [],
    switchboard_unit_dropin: ['[Service]', 'WatchdogSec=4s', 'RestartSec=200ms', `ExecStopPost=+/bin/sh -c 'echo "$SERVICE_RESULT $EXIT_CODE $EXIT_STATUS" >> ${EXITS}'`, ''].join('\n'),
    switchboard_apt_sources: [{ uris: 'file:/srv/site-mirror', suites: ['./'], trusted: true }],
    switchboard_apt_sources_exclusive: true,
    switchboard_extra_packages: [MIRROR_PACKAGE],
    switchboard_firewall_ssh_allow: [],
    switchboard_firewall_sip_ports: [
      { port: 5060, proto: 'udp' },
      { port: 5061, proto: 'tcp' },
    ],
    switchboard_firewall_sip_allow: [],
    switchboard_drachtio_enabled: true,
    switchboard_drachtio_binary_src: drachtio,
    switchboard_drachtio_contacts: ['sip:127.0.0.1:5060;transport=udp'],
    switchboard_secret_files: { 'webhook-secret': 'from-vault-in-real-life' },
    switchboard_keep_releases: 1,
    switchboard_start_timeout: 30,
  }),
);

const timings: string[] = [`boot and setup ${Date.now() - started} ms (container boot ${c.bootMs} ms)`];
async function playbook(label: string, ...extra: string[]): Promise<{ code: number | null; output: string }> {
  const at = Date.now();
  const r = await run('ansible-playbook', ['-i', inventory, '--vault-password-file', vaultPasswordFile, '-e', `@${vars}`, ...extra, path.join(ANSIBLE_DIR, 'site.yml')], {
    env: ansibleEnv(work),
    timeoutMs: 400_000,
  });
  timings.push(`${label}: ${Date.now() - at} ms`);
  await writeFile(path.join(work, `${label.replace(/\W+/g, '-')}.log`), r.output);
  return r;
}
const tail = (s: string, n = 40): string => s.split('\n').slice(-n).join('\n');

async function sh(cmd: string, timeoutMs = 60_000): Promise<string> {
  const r = await exec(c, cmd, { timeoutMs });
  if (r.code !== 0) throw new Error(`${cmd} failed (${r.code}): ${r.stderr}${r.stdout}`);
  return r.stdout.trim();
}

async function show(...props: string[]): Promise<Record<string, string>> {
  const r = await exec(c, ['systemctl', 'show', 'switchboard', ...props.map((p) => `--property=${p}`)]);
  return Object.fromEntries(r.stdout.trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

/** Wait until the unit is active under a main PID other than `previous`. */
async function restartedFrom(previous: string, timeoutMs: number): Promise<Record<string, string>> {
  const deadline = Date.now() + timeoutMs;
  let s: Record<string, string> = {};
  while (Date.now() < deadline) {
    s = await show('ActiveState', 'SubState', 'MainPID', 'NRestarts');
    if (s.ActiveState === 'active' && s.SubState === 'running' && s.MainPID !== previous && s.MainPID !== '0') return s;
    await sleep(250);
  }
  throw new Error(`not restarted within ${timeoutMs} ms: ${JSON.stringify(s)}\n${(await exec(c, 'journalctl -u switchboard --no-pager | tail -30')).stdout}`);
}

/** An HTTP request from inside the container: [status, body]. */
async function http(url: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<[number, string]> {
  const script = [
    'import json, sys, urllib.request, urllib.error',
    'a = json.loads(sys.stdin.read())',
    "req = urllib.request.Request(a['url'], method=a['method'], headers=a['headers'], data=a['body'].encode() if a['body'] else None)",
    'try:',
    '    r = urllib.request.urlopen(req, timeout=5); print(r.status); print(r.read().decode())',
    'except urllib.error.HTTPError as e:',
    '    print(e.code); print(e.read().decode())',
  ].join('\n');
  const r = await exec(c, ['python3', '-c', script], { input: JSON.stringify({ url, method: opts.method ?? 'GET', headers: opts.headers ?? {}, body: opts.body ?? '' }) });
  if (r.code !== 0) return [0, r.stderr];
  const [status, ...body] = r.stdout.split('\n');
  return [Number(status), body.join('\n')];
}
const healthz = async (): Promise<string> => (await http(`http://127.0.0.1:${PORT}/healthz`))[1];

/** TCP connect from inside the container, or from the client namespace: open, refused (RST) or timeout (dropped). */
async function probe(host: string, port: number, from: 'box' | 'client'): Promise<string> {
  const py = `import socket; s = socket.socket(); s.settimeout(1.5)\ntry:\n    s.connect(('${host}', ${port})); print('open')\nexcept ConnectionRefusedError: print('refused')\nexcept socket.timeout: print('timeout')`;
  return sh(from === 'client' ? `ip netns exec client python3 -c "${py}"` : `python3 -c "${py}"`);
}

async function journal(): Promise<string> {
  return (await exec(c, 'journalctl -u switchboard --no-pager -o cat')).stdout;
}

async function signal(sig: string, pid: string): Promise<void> {
  await sh(`kill -${sig} ${Number(pid)}`); // minbase has no procps: the shell's own kill
}

await t.test('the playbook installs from the bundle and the site mirror, and a second run changes nothing', async (t) => {
  const first = await playbook('first run');
  t.equal(first.code, 0, first.code === 0 ? 'the first run succeeds' : `the first run fails:\n${tail(first.output)}`);
  t.ok((recap(first.output)?.changed ?? 0) > 0, 'the first run changes the box');
  const second = await playbook('second run');
  t.equal(second.code, 0, second.code === 0 ? 'the second run succeeds' : `the second run fails:\n${tail(second.output)}`);
  t.match(recap(second.output), { changed: 0, failed: 0, unreachable: 0 }, `the second run reports changed=0${recap(second.output)?.changed ? ` (changed: ${changedTasks(second.output).join('; ')})` : ''}`);

  t.equal(await sh(`dpkg-query -W -f '\${Status}' ${MIRROR_PACKAGE}`), 'install ok installed', "a package only the site's mirror has is installed");
  t.equal((await exec(c, 'test -e /etc/apt/sources.list')).code, 1, "the site's mirror is the only apt source (sources.list set aside)");
  t.equal(await sh('systemctl is-enabled switchboard'), 'enabled');
  t.equal(await sh('systemctl is-active switchboard'), 'active');
  t.equal(await sh('readlink /opt/switchboard/current'), `releases/${version}`, 'current points at the bundle release');
  t.equal(await sh(`cat /opt/switchboard/releases/${version}/VERSION`), version);
  t.equal(await sh('stat -c "%U:%G %a" /etc/switchboard/config.yaml'), 'root:switchboard 640', 'config.yaml is root:switchboard 0640');
  t.equal(await sh('stat -c "%U:%G %a" /etc/switchboard/secrets/user.alice.password /etc/switchboard/secrets/token.prometheus'), 'switchboard:switchboard 600\nswitchboard:switchboard 600', 'secret files are 0600');
  t.equal(await sh('cat /etc/switchboard/secrets/user.bob.password'), secrets.vault_switchboard_bob_password, 'a secret file holds the value from Vault');
  t.equal(await sh('stat -c "%U:%G %a" /etc/switchboard/secrets/webhook-secret; cat /etc/switchboard/secrets/webhook-secret'), 'switchboard:switchboard 600\nfrom-vault-in-real-life', 'a further secret file (switchboard_secret_files)');
  t.notMatch(await sh('cat /etc/switchboard/provision.yaml'), secrets.vault_switchboard_bob_password!, 'the provisioning document holds no secret');
  t.match(await sh('id switchboard'), /uid=\d+\(switchboard\) gid=\d+\(switchboard\)/);
});

await t.test('systemd runs the unit: ready, watchdog restart on a hang, restart on a crash, clean stop', async (t) => {
  const before = (await exec(c, ['cat', EXITS])).stdout.trim().split('\n').filter(Boolean).length;
  const first = await show('MainPID', 'StatusText', 'User', 'NRestarts');
  t.match(first.StatusText, new RegExp(`^listening on 127\\.0\\.0\\.1:${PORT}, \\d+ users`), 'systemctl status shows the STATUS line');
  t.match(await healthz(), /"status":"ok"/, '/healthz answers on the configured port');
  t.equal(await sh('stat -c "%U %a" /var/lib/switchboard'), 'switchboard 750', 'StateDirectory belongs to the service user');
  t.equal(await sh(`stat -c %U /proc/${first.MainPID}`), 'switchboard', 'it runs as switchboard');

  // A hang: SIGSTOP freezes every timer, so the pings stop and systemd's watchdog (4 s here) kills and restarts it.
  const stoppedAt = Date.now();
  await signal('STOP', first.MainPID!);
  const afterHang = await restartedFrom(first.MainPID!, 40_000);
  t.comment(`watchdog restart took ${Date.now() - stoppedAt} ms`);
  t.match(await journal(), /[Ww]atchdog timeout/, 'the journal names the watchdog as the cause');
  t.equal(Number(afterHang.NRestarts), Number(first.NRestarts) + 1);
  t.match(await healthz(), /"status":"ok"/, 'serving again after the watchdog restart');

  // A crash: SIGKILL is a failure, so Restart=on-failure brings it back.
  await signal('KILL', afterHang.MainPID!);
  const afterCrash = await restartedFrom(afterHang.MainPID!, 20_000);
  t.equal(Number(afterCrash.NRestarts), Number(first.NRestarts) + 2);
  t.match(await healthz(), /"status":"ok"/, 'serving again after the crash restart');

  const stop = await exec(c, ['systemctl', 'stop', 'switchboard'], { timeoutMs: 30_000 });
  t.equal(stop.code, 0, stop.stderr);
  t.equal((await exec(c, ['systemctl', 'is-active', 'switchboard'])).stdout.trim(), 'inactive');
  t.same(
    (await sh(`cat ${EXITS}`)).split('\n').slice(before),
    ['watchdog killed ABRT', 'signal killed KILL', 'success exited 0'],
    'how each run ended: the watchdog, the crash, then a clean exit with status 0',
  );
  t.match(await journal(), /switchboard stopped[^]*switchboard.service: Deactivated successfully/);
  await sh('systemctl start switchboard', 90_000);
});

await t.test('the API answers only on the configured address; the firewall admits only the configured ports', async (t) => {
  // A second interface and a client behind it, in a namespace of its own: traffic from it crosses the input hook (loopback traffic does not).
  await sh(
    'ip netns add client && ip link add swb-lan type veth peer name swb-client && ip link set swb-client netns client' +
      ' && ip addr add 192.0.2.1/24 dev swb-lan && ip link set swb-lan up' +
      ' && ip -n client addr add 192.0.2.2/24 dev swb-client && ip -n client link set swb-client up && ip -n client link set lo up',
  );
  t.match(await healthz(), /"status":"ok"/, `127.0.0.1:${PORT} answers`);
  t.equal(await probe('192.0.2.1', PORT, 'box'), 'refused', "the box's other address does not: the API listens on 127.0.0.1 only");
  t.equal(await probe('192.0.2.1', PORT, 'client'), 'timeout', 'from the LAN the API port is dropped by the firewall');
  t.equal(await probe('192.0.2.1', 22, 'client'), 'refused', 'the SSH port is let in (nothing listens on it here)');
  t.equal(await probe('192.0.2.1', 5061, 'client'), 'refused', 'a configured SIP port is let in');
  t.equal(await probe('192.0.2.1', 5070, 'client'), 'timeout', 'a port nobody configured is dropped');
  t.equal(await probe('192.0.2.1', 9022, 'client'), 'timeout', "drachtio's admin port is not opened");
  const ruleset = await sh('nft list ruleset');
  t.match(ruleset, /table inet switchboard \{/, 'nft list ruleset shows our table');
  t.match(ruleset, /policy drop;/);
  t.match(ruleset, /tcp dport 5061 accept/);
  t.notMatch(ruleset, new RegExp(`dport ${PORT}`), 'nothing opens the API port: it listens on loopback');
  t.equal(await sh('systemctl is-enabled switchboard-firewall'), 'enabled', 'the table is loaded again at boot');
});

await t.test('provisioning is applied: the declared users exist, sign in with their Vault passwords, and the Prometheus token scrapes', async (t) => {
  const users = (await sh(`${CLI} user list --json`)).split('\n').map((l) => JSON.parse(l) as { username: string; role: string });
  t.match(
    users.map((u) => [u.username, u.role]),
    [
      ['alice', 'admin'],
      ['bob', 'operator'],
    ],
    'alice (admin) and bob (operator) exist',
  );
  const [status, body] = await http(`http://127.0.0.1:${PORT}/api/v1/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'bob', password: secrets.vault_switchboard_bob_password }),
  });
  t.equal(status, 201, `bob signs in with the password from Vault: ${body}`);
  const [scrape, metrics] = await http(`http://127.0.0.1:${PORT}/metrics`, { headers: { authorization: `Bearer ${secrets.vault_switchboard_prometheus_token}` } });
  t.equal(scrape, 200, 'the provisioned metrics token scrapes /metrics');
  t.match(metrics, /^swb_http_requests_total/m);
});

await t.test('an admin backs the box up and restores it with the switchboard command', async (t) => {
  t.match(await sh(`${CLI} backup /var/backups/switchboard/by-hand`), /^backup written to \/var\/backups\/switchboard\/by-hand: \d+ bytes/);
  t.equal(await sh('stat -c %U /var/backups/switchboard/by-hand/manifest.json'), 'switchboard', 'the backup belongs to the service user');
  t.match(await sh(`${CLI} backup-verify /var/backups/switchboard/by-hand`), /is intact/);
  await sh('systemctl stop switchboard');
  t.match(await sh(`${CLI} restore /var/backups/switchboard/by-hand`), /^restored the backup made /);
  t.equal(await sh('stat -c %U /var/lib/switchboard/store/data.mdb'), 'switchboard', 'the restored store belongs to the service user');
  await sh('systemctl start switchboard', 90_000);
  t.match(await healthz(), /"status":"ok"/, 'the appliance starts on the restored store');
  t.match(await sh(`${CLI} user list`), /^alice\tadmin/m);
  await sh('rm -rf /var/backups/switchboard/by-hand /var/lib/switchboard/store.before-restore-*');
});

await t.test('drachtio-server runs under its unit, with the secret from Vault', async (t) => {
  t.equal(await sh('systemctl is-active drachtio'), 'active');
  t.equal(await sh('systemctl is-enabled drachtio'), 'enabled');
  t.equal(await sh('stat -c "%U %a" /usr/local/bin/drachtio /etc/drachtio.conf.xml'), 'root 755\nroot 600');
  t.match(await sh('cat /etc/drachtio.conf.xml'), `secret="${secrets.vault_switchboard_drachtio_secret}"`);
  let admin = '';
  for (let i = 0; i < 20 && admin !== 'open'; i++) {
    admin = await probe('127.0.0.1', 9022, 'box');
    if (admin !== 'open') await sleep(250);
  }
  t.equal(admin, 'open', 'its admin port listens on 127.0.0.1:9022');
});

// Made inside the upgrade test: a long await between subtests at the top level would let tap end the root test.
let variants: Awaited<ReturnType<typeof bundleVariants>>;

await t.test('an upgrade installs the new release beside the old, backs up the store, switches and prunes (drachtio-server from a URL this time)', async (t) => {
  // An old release from long ago: switchboard_keep_releases=1 keeps only the previous one.
  variants = await bundleVariants(firstBundle, work);
  await sh('mkdir -p /opt/switchboard/releases/0.0.1-old && touch -d 2020-01-01 /opt/switchboard/releases/0.0.1-old');
  const pidBefore = (await show('MainPID')).MainPID;
  const nextBundle = await variants(next);
  // This run takes drachtio-server from a URL instead (a file server the box reaches, here on its own loopback).
  await mkdir(path.join(c.root, 'srv/files'), { recursive: true });
  await copyFile(drachtio, path.join(c.root, 'srv/files/drachtio'));
  await sh('systemd-run --unit=swb-files python3 -m http.server --bind 127.0.0.1 --directory /srv/files 8099 && rm /usr/local/bin/drachtio');
  const drachtioSha = createHash('sha256').update(await readFile(drachtio)).digest('hex');
  const r = await playbook(
    'upgrade',
    '-e',
    `switchboard_bundle=${nextBundle}`,
    '-e',
    'switchboard_drachtio_binary_src=',
    '-e',
    'switchboard_drachtio_binary_url=http://127.0.0.1:8099/drachtio',
    '-e',
    `switchboard_drachtio_binary_sha256=${drachtioSha}`,
  );
  t.equal(r.code, 0, r.code === 0 ? 'the upgrade succeeds' : `the upgrade fails:\n${tail(r.output)}`);
  t.equal(await sh('readlink /opt/switchboard/current'), `releases/${next}`, 'current points at the new release');
  t.same((await sh('ls /opt/switchboard/releases')).split('\n').sort(), [version, next].sort(), 'the old release stays beside it; older ones are pruned');
  t.not((await show('MainPID')).MainPID, pidBefore, 'the appliance was restarted');
  t.match(await sh('tr "\\0" " " < /proc/$(systemctl show -P MainPID switchboard)/cmdline'), new RegExp(`releases/${re(next)}/bin/node`), 'the new release runs');
  t.match(await healthz(), /"status":"ok"/);
  const backups = (await sh('ls /var/backups/switchboard')).split('\n');
  t.equal(backups.length, 1, 'one backup');
  t.match(backups[0], new RegExp(`-before-upgrade-from-${version.replace(/\./g, '_')}$`));
  t.match(await sh(`${CLI} backup-verify /var/backups/switchboard/${backups[0]}`), /is intact/, 'the backup verifies');
  t.match(await sh(`${CLI} user list`), /alice/, 'the store came along');
  t.equal((await sh('sha256sum /usr/local/bin/drachtio')).split(' ')[0], drachtioSha, 'drachtio-server was downloaded from the URL and checked');
  t.equal(await sh('systemctl is-active drachtio'), 'active');
});

await t.test('a release that fails to start is rolled back, its migrated store restored, and the old release keeps serving', async (t) => {
  const brokenBundle = await variants(broken, breakRelease);
  const r = await playbook('broken upgrade', '-e', `switchboard_bundle=${brokenBundle}`);
  t.not(r.code, 0, r.code !== 0 ? 'the play fails' : `the play succeeds:\n${tail(r.output)}`);
  t.match(recap(r.output), { failed: 1, rescued: 1 });
  t.match(r.output, new RegExp(`Switchboard ${re(broken)} did not start`), 'the failure says which release did not start');
  t.match(r.output, new RegExp(`Rolled back: /opt/switchboard/current points at release ${re(next)} again`), 'and that it rolled back');
  t.match(r.output, /had migrated the store, so it was restored from the backup/, 'and that the store was restored');
  t.match(r.output, /broken on purpose/, "and shows the failed release's own words from the journal");
  t.equal(await sh('readlink /opt/switchboard/current'), `releases/${next}`, 'current points at the old release again');
  t.equal(await sh('systemctl is-active switchboard'), 'active');
  t.match(await healthz(), /"status":"ok"/, 'the old release serves');
  t.match(await sh(`${CLI} user list`), /bob/, 'the old release opens the restored store (its schema is back)');
  t.match(await sh('ls -d /var/lib/switchboard/store.before-restore-*'), /store\.before-restore-/, 'the migrated store is kept aside');
  t.equal((await exec(c, `test -d /opt/switchboard/releases/${broken}`)).code, 0, 'the failed release stays for inspection');
});

await t.test('a configuration error exits 78 and systemd does not restart it', async (t) => {
  await sh('systemctl stop switchboard');
  await writeFile(path.join(c.root, 'etc/switchboard/config.yaml'), 'log:\n  level: loud\n');
  const start = await exec(c, ['systemctl', 'start', 'switchboard'], { timeoutMs: 60_000 });
  t.not(start.code, 0, 'systemctl start fails');
  await sleep(1_500); // longer than RestartSec: a restart would have happened by now
  const s = await show('ActiveState', 'Result', 'ExecMainStatus', 'NRestarts', 'StatusText');
  t.match(s, { ActiveState: 'failed', Result: 'exit-code', ExecMainStatus: '78', NRestarts: '0' });
  t.equal(await sh(`tail -n1 ${EXITS}`), 'exit-code exited 78');
  t.match(s.StatusText, /^cannot start: SWB_ERR_CONFIG_INVALID: .*log\.level/, 'the reason is in systemctl status');
});

await t.test('an unwritable state directory exits 74 with one clear line, and systemd does not restart it', async (t) => {
  await writeFile(path.join(c.root, 'etc/switchboard/config.yaml'), 'log:\n  level: info\n');
  // ProtectSystem=strict makes /usr read-only inside the unit: the data directory cannot be created there.
  await writeFile(path.join(c.root, 'etc/systemd/system/switchboard.service.d/zz-unwritable.conf'), '[Service]\nEnvironment=SWITCHBOARD_DATA_DIR=/usr/lib/switchboard-state\n');
  await exec(c, 'systemctl daemon-reload && systemctl reset-failed switchboard');
  const since = await sh('date "+%Y-%m-%d %H:%M:%S"');
  const start = await exec(c, ['systemctl', 'start', 'switchboard'], { timeoutMs: 60_000 });
  t.not(start.code, 0, 'systemctl start fails');
  await sleep(1_500);
  const s = await show('ActiveState', 'ExecMainStatus', 'NRestarts', 'StatusText');
  t.match(s, { ActiveState: 'failed', ExecMainStatus: '74', NRestarts: '0' });
  t.match(s.StatusText, /^cannot start: SWB_ERR_STORE_UNAVAILABLE/);
  const fatal = (await exec(c, ['journalctl', '-u', 'switchboard', '--since', since, '--no-pager', '-o', 'cat'])).stdout.split('\n').filter((l) => l.includes('"level":60'));
  t.equal(fatal.length, 1, 'one fatal line');
  t.match(fatal[0], /"msg":"switchboard cannot start"/);
  t.match(fatal[0], /data directory \/usr\/lib\/switchboard-state: (EROFS|EACCES)/, 'the line names the directory and why');
});

timings.push(`whole file ${Date.now() - started} ms`);
t.comment(`timings: ${timings.join(', ')}`);
