import t from 'tap';
import { access, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { bootContainer, ensureRootfs, exec, shutdown } from './container.js';

t.test('a container boots Debian 12 with systemd 252 as PID 1, on its own network, and leaves the cached rootfs untouched', async (t) => {
  const rootfs = await ensureRootfs();
  const c = await bootContainer();
  t.teardown(() => shutdown(c));
  t.comment(`boot from the cached rootfs to running: ${c.bootMs} ms`);

  const state = await exec(c, ['systemctl', 'is-system-running', '--wait']);
  t.match(state.stdout.trim(), /^(running|degraded)$/, `systemd is up: ${state.stdout.trim()}`);
  if (state.stdout.trim() === 'degraded') t.comment((await exec(c, ['systemctl', '--failed', '--no-pager'])).stdout);
  t.match((await exec(c, ['systemctl', '--version'])).stdout, /^systemd 252 /);
  t.match(await readFile(path.join(c.root, 'etc/os-release'), 'utf8'), /VERSION_ID="12"/);
  t.equal((await exec(c, ['cat', '/proc/1/comm'])).stdout.trim(), 'systemd', 'PID 1 inside is systemd');

  const links = (await exec(c, ['ip', '-o', 'link'])).stdout.trim().split('\n');
  t.same(links.map((l) => l.split(':')[1]!.trim()), ['lo'], 'only a loopback of its own (--private-network)');

  await writeFile(path.join(c.root, 'root/from-host'), 'hello');
  t.equal((await exec(c, 'cat /root/from-host; echo " $(id -un)"')).stdout, 'hello root\n', 'files put under root appear inside; exec runs as root');
  t.equal((await exec(c, ['sh', '-c', 'exit 3'])).code, 3, 'exec reports exit codes');

  await shutdown(c);
  t.equal(c.nspawn.exitCode, 0, 'systemd-nspawn exits 0 after an orderly poweroff');
  await t.rejects(access(path.join(rootfs, 'root/from-host')), 'writes went to the throwaway overlay, not the cache');
  await t.rejects(access(c.root), 'the overlay is unmounted and deleted');
});
