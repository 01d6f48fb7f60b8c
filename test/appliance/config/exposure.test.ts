import t from 'tap';
import { chmod, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { tempDir } from '../../helpers/appliance.js';
import { runCli, startAppliance, stop } from '../../helpers/cli.js';

/*
 * Secrets in the configuration are the box's keys to drachtio, the media
 * server and the messengers. A config file holding them inline, or a secret
 * file, that every local user can read is a warning at start and on
 * `config check`, and a failure under `config check --strict` (exit 78).
 */
const DRACHTIO = 'drachtio-inline-secret-7f3a';
const ESL = 'esl-inline-password-91c2';
const TELEGRAM = 'telegram-inline-token-55e0';
const INLINE = `sip:\n  drachtio:\n    secret: ${DRACHTIO}\nmedia:\n  freeswitch:\n    esl:\n      password: ${ESL}\n`;

t.test('a world-readable config file holding inline secrets is a warning, and a failure under --strict', async (t) => {
  const dir = await tempDir(t);
  const file = path.join(dir, 'config.yaml');
  await writeFile(file, `${INLINE}channels:\n  - {id: tg, type: telegram, token: ${TELEGRAM}}\n  - {id: site, type: webchat}\n`);
  await chmod(file, 0o644);

  const plain = await runCli(['config', 'check', file]);
  t.equal(plain.code, 0, 'without --strict the file is still valid');
  t.match(plain.stderr, /warning: .*config\.yaml \(mode 0644\) holds secrets written inline \(sip\.drachtio\.secret, channels\.0\.token, media\.freeswitch\.esl\.password\) and every user can read it/);
  const strict = await runCli(['config', 'check', '--strict', file]);
  t.equal(strict.code, 78);
  t.match(strict.stderr, /SWB_ERR_CONFIG_EXPOSED: .*config\.yaml \(mode 0644\)/);
  for (const r of [plain, strict]) t.notOk([DRACHTIO, ESL, TELEGRAM].some((s) => `${r.stdout}${r.stderr}`.includes(s)), 'the secrets themselves are never printed');

  await chmod(file, 0o640);
  const fixed = await runCli(['config', 'check', '--strict', file]);
  t.equal(fixed.code, 0, fixed.stderr);
  t.equal(fixed.stderr, '', 'no warning once others cannot read it');
});

t.test('a world-readable secret file is a failure under --strict; a readable config holding only references is not', async (t) => {
  const dir = await tempDir(t);
  const secret = path.join(dir, 'drachtio.secret');
  await writeFile(secret, 'from-a-file\n');
  await chmod(secret, 0o644);
  const file = path.join(dir, 'config.yaml');
  await writeFile(file, `sip:\n  drachtio:\n    secret: {file: ${secret}}\nmedia:\n  asterisk:\n    ami:\n      secret: {file: ${secret}}\n      username: sb\n  freeswitch:\n    esl:\n      password: {env: ESL_PASSWORD}\n`);
  await chmod(file, 0o644);

  // The check reads every secret as the start would: the environment one must be there.
  const env = { ESL_PASSWORD: 'esl-from-the-environment' };
  const strict = await runCli(['config', 'check', '--strict', file], { env });
  t.equal(strict.code, 78);
  t.match(strict.stderr, /SWB_ERR_CONFIG_EXPOSED: .*secret file .*drachtio\.secret \(mode 0644, for sip\.drachtio\.secret, media\.asterisk\.ami\.secret\) can be read by every user/);
  t.notMatch(strict.stderr, /config\.yaml \(mode/, 'the config file itself holds no secret');

  await chmod(secret, 0o600);
  t.equal((await runCli(['config', 'check', '--strict', file], { env })).code, 0);
  const unset = await runCli(['config', 'check', '--strict', file]);
  t.equal(unset.code, 78, 'a secret the environment does not hold fails the check, as it fails the start');
  t.match(unset.stderr, /media\.freeswitch\.esl\.password: environment variable ESL_PASSWORD is not set/);
});

t.test('a world-readable config without inline secrets passes --strict (a default secret is not in the file)', async (t) => {
  const dir = await tempDir(t);
  const file = path.join(dir, 'config.yaml');
  await writeFile(file, 'listen:\n  port: 8088\n');
  await chmod(file, 0o644);
  const r = await runCli(['config', 'check', '--strict', file]);
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stderr, '');
});

t.test('the appliance starts with a world-readable config holding secrets, and warns once for it', async (t) => {
  const dir = await tempDir(t);
  const file = path.join(dir, 'config.yaml');
  await writeFile(file, INLINE);
  await chmod(file, 0o604);
  const { child, logs } = await startAppliance({ SWITCHBOARD_CONFIG: file, SWITCHBOARD_DATA_DIR: path.join(dir, 'data'), SWITCHBOARD_LISTEN: '127.0.0.1:0' });
  t.teardown(() => stop(child));
  const warnings = logs.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>).filter((r) => r.level === 40 && r.file === file);
  t.match(warnings, [{ mode: '0604', keys: ['sip.drachtio.secret', 'media.freeswitch.esl.password'], msg: /every user can read it/ }]);
  t.notOk(logs.join('\n').includes(DRACHTIO) || logs.join('\n').includes(ESL), 'the log does not carry the secrets');
});
