import t from 'tap';
import { readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runCli, startAppliance, stop } from '../../helpers/cli.js';
import { tempDir, STRONG_PASSWORD } from '../../helpers/appliance.js';
import { totpCode } from '../../../domain/access/totp.js';

t.test('user add reads the password from stdin and prints the TOTP enrolment URI and a QR code', async (t) => {
  const dataDir = await tempDir(t);
  const r = await runCli(['user', 'add', 'Alice', '--role', 'admin', '--password-stdin'], { env: { SWITCHBOARD_DATA_DIR: dataDir }, stdin: `${STRONG_PASSWORD}\n` });
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /created admin alice/);
  t.match(r.stdout, /otpauth:\/\/totp\/Switchboard:alice\?\S*secret=[A-Z2-7]+/);
  t.match(r.stdout, /[▀▄█]/, 'a QR code is drawn in the terminal');
  t.notOk(r.stdout.includes(STRONG_PASSWORD) || r.stderr.includes(STRONG_PASSWORD), 'the password is not echoed');

  const list = await runCli(['user', 'list'], { env: { SWITCHBOARD_DATA_DIR: dataDir } });
  t.match(list.stdout, /^alice\tadmin\t-\tactive\ttotp:pending$/m);
});

t.test('user add refuses a weak password, a bad role, and a password not on stdin', async (t) => {
  const env = { SWITCHBOARD_DATA_DIR: await tempDir(t) };
  const weak = await runCli(['user', 'add', 'bob', '--role', 'operator', '--password-stdin'], { env, stdin: 'password\n' });
  t.equal(weak.code, 1);
  t.match(weak.stderr, /SWB_ERR_WEAK_PASSWORD: .*at least 12 characters/);
  const role = await runCli(['user', 'add', 'bob', '--role', 'god', '--password-stdin'], { env, stdin: `${STRONG_PASSWORD}\n` });
  t.match(role.stderr, /--role: got "god", expected admin, supervisor, operator or auditor/);
  const noStdin = await runCli(['user', 'add', 'bob', '--role', 'operator'], { env });
  t.match(noStdin.stderr, /--password-stdin/);
  const list = await runCli(['user', 'list'], { env });
  t.equal(list.stdout, '', 'no user was created');
});

t.test('user add --extension links an operator to their phone; a taken or malformed extension is refused', async (t) => {
  const env = { SWITCHBOARD_DATA_DIR: await tempDir(t) };
  const olga = await runCli(['user', 'add', 'olga', '--role', 'operator', '--extension', '101', '--password-stdin'], { env, stdin: `${STRONG_PASSWORD}\n` });
  t.equal(olga.code, 0, olga.stderr);
  t.match(olga.stdout, /created operator olga \(extension 101\)/);
  const taken = await runCli(['user', 'add', 'oleg', '--role', 'operator', '--extension', '101', '--password-stdin'], { env, stdin: `${STRONG_PASSWORD}\n` });
  t.equal(taken.code, 1);
  t.match(taken.stderr, /SWB_ERR_CONFLICT: .*extension 101 already belongs to user olga/);
  const bad = await runCli(['user', 'add', 'oleg', '--role', 'operator', '--extension', 'x1', '--password-stdin'], { env, stdin: `${STRONG_PASSWORD}\n` });
  t.match(bad.stderr, /SWB_ERR_VALIDATION: .*extension "x1": expected 2-8 digits/);
  const list = await runCli(['user', 'list', '--json'], { env });
  t.same(list.stdout.trim().split('\n').map((l) => JSON.parse(l)).map((u: { username: string; extension: string | null }) => [u.username, u.extension]), [['olga', '101']]);
});

t.test('config check validates a file without starting, naming the bad key', async (t) => {
  const dir = await tempDir(t);
  const good = path.join(dir, 'good.yaml');
  const bad = path.join(dir, 'bad.yaml');
  await writeFile(good, 'listen:\n  port: 8088\n');
  await writeFile(bad, 'listen:\n  port: "http"\n');
  const ok = await runCli(['config', 'check', good]);
  t.equal(ok.code, 0);
  t.match(ok.stdout, /valid \(listen 127\.0\.0\.1:8088/);
  const no = await runCli(['config', 'check', bad]);
  t.equal(no.code, 78);
  t.match(no.stderr, /SWB_ERR_CONFIG_INVALID: .*listen\.port: got "http", expected a TCP port/);
});

t.test('config check with no file checks $SWITCHBOARD_CONFIG, and a secret file that is missing fails the check and the start with exit 78', async (t) => {
  const dir = await tempDir(t);
  const file = path.join(dir, 'config.yaml');
  const secret = path.join(dir, 'ext-101.secret');
  await writeFile(file, `dataDir: ${path.join(dir, 'data')}\nlisten:\n  port: 0\nextensions:\n  - number: '101'\n    password: {file: ${secret}}\n`);
  const env = { SWITCHBOARD_CONFIG: file };
  const missing = await runCli(['config', 'check'], { env });
  t.equal(missing.code, 78, 'the check refuses it');
  t.match(missing.stderr, /SWB_ERR_CONFIG_INVALID: .*extensions\.0\.password: secret file .*ext-101\.secret: ENOENT/);
  await t.rejects(startAppliance(env), /exited 78: .*extensions\.0\.password: secret file .*ENOENT/, 'the start refuses it the same way, not with a restartable failure');

  await writeFile(secret, 'a-long-extension-secret\n', { mode: 0o600 });
  const ok = await runCli(['config', 'check'], { env });
  t.equal(ok.code, 0, ok.stderr);
  t.match(ok.stdout, new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: valid .*2 secrets read`), "the extension's and drachtio's (a default)");
  t.notOk(ok.stdout.includes('a-long-extension-secret'), 'the secret itself is not printed');
});

t.test('audit verify passes on an intact log and names the first altered record', async (t) => {
  const dataDir = await tempDir(t);
  const env = { SWITCHBOARD_DATA_DIR: dataDir };
  for (const name of ['u1', 'u2', 'u3']) await runCli(['user', 'add', name, '--role', 'operator', '--password-stdin'], { env, stdin: STRONG_PASSWORD });
  const ok = await runCli(['audit', 'verify'], { env });
  t.equal(ok.code, 0);
  t.match(ok.stdout, /audit chain intact: 3 records/);

  const { Store } = await import('../../../domain/store/store.js');
  const store = await Store.open({ dataDir });
  const db = store.db<Record<string, unknown>, number>('audit');
  await db.put(2, { ...db.get(2)!, actor: 'cli:mallory' });
  await store.close();
  const bad = await runCli(['audit', 'verify'], { env });
  t.equal(bad.code, 1);
  t.match(bad.stdout, /BROKEN at record 2: record 2 was altered/);
});

t.test('beside a running appliance, the CLI adds an admin who then signs in over the API', async (t) => {
  const dataDir = await tempDir(t);
  const env = { SWITCHBOARD_DATA_DIR: dataDir, SWITCHBOARD_LISTEN: '127.0.0.1:0' };
  const { child, url, logs } = await startAppliance(env);
  t.teardown(() => stop(child));
  t.match(logs.join('\n'), /no admin exists yet/);
  const before = await (await fetch(`${url}/healthz`)).json();
  t.match(before, { admin: false, setup: /switchboard user add NAME --role admin --password-stdin/ });

  const add = await runCli(['user', 'add', 'root', '--role', 'admin', '--password-stdin'], { env, stdin: STRONG_PASSWORD });
  t.equal(add.code, 0, add.stderr);
  const secret = /secret=([A-Z2-7]+)/.exec(add.stdout)![1]!;
  const after = await (await fetch(`${url}/healthz`)).json();
  t.same(after, { status: 'ok', admin: true });

  const login = await fetch(`${url}/api/v1/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'root', password: STRONG_PASSWORD, totp: totpCode(secret) }) });
  t.equal(login.status, 201);
  const { token } = (await login.json()) as { token: string };

  const tok = await runCli(['token', 'create', '--role', 'metrics', '--name', 'prometheus'], { env });
  t.equal(tok.code, 0);
  t.match(tok.stdout.trim(), /^swbt_[A-Za-z0-9_-]{43}$/);
  t.match(tok.stderr, /created metrics token [0-9a-f]{12}; it is shown once/);

  const audit = await fetch(`${url}/api/v1/audit?limit=100`, { headers: { authorization: `Bearer ${token}` } });
  const actions = ((await audit.json()) as { items: Array<{ action: string; actor: string }> }).items.map((r) => `${r.action} ${r.actor}`);
  t.ok(actions.some((a) => /^user\.create cli:/.test(a)), 'the CLI user creation is audited with the CLI as actor');
  t.ok(actions.includes('login.success user:root'));
  t.ok(actions.some((a) => /^token\.create cli:/.test(a)));
  t.equal(await stop(child), 0, 'SIGTERM stops it with exit 0');
});

t.test('version reports the release, its schema and, with --store, the store\'s', async (t) => {
  const env = { SWITCHBOARD_DATA_DIR: await tempDir(t) };
  const r = await runCli(['version', '--store', '--json'], { env });
  t.equal(r.code, 0, r.stderr);
  const info = JSON.parse(r.stdout) as { version: string; schema: number; storeSchema: number; node: string };
  t.match(info, { version: /^\d+\.\d+\.\d+$/, node: /^v24\./ });
  t.equal(info.storeSchema, info.schema);
});

t.test('switchboard with no command prints its help and starts nothing; only `switchboard start` starts', async (t) => {
  const dir = await tempDir(t);
  const r = await runCli([], { env: { SWITCHBOARD_DATA_DIR: dir, SWITCHBOARD_LISTEN: '127.0.0.1:0' }, timeoutMs: 10_000 });
  t.equal(r.code, 0);
  t.match(r.stdout, /Usage: switchboard/);
  t.match(r.stdout, /start\s+run the appliance/);
  t.same(await readdir(dir), [], 'no store was created');
});
