import t from 'tap';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import { runCli, startAppliance, stop } from '../../helpers/cli.js';
import { STRONG_PASSWORD, tempDir } from '../../helpers/appliance.js';
import { FakeTelegram, TG_TOKEN, tgText } from '../../fakes/telegram.js';
import { until } from '../../helpers/gateway.js';
import { file } from '../reply-files.js';

t.test('kill -9 between the parts of a reply with files: after the restart it goes on from the part in flight, the sent part is not sent again', async (t) => {
  const tg = await new FakeTelegram().start();
  t.teardown(() => tg.stop());
  const dataDir = await tempDir(t);
  const config = path.join(dataDir, 'config.yaml');
  await writeFile(
    config,
    stringify({
      channels: [{ id: 'tg', type: 'telegram', token: TG_TOKEN, apiBase: tg.url, pollTimeoutSeconds: 1, limits: { perSecond: 100, perRecipientSeconds: 0 } }],
      gateway: { outbox: { baseDelayMs: 50, maxDelayMs: 300, requestTimeoutMs: 1000 } },
    }),
  );
  const env = { SWITCHBOARD_DATA_DIR: dataDir, SWITCHBOARD_LISTEN: '127.0.0.1:0', SWITCHBOARD_CONFIG: config };
  const first = await startAppliance(env);
  t.teardown(() => stop(first.child, 'SIGKILL'));
  t.equal((await runCli(['user', 'add', 'sup', '--role', 'supervisor', '--password-stdin'], { env, stdin: STRONG_PASSWORD })).code, 0);
  const login = await fetch(`${first.url}/api/v1/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'sup', password: STRONG_PASSWORD }) });
  const token = ((await login.json()) as { token: string }).token;
  const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };

  tg.push(tgText(77, 'please send the papers'));
  const conv = await until(async () => {
    const r = await fetch(`${first.url}/api/v1/conversations?status=open`, { headers: auth });
    return ((await r.json()) as { items: Array<{ id: string }> }).items[0];
  }, 'the conversation');
  // The first file goes through; from the second on, Telegram takes the request and never answers.
  tg.failNext(1000, { kind: 'hang' }, /sendDocument/, 1);
  const r = await fetch(`${first.url}/api/v1/conversations/${conv.id}/messages`, { method: 'POST', headers: auth, body: JSON.stringify({ text: 'crash', attachments: [file('a.pdf'), file('b.pdf'), file('c.pdf')] }) });
  t.equal(r.status, 202);
  await until(() => tg.sent.length === 1 && tg.received.filter((q) => q.path.includes('sendDocument')).length >= 2, 'the first part sent, the second in flight');
  first.child.kill('SIGKILL');
  await stop(first.child, 'SIGKILL');
  tg.clearFaults();

  const second = await startAppliance(env);
  t.teardown(() => stop(second.child));
  await until(() => tg.sent.length >= 3, 'the rest of the reply', 30_000);
  await new Promise((res) => setTimeout(res, 500));
  t.same(tg.sent.map((s) => `${s.document?.name}|${s.text}`), ['a.pdf|crash', 'b.pdf|', 'c.pdf|'], 'each file once, in order: the part sent before the crash was not sent again');
});
