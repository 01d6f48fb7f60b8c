import t from 'tap';
import { runCli } from '../../helpers/cli.js';
import { testAppliance, userWithToken, STRONG_PASSWORD, bearer } from '../../helpers/appliance.js';
import { totpCode } from '../../../domain/access/totp.js';

/* The console's way to reset a second factor and to let a locked admin back in (issue 16, items 2 and 7). */

const ctx = { actor: 'test', source: 'test' };

t.test("user totp-reset ends the user's sessions and prints the new secret that the next sign-in must confirm, audited as the console user", async (t) => {
  const { app, dataDir } = await testAppliance(t);
  await app.access.users.create({ username: 'alice', password: STRONG_PASSWORD, role: 'admin' }, ctx);
  const session = await userWithToken(app, 'alice', 'admin');
  const r = await runCli(['user', 'totp-reset', 'Alice'], { env: { SWITCHBOARD_DATA_DIR: dataDir } });
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /TOTP reset for alice: the old secret no longer works; 1 session\(s\) ended/);
  t.match(r.stdout, /[▀▄█]/, 'a QR code is drawn in the terminal');
  const secret = /secret=([A-Z2-7]+)/.exec(r.stdout)![1]!;
  t.equal((await app.http.inject({ url: '/api/v1/sessions/current', headers: bearer(session) })).statusCode, 401, 'the session is ended');
  t.match([...app.audit.all()].find((a) => a.action === 'user.totp.reset'), { actor: /^cli:/, source: 'cli', target: 'user:alice', details: { sessionsEnded: 1 } });

  const list = await runCli(['user', 'list'], { env: { SWITCHBOARD_DATA_DIR: dataDir } });
  t.match(list.stdout, /^alice\tadmin\t-\tactive\ttotp:pending$/m);
  const signIn = await app.http.inject({ method: 'POST', url: '/api/v1/sessions', payload: { username: 'alice', password: STRONG_PASSWORD, totp: totpCode(secret) } });
  t.equal(signIn.statusCode, 201, 'a code from the printed secret confirms it');

  const unknown = await runCli(['user', 'totp-reset', 'nobody'], { env: { SWITCHBOARD_DATA_DIR: dataDir } });
  t.equal(unknown.code, 1);
  t.match(unknown.stderr, /SWB_ERR_NOT_FOUND: .*user nobody/);
});

t.test('a locked admin gets back in after `switchboard user unlock` at the console', async (t) => {
  const { app, dataDir } = await testAppliance(t, { access: { loginRatePerMinute: 1000 } });
  await app.access.users.create({ username: 'alice', password: STRONG_PASSWORD, role: 'admin' }, ctx);
  const attempt = (password: string, remoteAddress: string) => app.http.inject({ method: 'POST', url: '/api/v1/sessions', remoteAddress, payload: { username: 'alice', password } });
  for (let i = 0; i < 10; i++) await attempt(`wrong password ${i}!`, `127.0.0.${10 + (i % 5)}`);
  t.equal((await attempt(STRONG_PASSWORD, '127.0.0.1')).statusCode, 423, 'locked');
  const list = await runCli(['user', 'list'], { env: { SWITCHBOARD_DATA_DIR: dataDir } });
  t.match(list.stdout, /^alice\tadmin\t-\tlocked\t/m, 'the console shows the lock');

  const r = await runCli(['user', 'unlock', 'alice'], { env: { SWITCHBOARD_DATA_DIR: dataDir } });
  t.equal(r.code, 0, r.stderr);
  const after = await attempt(STRONG_PASSWORD, '127.0.0.1');
  t.equal(after.statusCode, 401, 'the lock is lifted: the sign-in goes on to ask for the code');
  t.equal(after.json().error, 'SWB_ERR_TOTP_REQUIRED');
  t.match([...app.audit.all()].find((a) => a.action === 'user.unlock'), { actor: /^cli:/, target: 'user:alice' });
});
