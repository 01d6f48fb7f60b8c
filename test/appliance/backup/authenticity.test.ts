import t, { type Test } from 'tap';
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { open as openLmdb } from 'lmdb';
import { runCli } from '../../helpers/cli.js';
import { tempDir, STRONG_PASSWORD } from '../../helpers/appliance.js';

/*
 * The insider holds a backup directory (the files, not the integrity key): they
 * promote an operator to admin inside its data.mdb with the lmdb package, then
 * rewrite the manifest's size and checksum so that both still match.
 */

async function boxWithBackup(t: Test): Promise<{ dir: string; env: Record<string, string>; bk: string }> {
  const dir = await tempDir(t);
  const env = { SWITCHBOARD_DATA_DIR: path.join(dir, 'data') };
  for (const [name, role] of [['keeper', 'admin'], ['olga', 'operator']] as const) {
    const r = await runCli(['user', 'add', name, '--role', role, '--password-stdin'], { env, stdin: STRONG_PASSWORD });
    t.equal(r.code, 0, r.stderr);
  }
  const bk = path.join(dir, 'bk');
  const r = await runCli(['backup', bk], { env });
  t.equal(r.code, 0, r.stderr);
  return { dir, env, bk };
}

async function promoteInBackup(bk: string, username: string): Promise<void> {
  const root = openLmdb({ path: bk, maxDbs: 32 });
  const users = root.openDB({ name: 'users' });
  await users.put(username, { ...(users.get(username) as Record<string, unknown>), role: 'admin' });
  await root.close();
  const file = path.join(bk, 'data.mdb');
  const data = await readFile(file);
  const manifest = JSON.parse(await readFile(path.join(bk, 'manifest.json'), 'utf8')) as Record<string, unknown>;
  manifest.bytes = (await stat(file)).size;
  manifest.sha256 = createHash('sha256').update(data).digest('hex');
  await writeFile(path.join(bk, 'manifest.json'), JSON.stringify(manifest, null, 2));
}

async function roleOf(env: Record<string, string>, username: string): Promise<string | undefined> {
  const list = await runCli(['user', 'list', '--json'], { env });
  return (list.stdout.trim().split('\n').map((l) => JSON.parse(l) as { username: string; role: string })).find((u) => u.username === username)?.role;
}

async function auditActions(env: Record<string, string>): Promise<Array<{ action: string; details: Record<string, unknown> }>> {
  const root = openLmdb({ path: path.join(env.SWITCHBOARD_DATA_DIR!, 'store'), maxDbs: 32, readOnly: true });
  const all = [...root.openDB({ name: 'audit' }).getRange({})].map(({ value }) => value as { action: string; details: Record<string, unknown> });
  await root.close();
  return all;
}

t.test("a backup whose store was edited and whose manifest checksum was rewritten is refused by backup-verify and restore", async (t) => {
  const { dir, env, bk } = await boxWithBackup(t);
  await promoteInBackup(bk, 'olga');
  const storeFile = path.join(dir, 'data', 'store', 'data.mdb');
  const original = await readFile(storeFile);

  const check = await runCli(['backup-verify', bk], { env });
  t.equal(check.code, 1);
  t.match(check.stderr, /SWB_ERR_BACKUP_UNAUTHENTICATED: .*the manifest's MAC does not verify: the manifest was changed after the backup was made.*--force-unauthenticated/);
  const restore = await runCli(['restore', bk], { env });
  t.equal(restore.code, 1);
  t.match(restore.stderr, /SWB_ERR_BACKUP_UNAUTHENTICATED: .*MAC does not verify/);
  t.ok((await readFile(storeFile)).equals(original), 'the store was not touched');
  t.equal(await roleOf(env, 'olga'), 'operator');
});

t.test('a clean backup verifies as authenticated and restores', async (t) => {
  const { env, bk } = await boxWithBackup(t);
  const manifest = JSON.parse(await readFile(path.join(bk, 'manifest.json'), 'utf8')) as Record<string, unknown>;
  t.match(manifest, { format: 'switchboard-backup/2', keyId: /^[0-9a-f]{16}$/, mac: /^[0-9a-f]{64}$/, auditHead: { seq: 3 } });
  const check = await runCli(['backup-verify', bk], { env });
  t.equal(check.code, 0, check.stderr);
  t.match(check.stdout, /is intact: .*; authenticated with key [0-9a-f]{16}/);
  const restore = await runCli(['restore', bk], { env });
  t.equal(restore.code, 0, restore.stderr);
  t.match(restore.stdout, /restored the backup made .*; authenticated with key/);
  const verify = await runCli(['audit', 'verify'], { env });
  t.equal(verify.code, 0, verify.stdout);
  t.match((await auditActions(env)).at(-1), { action: 'store.restore', details: { authenticated: true } });
});

t.test('on another box the backup is refused until the admin copies the integrity key across', async (t) => {
  const { dir, bk } = await boxWithBackup(t);
  const other = { SWITCHBOARD_DATA_DIR: path.join(dir, 'other') };
  const without = await runCli(['restore', bk], { env: other });
  t.equal(without.code, 1);
  t.match(without.stderr, /SWB_ERR_BACKUP_UNAUTHENTICATED: .*there is no integrity key on this box \(.*other\/keys\/audit\.key\)/);
  await mkdir(path.join(dir, 'other', 'keys'), { recursive: true, mode: 0o700 });
  await copyFile(path.join(dir, 'data', 'keys', 'audit.key'), path.join(dir, 'other', 'keys', 'audit.key'));
  const withKey = await runCli(['restore', bk], { env: other });
  t.equal(withKey.code, 0, withKey.stderr);
  t.equal(await roleOf(other, 'keeper'), 'admin');
  t.equal((await runCli(['audit', 'verify'], { env: other })).code, 0);
});

t.test('--force-unauthenticated accepts the edited backup, and the forcing is audited', async (t) => {
  const { env, bk } = await boxWithBackup(t);
  await promoteInBackup(bk, 'olga');
  const check = await runCli(['backup-verify', bk, '--force-unauthenticated'], { env });
  t.equal(check.code, 0, check.stderr);
  t.match(check.stdout, /NOT authenticated \(.*MAC does not verify.*\); accepted because of --force-unauthenticated, and audited/);
  t.match((await auditActions(env)).at(-1), { action: 'backup.unauthenticated', details: { command: 'backup-verify', why: /MAC does not verify/ } });

  const restore = await runCli(['restore', bk, '--force-unauthenticated'], { env });
  t.equal(restore.code, 0, restore.stderr);
  t.equal(await roleOf(env, 'olga'), 'admin', 'the admin accepted the edited store');
  const actions = await auditActions(env);
  t.match(actions.slice(-2), [
    { action: 'backup.unauthenticated', details: { command: 'restore', why: /MAC does not verify/ } },
    { action: 'store.restore', details: { authenticated: false } },
  ]);
  const verify = await runCli(['audit', 'verify'], { env });
  t.equal(verify.code, 0, verify.stdout);
});

t.test('a forced restore onto a box with another key keeps the old chain checkable by its links and keys the rest', async (t) => {
  const { dir, bk } = await boxWithBackup(t);
  const other = { SWITCHBOARD_DATA_DIR: path.join(dir, 'other') };
  t.equal((await runCli(['user', 'add', 'local', '--role', 'admin', '--password-stdin'], { env: other, stdin: STRONG_PASSWORD })).code, 0);
  const refused = await runCli(['restore', bk], { env: other });
  t.match(refused.stderr, /SWB_ERR_BACKUP_UNAUTHENTICATED: .*signed with key [0-9a-f]{16}, this box holds key [0-9a-f]{16}/);
  const forced = await runCli(['restore', bk, '--force-unauthenticated'], { env: other });
  t.equal(forced.code, 0, forced.stderr);
  const verify = await runCli(['audit', 'verify'], { env: other });
  t.equal(verify.code, 0, verify.stdout);
  t.match(verify.stdout, /3 records were MAC'd with key [0-9a-f]{16}, which this box does not hold/);
  t.match(verify.stdout, /MAC'd with integrity key [0-9a-f]{16} from record 4/);
  t.match((await auditActions(other))[3], { action: 'audit.chain.keyed', details: { recordsBefore: 3 } });
});

t.test('a backup made before manifests were signed is refused unless forced', async (t) => {
  const { env, bk } = await boxWithBackup(t);
  const file = path.join(bk, 'manifest.json');
  const { keyId: _k, mac: _m, auditHead: _h, ...old } = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  await writeFile(file, JSON.stringify({ ...old, format: 'switchboard-backup/1' }));
  const check = await runCli(['backup-verify', bk], { env });
  t.equal(check.code, 1);
  t.match(check.stderr, /SWB_ERR_BACKUP_UNAUTHENTICATED: .*the manifest carries no MAC/);
  t.equal((await runCli(['backup-verify', bk, '--force-unauthenticated'], { env })).code, 0);
});
