import t from 'tap';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import { startAppliance, stop } from '../../helpers/cli.js';
import { tempDir } from '../../helpers/appliance.js';
import { FakeTelegram, TG_TOKEN, tgText } from '../../fakes/telegram.js';
import { Store } from '../../../domain/store/store.js';
import type { HistoryEvent } from '../../../domain/history/events.js';

const SECRET = 'webhook-secret_0123456789';
const UPDATES = 600;
const IN_FLIGHT = 40;
const CHATS = 30;

/** Every stored message text, counted, read straight from the store of a stopped appliance. */
async function storedTexts(dataDir: string): Promise<Map<string, number>> {
  const store = await Store.open({ dataDir, readOnly: true });
  const counts = new Map<string, number>();
  for (const { value } of store.db<HistoryEvent>('history').getRange({})) {
    if (value.kind === 'message') counts.set(value.payload.text, (counts.get(value.payload.text) ?? 0) + 1);
  }
  await store.close();
  return counts;
}

t.test('kill -9 in a webhook flood: every update answered 200 survives, and redelivering them all stores each exactly once', async (t) => {
  const tg = await new FakeTelegram().start();
  t.teardown(() => tg.stop());
  const dataDir = await tempDir(t);
  const config = path.join(dataDir, 'config.yaml');
  await writeFile(config, stringify({ channels: [{ id: 'tg', type: 'telegram', token: TG_TOKEN, apiBase: tg.url, mode: 'webhook', webhookUrl: 'https://bot.example.com/webhooks/tg', webhookSecret: SECRET }] }));
  const env = { SWITCHBOARD_DATA_DIR: dataDir, SWITCHBOARD_LISTEN: '127.0.0.1:0', SWITCHBOARD_PUBLIC_LISTEN: '127.0.0.1:0', SWITCHBOARD_CONFIG: config };
  const publicUrlOf = (logs: string[]) => (JSON.parse(logs.find((l) => l.includes('public webhook listener listening'))!) as { address: string }).address;
  const bodies = Array.from({ length: UPDATES }, (_, i) => JSON.stringify({ update_id: i + 1, ...tgText(1000 + (i % CHATS), `m${i + 1}`) }));
  const post = (url: string, body: string) =>
    fetch(`${url}/webhooks/tg`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': SECRET }, body }).then(
      (r) => r.status,
      () => 0,
    );

  const first = await startAppliance(env);
  t.teardown(() => stop(first.child, 'SIGKILL'));
  const firstUrl = publicUrlOf(first.logs);
  // Many webhooks in flight, so the kill lands with commits pending and groups half-written.
  const acked: number[] = [];
  let next = 0;
  let killed = false;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (!killed && next < UPDATES) {
        const i = next++;
        if ((await post(firstUrl, bodies[i]!)) === 200) acked.push(i + 1);
        if (!killed && acked.length >= UPDATES / 3) {
          killed = true;
          first.child.kill('SIGKILL');
        }
      }
    }),
  );
  await stop(first.child, 'SIGKILL');
  t.ok(acked.length >= UPDATES / 3 && acked.length < UPDATES, `${acked.length} of ${UPDATES} acknowledged before the kill`);
  const survived = await storedTexts(dataDir);
  t.same(
    acked.filter((id) => survived.get(`m${id}`) !== 1),
    [],
    'every acknowledged update is stored, once',
  );

  // Telegram redelivers what it has no 200 for; here everything is sent again, acknowledged or not.
  const second = await startAppliance(env);
  t.teardown(() => stop(second.child, 'SIGKILL'));
  const secondUrl = publicUrlOf(second.logs);
  const statuses: number[] = [];
  let redeliver = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (redeliver < UPDATES) statuses.push(await post(secondUrl, bodies[redeliver++]!));
    }),
  );
  t.same([...new Set(statuses)], [200], 'every redelivery is answered 200');
  await stop(second.child);
  const final = await storedTexts(dataDir);
  t.same(
    bodies.map((_, i) => final.get(`m${i + 1}`) ?? 0).filter((n) => n !== 1),
    [],
    'each update is stored exactly once',
  );
});
