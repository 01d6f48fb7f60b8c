import Fastify from 'fastify';
import { build, type Appliance } from '../appliance/app.js';
import { validateConfig } from '../appliance/config/load.js';
import { createLogger } from '../common/log.js';
import { Store } from '../domain/store/store.js';
import { percentile, scratchDir, type BenchRow } from './harness.js';

const WEBHOOKS = 20_000;
const SENDERS = 2_000;
const CONCURRENCY = 200;
const ROUNDS = 8;
const OUTBOX = 5_000;
const SECRET = 'bench-secret';

/**
 * CONCURRENCY requests kept outstanding until n are done, as a provider's parallel webhook
 * deliveries keep arriving (not in lock-step waves); latencies per request.
 */
async function waves(n: number, fn: (i: number) => Promise<void>): Promise<{ perSecond: number; ms: number[] }> {
  const ms: number[] = [];
  let next = 0;
  const t0 = performance.now();
  const worker = async (): Promise<void> => {
    for (let i = next++; i < n; i = next++) {
      const s = performance.now();
      await fn(i);
      ms.push(performance.now() - s);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return { perSecond: n / ((performance.now() - t0) / 1000), ms };
}

/**
 * Senders' chat ids as Telegram's are: arbitrary numbers, and the deliveries in flight at once
 * come from unrelated senders. (Numbered 100000 + i % SENDERS, the 200 deliveries in flight
 * came from 200 consecutive chat ids, so the bare route's keys fell on neighbouring LMDB pages:
 * it wrote 0.3 pages a message against the pipeline's 1.9, whose keys are client UUIDs; now 1.5 and 1.7.)
 */
const CHATS = Array.from({ length: SENDERS }, (_, k) => 100_000_000 + ((k * 2_654_435_761) % 900_000_000));

function update(i: number): string {
  // 7919 is prime to SENDERS: a permutation, so each sender still sends WEBHOOKS / SENDERS messages.
  const chat = CHATS[(i * 7919) % SENDERS]!;
  return JSON.stringify({ update_id: i + 1, message: { message_id: i + 1, date: 1764290000, chat: { id: chat, type: 'private', first_name: 'Bench' }, text: 'Hello, I would like to know the status of my order number 123456.' } });
}

async function appliance(dir: string): Promise<Appliance> {
  const config = validateConfig(
    {
      dataDir: dir,
      channels: [
        // apiBase points at the discard port: the bench measures our side; setWebhook just keeps failing quietly.
        { id: 'tg', type: 'telegram', token: '1:bench', apiBase: 'http://127.0.0.1:9', mode: 'webhook', webhookUrl: 'https://bench.example/webhooks/tg', webhookSecret: SECRET },
        { id: 'site', type: 'webchat', limits: { perSecond: 1_000_000, perRecipientSeconds: 0 } },
      ],
      gateway: { publicListen: '127.0.0.1:0', inboundPerSenderPerSecond: 1_000_000, inboundBurst: 1_000_000, outbox: { concurrency: 64 } },
    },
    'bench',
  );
  const app = await build({ config, logger: createLogger({ level: 'silent' }) });
  await app.gateway.start();
  return app;
}

export async function gatewayBench(): Promise<BenchRow[]> {
  const { dir, cleanup } = await scratchDir();
  try {
    // Ceiling: a bare fastify route doing the same durable LMDB write: the records the pipeline
    // writes for a message (its dedupe key, the history event, the conversation's new state), of the
    // same shapes and sizes, in one transaction, without any of the reads and checks.
    const store = await Store.open({ dataDir: `${dir}/bare` });
    const bare = Fastify();
    const conversation = { id: '6f1c9c1e-8f0a-4b8e-9d55-2b7f3f0b7a11', clientId: 'c5d2a8f4-1b7e-4c0e-a0f5-8c1d2e3f4a5b', channelId: 'tg', status: 'open', assignee: null, department: null, tags: [], openedAt: '', closedAt: null, firstResponseAt: null, lastInboundAt: '', lastOutboundAt: null, awaitingSince: '' };
    bare.post('/bare', async (request) => {
      const u = request.body as { update_id: number; message: { chat: { id: number }; text: string } };
      const now = new Date().toISOString();
      await store.write(() => {
        store.db('dedupe').putSync(['tg', `u:${u.update_id}`], Date.now());
        store.db('history').putSync([String(u.message.chat.id), Date.now(), u.update_id, 1], {
          id: conversation.id, clientId: conversation.clientId, at: now, kind: 'message', conversationId: conversation.id, channel: 'tg', direction: 'in', actor: { type: 'client', id: conversation.clientId },
          payload: { text: u.message.text, attachments: [], externalId: `${u.message.chat.id}:${u.update_id}`, status: 'received' },
        });
        store.db('conversations').putSync(['conv', String(u.message.chat.id)], { ...conversation, lastInboundAt: now, awaitingSince: now });
      });
      return { ok: true };
    });
    await bare.ready();
    const app = await appliance(`${dir}/app`);
    const pub = app.gateway.publicHttp!;
    // Rounds alternate between the two, so whatever else the machine does weighs on both alike.
    const bareRun = { seconds: 0, ms: [] as number[] };
    const run = { seconds: 0, ms: [] as number[] };
    const ROUND = WEBHOOKS / ROUNDS;
    for (let round = 0; round < ROUNDS; round++) {
      const b = await waves(ROUND, async (i) => {
        await bare.inject({ method: 'POST', url: '/bare', headers: { 'content-type': 'application/json' }, payload: update(round * ROUND + i) });
      });
      bareRun.seconds += ROUND / b.perSecond;
      bareRun.ms.push(...b.ms);
      const g = await waves(ROUND, async (i) => {
        const r = await pub.inject({ method: 'POST', url: '/webhooks/tg', headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': SECRET }, payload: update(round * ROUND + i) });
        if (r.statusCode !== 200) throw new Error(`webhook failed in bench: ${r.statusCode} ${r.body}`);
      });
      run.seconds += ROUND / g.perSecond;
      run.ms.push(...g.ms);
    }
    await bare.close();
    await store.close();
    const bareRate = WEBHOOKS / bareRun.seconds;
    const rate = WEBHOOKS / run.seconds;

    // Outbox: replies queued while the dispatcher is stopped, then drained through the web chat bridge (no network).
    const ctx = { actor: 'bench', source: 'bench' };
    const who = { kind: 'user' as const, id: 'bench', role: 'supervisor' as const, department: null, sessionId: null };
    const convs: string[] = [];
    for (let i = 0; i < OUTBOX; i += 500) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(500, OUTBOX - i) }, async (_, j) => {
          const c = await app.clients.create({ name: `Visitor ${i + j}`, identities: [{ kind: 'webchat', value: `v-${i + j}` }] }, ctx);
          return (await app.conversations.open({ clientId: c.id, channelId: 'site' }, ctx)).id;
        }),
      );
      convs.push(...batch);
    }
    await app.gateway.outbox.stop();
    for (let i = 0; i < OUTBOX; i += 500) await Promise.all(convs.slice(i, i + 500).map((id) => app.gateway.replies.send(id, { text: 'Your order ships today.' }, who)));
    const t0 = performance.now();
    app.gateway.outbox.start();
    while (app.gateway.outbox.depth > 0) await new Promise((r) => setImmediate(r));
    const perMessageMs = (performance.now() - t0) / OUTBOX;
    // Its ceiling: the same number of durable commits of the same size, with no dispatch logic around them.
    const commits = await waves(OUTBOX, async (i) => {
      await app.store.write(() => app.store.db('meta').putSync(`bench:${i}`, { status: 'sent', at: Date.now() }));
    });
    await app.close();

    const p99 = percentile(run.ms, 99);
    return [
      { name: 'inbound webhook, request to committed history', value: rate, unit: 'msg/s', ceilingName: 'bare fastify route, same LMDB write', ceiling: bareRate, better: 'higher', target: '>= 5,000/s and >= 60% of bare', pass: rate >= 5000 && rate >= 0.6 * bareRate },
      { name: `inbound webhook p99 (${CONCURRENCY} in flight)`, value: p99, unit: 'ms', ceilingName: 'bare route p99', ceiling: percentile(bareRun.ms, 99), better: 'lower', target: 'reported', pass: true },
      { name: 'outbox dispatch per message (no network)', value: perMessageMs, unit: 'ms', ceilingName: 'bare durable commit per message', ceiling: 1000 / commits.perSecond, better: 'lower', target: '< 1 ms', pass: perMessageMs < 1 },
    ];
  } finally {
    await cleanup();
  }
}
