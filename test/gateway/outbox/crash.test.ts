import t from 'tap';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import { runCli, startAppliance, stop } from '../../helpers/cli.js';
import { STRONG_PASSWORD, tempDir } from '../../helpers/appliance.js';
import { FakeTelegram, TG_TOKEN, tgText } from '../../fakes/telegram.js';
import { FakeVk, VK, vkMessage } from '../../fakes/vk.js';
import { until } from '../../helpers/gateway.js';

const CHATS = [1, 2, 3, 4, 5];
const PER_CHAT = 10;

t.test('kill -9 with the outbox full: after the restart every acknowledged reply is sent, once, in order per conversation', async (t) => {
  const tg = await new FakeTelegram().start();
  const vk = await new FakeVk().start();
  t.teardown(async () => {
    await tg.stop();
    await vk.stop();
  });
  const dataDir = await tempDir(t);
  const config = path.join(dataDir, 'config.yaml');
  await writeFile(
    config,
    stringify({
      channels: [
        { id: 'tg', type: 'telegram', token: TG_TOKEN, apiBase: tg.url, pollTimeoutSeconds: 1, limits: { perSecond: 100, perRecipientSeconds: 0 } },
        { id: 'vk', type: 'vk', groupId: VK.groupId, accessToken: VK.accessToken, secret: VK.secret, confirmation: VK.confirmation, apiBase: `${vk.url}/method` },
      ],
      gateway: { outbox: { baseDelayMs: 50, maxDelayMs: 300, requestTimeoutMs: 1000 } },
    }),
  );
  const env = { SWITCHBOARD_DATA_DIR: dataDir, SWITCHBOARD_LISTEN: '127.0.0.1:0', SWITCHBOARD_PUBLIC_LISTEN: '127.0.0.1:0', SWITCHBOARD_CONFIG: config };
  const first = await startAppliance(env);
  t.teardown(() => stop(first.child, 'SIGKILL'));
  const publicUrl = (JSON.parse(first.logs.find((l) => l.includes('public webhook listener listening'))!) as { address: string }).address;
  t.equal((await runCli(['user', 'add', 'sup', '--role', 'supervisor', '--password-stdin'], { env, stdin: STRONG_PASSWORD })).code, 0);
  const login = await fetch(`${first.url}/api/v1/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'sup', password: STRONG_PASSWORD }) });
  const token = ((await login.json()) as { token: string }).token;
  const api = async (url: string, method = 'GET', body?: unknown) => {
    const r = await fetch(`${url}`, { method, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });
    return { status: r.status, body: (await r.json()) as any };
  };

  // Clients write in on both channels; then both providers stop taking replies.
  for (const c of CHATS) {
    tg.push(tgText(c, 'hi'));
    await fetch(`${publicUrl}/webhooks/vk`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...vkMessage(9000 + c, 'hi'), group_id: VK.groupId, secret: VK.secret, event_id: `c${c}` }) });
  }
  const convs = await until(async () => {
    const items = (await api(`${first.url}/api/v1/conversations?status=open&limit=50`)).body.items as Array<{ id: string; channelId: string }>;
    return items.length === CHATS.length * 2 && items;
  }, 'ten open conversations');
  tg.outage(3600_000, { kind: 'status', status: 503, body: { ok: false, error_code: 503, description: 'Service Unavailable' } }, /sendMessage/);
  vk.outage(3600_000, { kind: 'status', status: 503, body: {} }, /messages\.send/);

  const acknowledged: string[] = [];
  for (let i = 1; i <= PER_CHAT; i++) {
    for (const conv of convs) {
      const text = `${conv.channelId}-${conv.id.slice(0, 8)}-${i}`;
      const r = await api(`${first.url}/api/v1/conversations/${conv.id}/messages`, 'POST', { text });
      if (r.status === 202) acknowledged.push(text);
    }
  }
  t.equal(acknowledged.length, CHATS.length * 2 * PER_CHAT, 'every reply was acknowledged');
  // VK comes back but answers nothing: the next replies reach VK and are in flight when the process dies.
  vk.clearFaults();
  vk.acceptThenHang(1000);
  await until(() => vk.sent.length >= 3, 'replies in flight at VK');
  first.child.kill('SIGKILL');
  await stop(first.child, 'SIGKILL');
  tg.clearFaults();
  vk.acceptThenHang(0);

  const second = await startAppliance(env);
  t.teardown(() => stop(second.child));
  await until(() => tg.sent.length + vk.sent.length >= acknowledged.length, 'the drain', 30_000);
  await new Promise((r) => setTimeout(r, 500));
  const delivered = [...tg.sent.map((s) => s.text), ...vk.sent.map((s) => s.text)];
  t.same([...delivered].sort(), [...acknowledged].sort(), 'each acknowledged reply delivered exactly once');
  for (const conv of convs) {
    const mine = delivered.filter((d) => d.includes(conv.id.slice(0, 8)));
    t.same(mine, Array.from({ length: PER_CHAT }, (_, i) => `${conv.channelId}-${conv.id.slice(0, 8)}-${i + 1}`), `in order for ${conv.channelId}`);
  }
  const sentIds = new Set(vk.received.filter((r) => r.path.endsWith('messages.send')).map((r) => new URLSearchParams(r.body.toString()).get('random_id')));
  t.ok(vk.received.filter((r) => r.path.endsWith('messages.send')).length > sentIds.size, 'VK saw resends, and random_id kept each to one message');
});
