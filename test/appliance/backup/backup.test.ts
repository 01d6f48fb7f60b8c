import t from 'tap';
import { copyFile, mkdir, open, readFile, readdir, truncate, rm } from 'node:fs/promises';
import path from 'node:path';
import { runCli, startAppliance, stop } from '../../helpers/cli.js';
import { tempDir, STRONG_PASSWORD } from '../../helpers/appliance.js';
import { Store } from '../../../domain/store/store.js';
import { ClientService } from '../../../domain/clients/clients.js';
import { HistoryService } from '../../../domain/history/history.js';
import { auditLogOf } from '../../helpers/domain.js';

async function signIn(url: string, env: Record<string, string>): Promise<string> {
  await runCli(['user', 'add', 'sup', '--role', 'supervisor', '--password-stdin'], { env, stdin: STRONG_PASSWORD });
  const r = await fetch(`${url}/api/v1/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'sup', password: STRONG_PASSWORD }) });
  return ((await r.json()) as { token: string }).token;
}

/** Four writers creating clients until stopped; ids of the acknowledged ones, in order. */
function writeStream(url: string, token: string): { acked: string[]; stop: () => Promise<void> } {
  const acked: string[] = [];
  let running = true;
  const writer = async (w: number): Promise<void> => {
    for (let i = 0; running; i++) {
      const r = await fetch(`${url}/api/v1/clients`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ name: `stream ${w}-${i}` }) });
      if (r.status === 201) acked.push(((await r.json()) as { id: string }).id);
    }
  };
  const all = Promise.all([0, 1, 2, 3].map(writer));
  return { acked, stop: async () => ((running = false), await all, undefined) };
}

t.test('a backup taken during a write stream restores every record acknowledged before it began, with a verifying audit chain', async (t) => {
  const dir = await tempDir(t);
  const env = { SWITCHBOARD_DATA_DIR: path.join(dir, 'live'), SWITCHBOARD_LISTEN: '127.0.0.1:0' };
  const { child, url } = await startAppliance(env);
  t.teardown(() => stop(child));
  const stream = writeStream(url, await signIn(url, env));
  while (stream.acked.length < 200) await new Promise((r) => setTimeout(r, 10));
  const before = [...stream.acked];
  const backup = await runCli(['backup', path.join(dir, 'bk')], { env });
  const duringBackup = stream.acked.length - before.length;
  await stream.stop();
  t.equal(backup.code, 0, backup.stderr);
  t.match(backup.stdout, /backup written to .*: \d+ bytes, sha256 [0-9a-f]{64}, \d+ audit records/);
  t.ok(duringBackup >= 0, `${duringBackup} clients were acknowledged while the backup ran`);
  t.same((await readdir(path.join(dir, 'bk'))).filter((f) => f !== 'lock.mdb').sort(), ['data.mdb', 'manifest.json']);

  const restoredEnv = { SWITCHBOARD_DATA_DIR: path.join(dir, 'restored') };
  // Another box: the admin brings the integrity key across, apart from the backup (docs/security.md).
  await mkdir(path.join(dir, 'restored', 'keys'), { recursive: true, mode: 0o700 });
  await copyFile(path.join(dir, 'live', 'keys', 'audit.key'), path.join(dir, 'restored', 'keys', 'audit.key'));
  const restore = await runCli(['restore', path.join(dir, 'bk')], { env: restoredEnv });
  t.equal(restore.code, 0, restore.stderr);
  const store = await Store.open({ dataDir: restoredEnv.SWITCHBOARD_DATA_DIR });
  t.teardown(() => store.close());
  const clients = new ClientService(store, auditLogOf(store), new HistoryService(store));
  t.same(before.filter((id) => !clients.get(id)), [], `all ${before.length} clients acknowledged before the backup are restored`);
  const audit = auditLogOf(store);
  t.ok(audit.verify().ok, 'the restored audit chain verifies');
  const actions = [...audit.all()].map((r) => r.action);
  t.ok(actions.includes('store.backup') && actions.at(-1) === 'store.restore', 'the backup and the restore are both audited');
});

t.test('restore refuses a store an appliance is running on', async (t) => {
  const dir = await tempDir(t);
  const env = { SWITCHBOARD_DATA_DIR: path.join(dir, 'live'), SWITCHBOARD_LISTEN: '127.0.0.1:0' };
  const bk = path.join(dir, 'bk');
  const { child } = await startAppliance(env);
  t.teardown(() => stop(child));
  t.equal((await runCli(['backup', bk], { env })).code, 0);
  const r = await runCli(['restore', bk], { env });
  t.equal(r.code, 1);
  t.match(r.stderr, /SWB_ERR_STORE_LOCKED: .*\(pid \d+\) is running/);
});

t.test('restore refuses a corrupted, truncated or incomplete backup and leaves the store as it was', async (t) => {
  const dir = await tempDir(t);
  const env = { SWITCHBOARD_DATA_DIR: path.join(dir, 'data') };
  await runCli(['user', 'add', 'keeper', '--role', 'operator', '--password-stdin'], { env, stdin: STRONG_PASSWORD });
  const makeBackup = async (name: string): Promise<string> => {
    const bk = path.join(dir, name);
    const r = await runCli(['backup', bk], { env });
    t.equal(r.code, 0, r.stderr);
    return bk;
  };
  const corrupted = await makeBackup('corrupted');
  const fh = await open(path.join(corrupted, 'data.mdb'), 'r+');
  await fh.write(Buffer.from([0xde, 0xad]), 0, 2, 5000);
  await fh.close();
  const truncated = await makeBackup('truncated');
  await truncate(path.join(truncated, 'data.mdb'), 4096);
  const incomplete = await makeBackup('incomplete');
  await rm(path.join(incomplete, 'manifest.json'));

  const storeFile = path.join(dir, 'data', 'store', 'data.mdb');
  const original = await readFile(storeFile);
  for (const [bk, why] of [[corrupted, /does not match its SHA-256/], [truncated, /truncated/], [incomplete, /no readable manifest\.json/]] as const) {
    const r = await runCli(['restore', bk], { env });
    t.equal(r.code, 1, `${path.basename(bk)} is refused`);
    t.match(r.stderr, /SWB_ERR_BACKUP_INVALID/);
    t.match(r.stderr, why);
    const check = await runCli(['backup-verify', bk], { env });
    t.equal(check.code, 1, `backup-verify also refuses ${path.basename(bk)}`);
  }
  t.ok((await readFile(storeFile)).equals(original), 'the store was not touched');
  const list = await runCli(['user', 'list'], { env });
  t.match(list.stdout, /^keeper\t/m);
});

t.test('restoring over a stopped store keeps the replaced one beside it', async (t) => {
  const dir = await tempDir(t);
  const env = { SWITCHBOARD_DATA_DIR: path.join(dir, 'data') };
  await runCli(['user', 'add', 'first', '--role', 'operator', '--password-stdin'], { env, stdin: STRONG_PASSWORD });
  // A dot in the name (a date, a version) must not turn the directory into a file name for LMDB.
  const bk = path.join(dir, 'pre-upgrade-0.1.0');
  await runCli(['backup', bk], { env });
  await runCli(['user', 'add', 'later', '--role', 'operator', '--password-stdin'], { env, stdin: STRONG_PASSWORD });
  const r = await runCli(['restore', bk], { env });
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /the store it replaced is kept at .*store\.before-restore-/);
  const users = (await runCli(['user', 'list'], { env })).stdout;
  t.match(users, /^first\t/m);
  t.notMatch(users, /^later\t/m, 'the user created after the backup is gone from the live store');
  t.ok((await readdir(path.join(dir, 'data'))).some((f) => f.startsWith('store.before-restore-')));
});
