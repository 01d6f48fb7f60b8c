import t from 'tap';
import { execFileSync } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { runCli, startAppliance, stop } from '../../helpers/cli.js';
import { tempDir, STRONG_PASSWORD } from '../../helpers/appliance.js';
import { Store } from '../../../domain/store/store.js';
import { ClientService } from '../../../domain/clients/clients.js';
import { HistoryService } from '../../../domain/history/history.js';
import { auditLogOf } from '../../helpers/domain.js';

/** A supervisor token on a store, made through the CLI and API like an admin would (no TOTP needed for supervisors). */
async function supervisorToken(url: string, env: Record<string, string>): Promise<string> {
  const add = await runCli(['user', 'add', 'sup', '--role', 'supervisor', '--password-stdin'], { env, stdin: STRONG_PASSWORD });
  if (add.code !== 0) throw new Error(add.stderr);
  const r = await fetch(`${url}/api/v1/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'sup', password: STRONG_PASSWORD }) });
  return ((await r.json()) as { token: string }).token;
}

async function createClient(url: string, token: string, name: string): Promise<Response> {
  return fetch(`${url}/api/v1/clients`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ name }) });
}

function mount(args: string[]): void {
  execFileSync('mount', args, { stdio: 'pipe' });
}

t.test('kill -9 during a stream of client creations loses no client whose 201 was sent', async (t) => {
  const dataDir = await tempDir(t);
  const env = { SWITCHBOARD_DATA_DIR: dataDir, SWITCHBOARD_LISTEN: '127.0.0.1:0' };
  const { child, url } = await startAppliance(env);
  t.teardown(() => stop(child, 'SIGKILL'));
  const token = await supervisorToken(url, env);

  const acknowledged: string[] = [];
  let writers = 0;
  let killed = false;
  // Eight concurrent writers, so the kill lands with requests in flight, mid-batch.
  const writer = async (w: number): Promise<void> => {
    writers++;
    for (let i = 0; !killed; i++) {
      try {
        const r = await createClient(url, token, `client ${w}-${i}`);
        if (r.status === 201) acknowledged.push(((await r.json()) as { id: string }).id);
      } catch {
        return; // the connection died with the process
      }
    }
  };
  const streams = Array.from({ length: 8 }, (_, w) => writer(w));
  while (acknowledged.length < 300) await new Promise((r) => setTimeout(r, 5));
  child.kill('SIGKILL');
  killed = true;
  await Promise.all(streams);
  t.equal(writers, 8);
  t.ok(acknowledged.length >= 300, `${acknowledged.length} clients were acknowledged before the kill`);

  const store = await Store.open({ dataDir });
  t.teardown(() => store.close());
  const clients = new ClientService(store, auditLogOf(store), new HistoryService(store));
  const missing = acknowledged.filter((id) => !clients.get(id));
  t.same(missing, [], 'every acknowledged client is in the store after the crash');
  t.ok(auditLogOf(store).verify().ok, 'the audit chain survived the crash');
});

t.test('a read-only data directory stops the start with one clear line and exit 74', async (t) => {
  const dir = await tempDir(t);
  const ro = path.join(dir, 'ro');
  await mkdir(ro);
  // As root, permissions do not stop writes: a read-only mount does.
  mount(['-t', 'tmpfs', '-o', 'ro,size=1m', 'tmpfs', ro]);
  t.teardown(() => execFileSync('umount', [ro]));
  const r = await runCli(['start'], { env: { SWITCHBOARD_DATA_DIR: ro, SWITCHBOARD_LISTEN: '127.0.0.1:0' } });
  t.equal(r.code, 74);
  const fatal = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { level: number; code?: string; reason?: string; msg: string }).filter((l) => l.level >= 60);
  t.equal(fatal.length, 1, 'exactly one fatal line');
  t.match(fatal[0], { msg: 'switchboard cannot start', code: 'SWB_ERR_STORE_UNAVAILABLE', reason: /data directory .*EROFS/ });
});

t.test('a full disk refuses writes with 507, keeps serving reads, reports not ready, and recovers when space returns', async (t) => {
  const dir = await tempDir(t);
  const small = path.join(dir, 'small');
  await mkdir(small);
  mount(['-t', 'tmpfs', '-o', 'size=3m', 'tmpfs', small]);
  t.teardown(() => execFileSync('umount', ['-l', small]));
  const env = { SWITCHBOARD_DATA_DIR: small, SWITCHBOARD_LISTEN: '127.0.0.1:0' };
  const { child, url } = await startAppliance(env);
  t.teardown(() => stop(child, 'SIGKILL'));
  const token = await supervisorToken(url, env);

  const acknowledged: string[] = [];
  let full: Response | null = null;
  const bigName = 'x'.repeat(190);
  for (let i = 0; i < 20_000 && !full; i++) {
    const r = await createClient(url, token, `${bigName} ${i}`);
    if (r.status === 201) acknowledged.push(((await r.json()) as { id: string }).id);
    else full = r;
  }
  t.ok(full, 'the disk filled up');
  const fullBody = await full!.clone().text();
  t.equal(full!.status, 507, fullBody);
  t.match(await full!.json(), { error: 'SWB_ERR_STORE_FULL' });
  t.equal(child.exitCode, null, 'the appliance is still running');

  const health = await fetch(`${url}/healthz`);
  t.equal(health.status, 200);
  const read = await fetch(`${url}/api/v1/clients/${acknowledged[0]}`, { headers: { authorization: `Bearer ${token}` } });
  t.equal(read.status, 200, 'reads still work');
  const notReady = await fetch(`${url}/readyz`);
  t.equal(notReady.status, 503, 'not ready while the store cannot write');
  t.match(await notReady.json(), { checks: { store: 'down' } });

  mount(['-o', 'remount,size=64m', small]);
  const ready = await fetch(`${url}/readyz`);
  t.equal(ready.status, 200, 'ready again once there is space, before any traffic');
  const after = await createClient(url, token, 'after the disk grew');
  t.equal(after.status, 201, 'writes resume once there is space');
});
