import t from 'tap';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runCli, startAppliance, stop } from '../../helpers/cli.js';
import { tempDir, STRONG_PASSWORD } from '../../helpers/appliance.js';
import { IntegrityKey } from '../../../domain/audit/integrity-key.js';

const KEY = 'a1'.repeat(32);

t.test('under systemd the key comes from $CREDENTIALS_DIRECTORY/audit-key and none is made in the data directory', async (t) => {
  const dir = await tempDir(t);
  const credentials = path.join(dir, 'credentials');
  await mkdir(credentials, { mode: 0o700 });
  await writeFile(path.join(credentials, 'audit-key'), `${KEY}\n`, { mode: 0o400 });
  const env = { SWITCHBOARD_DATA_DIR: path.join(dir, 'data'), SWITCHBOARD_LISTEN: '127.0.0.1:0', CREDENTIALS_DIRECTORY: credentials };
  t.equal((await runCli(['user', 'add', 'aud', '--role', 'auditor', '--password-stdin'], { env, stdin: STRONG_PASSWORD })).code, 0);
  const { child, logs } = await startAppliance(env);
  await stop(child);
  t.notOk(existsSync(path.join(dir, 'data', 'keys', 'audit.key')), 'no key file was created');
  const checkpoint = JSON.parse(await readFile(path.join(dir, 'data', 'keys', 'audit-checkpoint.json'), 'utf8')) as { keyId: string; seq: number };
  t.match(checkpoint, { keyId: new IntegrityKey(Buffer.from(KEY, 'hex')).id, seq: 1 });
  t.notOk(logs.join('\n').includes(KEY), 'the key is in no log line');
  const verify = await runCli(['audit', 'verify'], { env });
  t.equal(verify.code, 0, verify.stdout);
  const without = await runCli(['audit', 'verify'], { env: { SWITCHBOARD_DATA_DIR: env.SWITCHBOARD_DATA_DIR } });
  t.equal(without.code, 1, 'without the credential the records cannot be verified');
  t.match(without.stdout, /UNVERIFIABLE: no integrity key on this box: 1 keyed records cannot be verified/);
  const write = await runCli(['user', 'add', 'u2', '--role', 'operator', '--password-stdin'], { env: { SWITCHBOARD_DATA_DIR: env.SWITCHBOARD_DATA_DIR }, stdin: STRONG_PASSWORD });
  t.equal(write.code, 78, 'a writer without the credential does not make a key of its own');
  t.match(write.stderr, /SWB_ERR_CONFIG_INVALID: .*audit\.keyFile: no integrity key at .*, but the audit chain was keyed/);
  t.notOk(existsSync(path.join(dir, 'data', 'keys', 'audit.key')));
  t.equal((await runCli(['user', 'list'], { env: { SWITCHBOARD_DATA_DIR: env.SWITCHBOARD_DATA_DIR } })).code, 0, 'commands that only read still work');
  await t.rejects(startAppliance({ SWITCHBOARD_DATA_DIR: env.SWITCHBOARD_DATA_DIR, SWITCHBOARD_LISTEN: '127.0.0.1:0' }), /exited 78: .*no integrity key at .*, but the audit chain was keyed/, 'nor does the appliance start without it');
});

t.test('audit.keyFile names the key; a missing or malformed one is a configuration error that never shows the content', async (t) => {
  const dir = await tempDir(t);
  const config = path.join(dir, 'config.yaml');
  const keyFile = path.join(dir, 'audit.key');
  await writeFile(config, `audit:\n  keyFile: ${keyFile}\n  checkpointFile: ${path.join(dir, 'elsewhere', 'checkpoint.json')}\n`);
  const env = { SWITCHBOARD_DATA_DIR: path.join(dir, 'data'), SWITCHBOARD_CONFIG: config };
  const missing = await runCli(['user', 'add', 'u1', '--role', 'operator', '--password-stdin'], { env, stdin: STRONG_PASSWORD });
  t.equal(missing.code, 78);
  t.match(missing.stderr, /SWB_ERR_CONFIG_INVALID: .*audit\.keyFile: secret file .*audit\.key: ENOENT/);
  await writeFile(keyFile, 'my-database-password\n', { mode: 0o600 });
  const malformed = await runCli(['user', 'add', 'u1', '--role', 'operator', '--password-stdin'], { env, stdin: STRONG_PASSWORD });
  t.equal(malformed.code, 78);
  t.match(malformed.stderr, /audit\.keyFile: .*audit\.key does not hold a key, expected 64 hex digits/);
  t.notOk(malformed.stderr.includes('my-database-password'));
  await writeFile(keyFile, `${KEY}\n`, { mode: 0o600 });
  t.equal((await runCli(['user', 'add', 'u1', '--role', 'operator', '--password-stdin'], { env, stdin: STRONG_PASSWORD })).code, 0);
  t.ok(existsSync(path.join(dir, 'elsewhere', 'checkpoint.json')), 'the checkpoint is where audit.checkpointFile says');
  t.notOk(existsSync(path.join(dir, 'data', 'keys', 'audit.key')));
  t.equal((await runCli(['audit', 'verify'], { env })).code, 0);
});
