import t, { type Test } from 'tap';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { cp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { open as openLmdb } from 'lmdb';
import { runCli, startAppliance, stop } from '../../helpers/cli.js';
import { tempDir, STRONG_PASSWORD } from '../../helpers/appliance.js';

/*
 * The insider: someone who can write the files under DATADIR/store while the
 * appliance is stopped, and who has read the source, but does not hold the
 * integrity key. Every edit below goes through the lmdb package, as theirs would.
 */

type Stored = { at: string; actor: string; action: string; target: string; source: string; details: unknown; prevHash: string; keyId?: string; hash: string };

async function withAuditDb<T>(dataDir: string, fn: (db: ReturnType<ReturnType<typeof openLmdb>['openDB']>) => Promise<T>): Promise<T> {
  const root = openLmdb({ path: path.join(dataDir, 'store'), maxDbs: 32 });
  try {
    return await fn(root.openDB({ name: 'audit' }));
  } finally {
    await root.close();
  }
}

async function records(dataDir: string): Promise<Array<{ seq: number } & Stored>> {
  return withAuditDb(dataDir, async (db) => [...db.getRange({})].map(({ key, value }) => ({ seq: key as number, ...(value as Stored) })));
}

/** What the old, unkeyed chain hashed; the forger's best guess without the key. */
function plainSha256(seq: number, r: Omit<Stored, 'hash'>, withKeyId: boolean): string {
  const fields: unknown[] = [seq, r.at, r.actor, r.action, r.target, r.source, r.details, r.prevHash];
  if (withKeyId && r.keyId !== undefined) fields.push(r.keyId);
  return createHash('sha256').update(JSON.stringify(fields)).digest('hex');
}

/** Change record `from` with `edit`, then recompute every later hash and link with `hash`. */
async function rewriteFrom(dataDir: string, from: number, edit: (r: Stored) => Stored, hash: (seq: number, r: Omit<Stored, 'hash'>) => string): Promise<void> {
  const all = await records(dataDir);
  await withAuditDb(dataDir, async (db) => {
    let prev = all.find((r) => r.seq === from - 1)?.hash ?? '0'.repeat(64);
    for (const { seq, ...r } of all.filter((x) => x.seq >= from)) {
      const changed = seq === from ? edit(r) : r;
      const { hash: _old, ...rest } = { ...changed, prevHash: prev };
      const forged = { ...rest, hash: hash(seq, rest) };
      await db.put(seq, forged);
      prev = forged.hash;
    }
  });
}

/** A box with an auditor and some audited activity, stopped; its data directory and the appliance's log lines. */
async function usedBox(t: Test): Promise<{ env: Record<string, string>; dataDir: string; logs: string[] }> {
  const dataDir = path.join(await tempDir(t), 'data');
  const env = { SWITCHBOARD_DATA_DIR: dataDir, SWITCHBOARD_LISTEN: '127.0.0.1:0' };
  const r = await runCli(['user', 'add', 'aud', '--role', 'auditor', '--password-stdin'], { env, stdin: STRONG_PASSWORD });
  t.equal(r.code, 0, r.stderr);
  const { child, url, logs } = await startAppliance(env);
  for (let i = 0; i < 5; i++) await signIn(url);
  await stop(child);
  return { env, dataDir, logs };
}

async function signIn(url: string): Promise<string> {
  const r = await fetch(`${url}/api/v1/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'aud', password: STRONG_PASSWORD }) });
  return ((await r.json()) as { token: string }).token;
}

/** The API's verdict, from a freshly started appliance (which has compared the store with its checkpoint on the way up). */
async function apiVerify(t: Test, env: Record<string, string>): Promise<Record<string, unknown>> {
  const { child, url } = await startAppliance(env);
  t.teardown(() => stop(child));
  const r = await fetch(`${url}/api/v1/audit/verify`, { headers: { authorization: `Bearer ${await signIn(url)}` } });
  t.equal(r.status, 200);
  const body = (await r.json()) as Record<string, unknown>;
  await stop(child);
  return body;
}

t.test('an untouched store verifies, and keeps verifying across restarts, with its head checkpointed outside the store', async (t) => {
  const { env, dataDir, logs } = await usedBox(t);
  const first = await runCli(['audit', 'verify'], { env });
  t.equal(first.code, 0, first.stdout);
  t.match(first.stdout, /audit chain intact: 6 records, head [0-9a-f]{64} \(record 6\)/);
  t.match(first.stdout, /MAC'd with integrity key [0-9a-f]{16} from record 1/);
  t.match(first.stdout, /checkpoint: record 6 at .* matches/);

  const keyFile = path.join(dataDir, 'keys', 'audit.key');
  t.equal((await stat(keyFile)).mode & 0o777, 0o600, 'the key file is private');
  t.equal((await stat(path.join(dataDir, 'keys'))).mode & 0o777, 0o700);
  t.equal((await stat(path.join(dataDir, 'keys', 'audit-checkpoint.json'))).mode & 0o777, 0o600);
  const key = (await readFile(keyFile, 'utf8')).trim();
  t.notOk(logs.join('\n').includes(key), 'the key is in no log line');
  const head = (await records(dataDir)).at(-1)!;
  const logged = logs.filter((l) => l.includes('"audit checkpoint"')).map((l) => JSON.parse(l) as { level: number; seq: number; hash: string });
  t.match(logged.at(-1), { level: 30, seq: head.seq, hash: head.hash }, 'the last head is in the journal, at info');

  const api = await apiVerify(t, env);
  t.match(api, { ok: true, count: 7 }, 'the sign-in of the API check itself is the 7th record');
  const again = await runCli(['audit', 'verify'], { env });
  t.equal(again.code, 0, again.stdout);
  t.match(again.stdout, /audit chain intact: 7 records/);
});

t.test('removing the last records is reported as truncation by the CLI and the API, and still after a restart', async (t) => {
  const { env, dataDir } = await usedBox(t);
  await withAuditDb(dataDir, async (db) => {
    for (const seq of [4, 5, 6]) await db.remove(seq);
  });
  const cli = await runCli(['audit', 'verify'], { env });
  t.equal(cli.code, 1);
  t.match(cli.stdout, /audit chain TRUNCATED from record 4: the store ends at record 3 but the checkpoint of .* names record 6: records 4\.\.6 were removed \(truncation\)/);

  const api = await apiVerify(t, env);
  t.match(api, { ok: false, kind: 'truncated', firstBad: 4, reason: /records 4\.\.6 were removed/ });
  const after = await runCli(['audit', 'verify'], { env });
  t.equal(after.code, 1, 'the restart did not launder it');
  t.match(after.stdout, /TRUNCATED from record 4: found when the store was opened at .* and recorded as record 4: .*records 4\.\.6 were removed/);
  t.match((await records(dataDir))[3], { action: 'audit.checkpoint.mismatch', details: { kind: 'truncated' } });
});

t.test('a record changed and every later hash recomputed with plain SHA-256 is reported as re-hashed', async (t) => {
  const { env, dataDir } = await usedBox(t);
  const forge = (r: Stored): Stored => ({ ...r, actor: 'cli:somebody-else' });
  await rewriteFrom(dataDir, 2, forge, (seq, r) => plainSha256(seq, r, true));
  const cli = await runCli(['audit', 'verify'], { env });
  t.equal(cli.code, 1);
  t.match(cli.stdout, /audit chain RE-HASHED from record 2: record 2 was rewritten and re-hashed with plain SHA-256, without the integrity key/);
  t.match(await apiVerify(t, env), { ok: false, kind: 'rehashed', firstBad: 2 });
});

t.test('the same forgery with the old hash layout, or with a key of the forger\'s own, is reported as re-hashed', async (t) => {
  const { env, dataDir } = await usedBox(t);
  const pristine = path.join(path.dirname(dataDir), 'pristine');
  await cp(dataDir, pristine, { recursive: true });
  const forge = (r: Stored): Stored => ({ ...r, target: 'user:nobody' });
  const theirs = randomBytes(32);
  const forgeries = [
    ['the old layout', (seq: number, r: Omit<Stored, 'hash'>) => plainSha256(seq, r, false), /RE-HASHED from record 3: record 3 was rewritten and re-hashed with plain SHA-256/],
    ['their own key', (seq: number, r: Omit<Stored, 'hash'>) => createHmac('sha256', theirs).update(JSON.stringify([seq, r.at, r.actor, r.action, r.target, r.source, r.details, r.prevHash, r.keyId])).digest('hex'), /RE-HASHED from record 3: records from 3 on were re-hashed with another key/],
  ] as const;
  for (const [name, hash, expected] of forgeries) {
    await rm(dataDir, { recursive: true });
    await cp(pristine, dataDir, { recursive: true });
    await rewriteFrom(dataDir, 3, forge, hash);
    const cli = await runCli(['audit', 'verify'], { env });
    t.equal(cli.code, 1, name);
    t.match(cli.stdout, expected, name);
  }
});

t.test('rewriting the whole chain as an unkeyed one, links and all, no longer matches the checkpoint', async (t) => {
  const { env, dataDir } = await usedBox(t);
  const all = await records(dataDir);
  await withAuditDb(dataDir, async (db) => {
    let prevHash = '0'.repeat(64);
    for (const { seq, hash: _h, keyId: _k, ...r } of all) {
      const unkeyed = { ...r, actor: seq === 2 ? 'cli:somebody-else' : r.actor, prevHash };
      prevHash = plainSha256(seq, unkeyed, false);
      await db.put(seq, { ...unkeyed, hash: prevHash });
    }
  });
  const cli = await runCli(['audit', 'verify'], { env });
  t.equal(cli.code, 1);
  t.match(cli.stdout, /REWRITTEN at or before record 6: record 6 is not the one checkpointed/);
});

t.test('a deleted or forged checkpoint is reported', async (t) => {
  const { env, dataDir } = await usedBox(t);
  const file = path.join(dataDir, 'keys', 'audit-checkpoint.json');
  const original = await readFile(file, 'utf8');
  await writeFile(file, original.replace(/"seq":6/, '"seq":3'));
  const forged = await runCli(['audit', 'verify'], { env });
  t.equal(forged.code, 1);
  t.match(forged.stdout, /CHECKPOINT MISSING OR FORGED: the checkpoint .* does not verify with the integrity key/);
  await rm(file);
  const gone = await runCli(['audit', 'verify'], { env });
  t.equal(gone.code, 1);
  t.match(gone.stdout, /CHECKPOINT MISSING OR FORGED: the head checkpoint is missing/);
});

t.test('a rollback of the store and the checkpoint together passes the files but not the journal', async (t) => {
  const { env, dataDir, logs } = await usedBox(t);
  const older = path.join(path.dirname(dataDir), 'older');
  await cp(dataDir, older, { recursive: true });
  const { child, url, logs: later } = await startAppliance(env);
  await signIn(url);
  await stop(child);
  await rm(dataDir, { recursive: true });
  await cp(older, dataDir, { recursive: true });
  const files = await runCli(['audit', 'verify'], { env });
  t.equal(files.code, 0, 'a consistent older copy of both is not detectable from the files alone');
  const journal = path.join(path.dirname(dataDir), 'journal.log');
  await writeFile(journal, [...logs, ...later].join('\n'));
  const checked = await runCli(['audit', 'verify', '--journal', journal], { env });
  t.equal(checked.code, 1);
  t.match(checked.stdout, /TRUNCATED from record 7: the journal logged record 7 at .*, the store ends at record 6/);
});

t.test('a store written before the chain was keyed opens, is keyed from a marker on, and its old records are anchored by it', async (t) => {
  const dataDir = path.join(await tempDir(t), 'data');
  const env = { SWITCHBOARD_DATA_DIR: dataDir };
  t.equal((await runCli(['user', 'list'], { env })).code, 0);
  await withAuditDb(dataDir, async (db) => {
    let prevHash = '0'.repeat(64);
    for (let seq = 1; seq <= 3; seq++) {
      const r = { at: new Date().toISOString(), actor: 'cli:root', action: 'user.create', target: `user:old${seq}`, source: 'cli', details: {}, prevHash };
      const hash = plainSha256(seq, r, false);
      await db.put(seq, { ...r, hash });
      prevHash = hash;
    }
  });
  await rm(path.join(dataDir, 'keys'), { recursive: true, force: true });
  const old = await runCli(['audit', 'verify'], { env });
  t.equal(old.code, 0, old.stdout);
  t.match(old.stdout, /audit chain intact: 3 records/);
  t.match(old.stdout, /records 1\.\.3 were written before the chain was keyed/);

  t.equal((await runCli(['user', 'add', 'new', '--role', 'operator', '--password-stdin'], { env, stdin: STRONG_PASSWORD })).code, 0);
  const keyed = await runCli(['audit', 'verify'], { env });
  t.equal(keyed.code, 0, keyed.stdout);
  t.match(keyed.stdout, /audit chain intact: 5 records/);
  t.match(keyed.stdout, /MAC'd with integrity key [0-9a-f]{16} from record 4/);
  t.match((await records(dataDir))[3], { action: 'audit.chain.keyed', details: { recordsBefore: 3, previousKey: 'none' } });

  // The old records are now anchored: rewriting one and re-hashing the unkeyed part breaks the marker's MAC.
  const before = await records(dataDir);
  await withAuditDb(dataDir, async (db) => {
    let prevHash = before[0]!.hash;
    for (const { seq, hash: _h, ...r } of before.filter((x) => x.seq === 2 || x.seq === 3)) {
      const forged = { ...r, target: seq === 2 ? 'user:forged' : r.target, prevHash };
      prevHash = plainSha256(seq, forged, false);
      await db.put(seq, { ...forged, hash: prevHash });
    }
    const { seq: _s, ...marker } = before[3]!;
    await db.put(4, { ...marker, prevHash });
  });
  const bad = await runCli(['audit', 'verify'], { env });
  t.equal(bad.code, 1);
  t.match(bad.stdout, /BROKEN at record 4: record 4 was altered \(its MAC does not verify with the integrity key\)/);
});

t.test('beside a running appliance that keeps writing, the CLI never takes the lagging checkpoint for tampering', async (t) => {
  const { env } = await usedBox(t);
  t.equal((await runCli(['user', 'add', 'sup', '--role', 'supervisor', '--password-stdin'], { env, stdin: STRONG_PASSWORD })).code, 0);
  const { child, url } = await startAppliance(env);
  t.teardown(() => stop(child));
  const auditor = await signIn(url);
  const login = await fetch(`${url}/api/v1/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'sup', password: STRONG_PASSWORD }) });
  const sup = ((await login.json()) as { token: string }).token;
  let running = true;
  let created = 0;
  const writers = Promise.all(
    [0, 1].map(async (w) => {
      for (let i = 0; running; i++) {
        const r = await fetch(`${url}/api/v1/clients`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${sup}` }, body: JSON.stringify({ name: `c ${w}-${i}` }) });
        if (r.status === 201) created++;
      }
    }),
  );
  const verdicts: Array<number | null> = [];
  const said: string[] = [];
  for (let i = 0; i < 6; i++) {
    const r = await runCli(['audit', 'verify'], { env });
    verdicts.push(r.code);
    if (r.code !== 0) said.push(r.stdout + r.stderr);
  }
  running = false;
  await writers;
  t.ok(created > 50, `${created} audited client creations ran beside the checks`);
  t.same(verdicts, [0, 0, 0, 0, 0, 0], said.join('\n'));
  const api = await fetch(`${url}/api/v1/audit/verify`, { headers: { authorization: `Bearer ${auditor}` } });
  t.match(await api.json(), { ok: true });
});
