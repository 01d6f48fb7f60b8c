import t, { type Test } from 'tap';
import { gatewayAppliance, until } from '../../helpers/gateway.js';
import { STRONG_PASSWORD, bearer, userWithToken, type LogCapture } from '../../helpers/appliance.js';
import { runCli } from '../../helpers/cli.js';
import { subscribe, type SseClient } from './sse-client.js';

// Well inside the 15 s heartbeat: a stream that only the heartbeat would end fails these tests.
const PROMPTLY_MS = 3000;
const NEW_PASSWORD = 'another strong passphrase 77';

async function setup(t: Test) {
  const env = await gatewayAppliance(t, []);
  const url = await env.app.http.listen({ host: '127.0.0.1', port: 0 });
  const admin = await userWithToken(env.app, 'adm', 'admin');
  const open = async (token: string): Promise<SseClient> => {
    const s = await subscribe(url, token);
    t.teardown(() => s.close());
    return s;
  };
  const call = async (method: 'DELETE' | 'PATCH' | 'PUT', path: string, token: string, payload?: Record<string, unknown>) => (await env.app.http.inject({ method, url: path, headers: bearer(token), ...(payload ? { payload } : {}) })).statusCode;
  return { ...env, admin, open, call };
}

/** Ended well before any heartbeat, and by the session service's own word (`ended`), not by the once-a-second read. */
async function endsPromptly(t: Test, stream: SseClient, what: string, logs?: LogCapture, user?: string): Promise<void> {
  await until(() => stream.ended, what, PROMPTLY_MS);
  t.pass(what);
  if (logs && user) t.match(logs.records().filter((r) => r.msg === 'live stream closed: its session ended' && r.user === user), [{ how: 'ended' }], `${user}'s stream was told by the session service`);
}

t.test('logging out ends that session\'s open event stream at once, and only that session\'s', async (t) => {
  const { app, open, call, logs } = await setup(t);
  const first = await userWithToken(app, 'ann', 'operator');
  const second = await userWithToken(app, 'ann', 'operator');
  const [a, b] = [await open(first), await open(second)];
  t.equal(await call('DELETE', '/api/v1/sessions/current', first), 204);
  await endsPromptly(t, a, 'the logged-out session\'s stream ended', logs, 'ann');
  t.notOk(b.ended, 'the same user\'s other session keeps its stream');
  t.equal(app.gateway.live.listeners, 1, 'the ended stream no longer listens to the bus');
  const line = logs.records().find((r) => r.msg === 'live stream closed: its session ended');
  t.match(line, { level: 30, user: 'ann', session: /^[0-9a-f]{12}$/, how: 'ended' }, 'the close is logged with the user and a session prefix');
  t.notMatch(logs.text, first, 'never the token');
});

t.test('an admin revoking a session ends its open event stream at once', async (t) => {
  const { app, admin, open, call, logs } = await setup(t);
  const token = await userWithToken(app, 'bob', 'operator');
  const stream = await open(token);
  const id = app.access.sessions.list().find((s) => s.username === 'bob')!.id;
  t.equal(await call('DELETE', `/api/v1/sessions/${id}`, admin), 204);
  await endsPromptly(t, stream, 'the revoked session\'s stream ended', logs, 'bob');
});

t.test('disabling a user or changing their role ends their open event streams at once', async (t) => {
  const { app, admin, open, call, logs } = await setup(t);
  const cat = await open(await userWithToken(app, 'cat', 'operator'));
  const dan = await open(await userWithToken(app, 'dan', 'supervisor'));
  t.equal(await call('PATCH', '/api/v1/users/cat', admin, { disabled: true }), 200);
  await endsPromptly(t, cat, 'the disabled user\'s stream ended', logs, 'cat');
  t.notOk(dan.ended, 'another user\'s stream is untouched');
  t.equal(await call('PATCH', '/api/v1/users/dan', admin, { role: 'operator' }), 200);
  await endsPromptly(t, dan, 'the stream of a user whose role changed ended', logs, 'dan');
});

t.test('a new password, set by an admin or by the user, ends the user\'s open event streams at once', async (t) => {
  const { app, admin, open, call, logs } = await setup(t);
  const eve = await open(await userWithToken(app, 'eve', 'operator'));
  t.equal(await call('PUT', '/api/v1/users/eve/password', admin, { password: NEW_PASSWORD }), 204);
  await endsPromptly(t, eve, 'the stream ended after the admin set a password', logs, 'eve');
  // Issue 16 item 2: one's own change ends the OTHER sessions and keeps the one that proved the password.
  const own = await userWithToken(app, 'fay', 'operator');
  const [fay, fayHere] = [await open(await userWithToken(app, 'fay', 'operator')), await open(own)];
  t.equal(await call('PUT', '/api/v1/users/me/password', own, { current: STRONG_PASSWORD, password: NEW_PASSWORD }), 204);
  await endsPromptly(t, fay, "the stream of the user's other session ended after they changed their own password", logs, 'fay');
  t.notOk(fayHere.ended, 'the stream of the session that made the change goes on');
});

t.test('a password set with the CLI, another process, ends the user\'s open event stream within the next session check', async (t) => {
  const { app, open, logs, dataDir } = await setup(t);
  const gus = await open(await userWithToken(app, 'gus', 'operator'));
  const cli = await runCli(['user', 'passwd', 'gus', '--password-stdin'], { env: { SWITCHBOARD_DATA_DIR: dataDir }, stdin: NEW_PASSWORD });
  t.equal(cli.code, 0, cli.stderr);
  await endsPromptly(t, gus, 'the stream ended though no event of this process said so');
  t.match(logs.records().find((r) => r.msg === 'live stream closed: its session ended'), { user: 'gus', how: 'gone' });
});
