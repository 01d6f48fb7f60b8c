import t, { type Test } from 'tap';
import { gatewayAppliance } from '../../helpers/gateway.js';
import { Visitor, type VisitorOptions } from '../../helpers/webchat-client.js';
import type { WebchatBridge } from '../../../gateway/webchat/webchat.js';
import { addressKey } from '../../../gateway/webchat/visitors.js';
import { validateConfig } from '../../../appliance/config/load.js';

/** A web chat channel on a running appliance with the given visitor limits, and visitors from chosen loopback addresses. */
async function setup(t: Test, visitors: Record<string, number>, channel: Record<string, unknown> = {}) {
  const env = await gatewayAppliance(t, [{ id: 'site', type: 'webchat', visitors, ...channel }], { publicListen: '127.0.0.1:0' });
  const open = async (opts: VisitorOptions) => {
    const v = await Visitor.open(env.publicUrl!, 'site', opts);
    t.teardown(() => v.close());
    return v;
  };
  /** Says hello; the welcome, or the error frame the visitor was refused with. */
  const hello = async (opts: VisitorOptions) => {
    const v = await open(opts);
    try {
      await v.hello(opts.token ?? null);
      return { v, refused: null };
    } catch (err) {
      return { v, refused: (err as { frame: Record<string, any> }).frame };
    }
  };
  const refusals = async (reason: string) => {
    const text = await env.app.metrics.registry.getSingleMetricAsString('swb_gateway_webchat_refusals_total');
    return Number(new RegExp(`swb_gateway_webchat_refusals_total\\{channel="site",reason="${reason}"\\} (\\d+)`).exec(text)?.[1] ?? 'NaN');
  };
  const entries = () => env.app.store.stats().entries;
  /** Client cards (one entry each) and conversations (several index entries each, so counted as records). */
  const counts = () => ({ clients: entries().clients!, conversations: env.app.conversations.list({ limit: 200 }).length });
  return { ...env, open, hello, refusals, entries, counts, bridge: env.app.gateway.bridges.get('site') as WebchatBridge };
}

const write = async (v: Visitor, id: string, text = 'hello') => {
  v.send({ type: 'message', id, text });
  return v.next('ack', (f) => f.id === id, 5000, (f) => f.type === 'error' && f.id === id);
};

t.test('a flood of new visitors from one address is cut at the limit, whatever X-Forwarded-For says, while another address still gets in', async (t) => {
  const { hello, refusals } = await setup(t, { newVisitorsPerMinutePerAddress: 3 });
  const flood = [];
  for (let i = 0; i < 20; i++) flood.push(await hello({ localAddress: '127.0.0.2', headers: { 'x-forwarded-for': `198.51.100.${i}` } }));
  const admitted = flood.filter((f) => !f.refused);
  t.equal(admitted.length, 3, 'three new visitors a minute from one address');
  const refused = flood.filter((f) => f.refused);
  t.match(refused.map((f) => f.refused), Array(17).fill({ type: 'error', code: 'SWB_ERR_RATE_LIMITED', message: /^Too many new chats from your network/ }));
  t.ok(refused.every((f) => f.refused!.retryAfterSeconds >= 1 && f.refused!.retryAfterSeconds <= 20), 'each is told when to try again (a new visitor every 20 s)');
  t.same(await Promise.all(refused.map((f) => f.v.closed.then((c) => c.code))), Array(17).fill(1013), 'and its socket is closed: try again later');
  t.equal(await refusals('visitors_per_address'), 17);

  const other = await hello({ localAddress: '127.0.0.3' });
  t.equal(other.refused, null, 'another address still gets in');

  // A visitor already known is not a new one: the flooded address can still come back with its token.
  const known = admitted[0]!.v;
  t.equal((await write(known, 'k1')).type, 'ack');
  const back = await hello({ localAddress: '127.0.0.2', token: known.token });
  t.equal(back.refused, null);
  t.equal(back.v.token, known.token, 'the same visitor, recognised');
});

t.test('new visitors from many addresses under one Origin are cut at the per-origin limit while another origin still gets in', async (t) => {
  const { hello, refusals } = await setup(t, { newVisitorsPerMinutePerOrigin: 4 });
  const flood = [];
  for (let i = 10; i < 20; i++) flood.push(await hello({ localAddress: `127.0.0.${i}`, origin: 'https://flood.example' }));
  t.equal(flood.filter((f) => !f.refused).length, 4);
  t.equal(await refusals('visitors_per_origin'), 6);
  t.equal((await hello({ localAddress: '127.0.0.20', origin: 'https://shop.example' })).refused, null, 'another origin still gets in');
  t.not((await hello({ localAddress: '127.0.0.21', origin: 'HTTPS://FLOOD.EXAMPLE' })).refused, null, 'the same origin spelt in capitals is the same origin');
});

t.test("a visitor's first message is limited per address and per origin, and a refused one creates nothing", async (t) => {
  const { hello, refusals, counts } = await setup(t, { newConversationsPerMinutePerAddress: 2, newConversationsPerMinutePerOrigin: 3 }, { allowedOrigins: [] });
  const before = counts();
  const outcomes = [];
  const visitors = [];
  for (let i = 0; i < 5; i++) {
    const { v } = await hello({ localAddress: '127.0.0.4' });
    visitors.push(v);
    outcomes.push(await write(v, `first-${i}`));
  }
  t.same(outcomes.map((f) => f.type), ['ack', 'ack', 'error', 'error', 'error']);
  t.match(outcomes[2], { id: 'first-2', code: 'SWB_ERR_RATE_LIMITED', message: /new chats/, retryAfterSeconds: Number });
  t.equal(await refusals('conversations_per_address'), 3);
  t.same(counts(), { clients: before.clients + 2, conversations: before.conversations + 2 }, 'two clients and two conversations, not five');

  t.equal((await write(visitors[0]!, 'second')).type, 'ack', 'a visitor who already wrote is not limited as a new one');
  const elsewhere = await hello({ localAddress: '127.0.0.5' });
  t.equal((await write(elsewhere.v, 'x')).type, 'ack', 'another address still starts a conversation');
  const sameOrigin = await hello({ localAddress: '127.0.0.6' });
  t.equal((await write(sameOrigin.v, 'y')).type, 'error', "but the origin's limit of three is reached");
  t.equal(await refusals('conversations_per_origin'), 1);
  const otherOrigin = await hello({ localAddress: '127.0.0.6', origin: 'https://other.example' });
  t.equal((await write(otherOrigin.v, 'z')).type, 'ack', 'and another origin is not');
});

t.test('a visitor who only connects creates nothing in the store; the first message creates exactly one client and one conversation', async (t) => {
  const { hello, entries, counts, app } = await setup(t, { newConversationsPerMinutePerAddress: 1 });
  const before = entries();
  const counted = counts();
  const quiet = [];
  for (let i = 0; i < 10; i++) quiet.push((await hello({ localAddress: '127.0.0.7' })).v);
  await hello({ localAddress: '127.0.0.7', token: quiet[0]!.token });
  t.same(entries(), before, 'ten visitors and a return, not one entry written');

  const v = quiet[0]!;
  // Two first messages at once: one client, one conversation, and the new-conversation limit charged once.
  v.send({ type: 'message', id: 'a', text: 'one' });
  v.send({ type: 'message', id: 'b', text: 'two' });
  await v.next('ack', (f) => f.id === 'a');
  await v.next('ack', (f) => f.id === 'b');
  t.same(counts(), { clients: counted.clients + 1, conversations: counted.conversations + 1 });
  const client = app.clients.findByIdentity('webchat', v.token!.split('.')[0]!)!;
  t.equal(app.conversations.list({ clientId: client.id, limit: 5 }).length, 1);
  t.equal((await write(quiet[1]!, 'c')).type, 'error', 'the limit of one was used once, by that first message');
});

t.test('a visitor who never writes is expired: its tab is closed, its token names nobody, and one who wrote is kept', async (t) => {
  const { hello, refusals } = await setup(t, { idleVisitorTtlSeconds: 1, newVisitorsPerMinutePerAddress: 3 });
  const writer = (await hello({ localAddress: '127.0.0.8' })).v;
  t.equal((await write(writer, 'w')).type, 'ack');
  let writerClosed = false;
  void writer.closed.then(() => (writerClosed = true));
  const idle = (await hello({ localAddress: '127.0.0.8' })).v;

  t.same(await idle.closed, { code: 4000, reason: 'visitor expired' });
  t.notOk(writerClosed, 'the visitor who wrote keeps the tab');
  const again = await hello({ localAddress: '127.0.0.8', token: idle.token });
  t.equal(again.refused, null);
  t.not(again.v.token, idle.token, 'the expired token gets a fresh identity');
  t.equal((await hello({ localAddress: '127.0.0.8', token: idle.token })).refused?.code, 'SWB_ERR_RATE_LIMITED', 'and each such return counts as a new visitor');
  t.equal(await refusals('visitors_per_address'), 1);
  const back = await hello({ localAddress: '127.0.0.8', token: writer.token });
  t.equal(back.v.token, writer.token, 'the writer is still known past the lifetime');
});

t.test('with the default lifetime a never-writing visitor is kept 30 minutes and forgotten after (the clock driven)', async (t) => {
  const { hello, bridge } = await setup(t, {});
  const started = Date.now();
  const idle = (await hello({ localAddress: '127.0.0.9' })).v;
  let closed = false;
  void idle.closed.then(() => (closed = true));
  bridge.expireIdle(started + 29 * 60_000);
  const still = await hello({ localAddress: '127.0.0.9', token: idle.token });
  t.equal(still.v.token, idle.token, 'still known at 29 minutes');
  t.notOk(closed);
  bridge.expireIdle(Date.now() + 30 * 60_000 + 1);
  t.equal((await idle.closed).code, 4000, 'closed after 30 minutes');
  t.equal((await still.v.closed).code, 4000, 'every tab of it');
  t.not((await hello({ localAddress: '127.0.0.9', token: idle.token })).v.token, idle.token);
});

t.test('visitors are counted by IPv4 address and by IPv6 /64, an IPv4 peer on a dual-stack socket as itself', async (t) => {
  t.equal(addressKey('::ffff:203.0.113.7'), '203.0.113.7');
  t.equal(addressKey('203.0.113.7'), '203.0.113.7');
  t.equal(addressKey('2001:db8:1:2:3:4:5:6'), addressKey('2001:db8:1:2::9'), 'one /64 is one source');
  t.equal(addressKey('2001:DB8:0001:0002::1'), addressKey('2001:db8:1:2::2'));
  t.not(addressKey('2001:db8:1:3::1'), addressKey('2001:db8:1:2::1'));
  t.equal(addressKey('fe80::1%eth0'), addressKey('fe80::2'));
  t.equal(addressKey(undefined), 'unknown');
});

t.test('the visitor limits have documented defaults, and a bad one is refused naming key, value and what is expected', async (t) => {
  const channel = (visitors?: Record<string, unknown>) => validateConfig({ dataDir: '/nonexistent', channels: [{ id: 'site', type: 'webchat', ...(visitors ? { visitors } : {}) }] }, 'test').channels[0] as { visitors: unknown };
  t.same(channel().visitors, { newVisitorsPerMinutePerAddress: 10, newVisitorsPerMinutePerOrigin: 300, newConversationsPerMinutePerAddress: 3, newConversationsPerMinutePerOrigin: 60, idleVisitorTtlSeconds: 1800 });
  t.throws(() => channel({ newVisitorsPerMinutePerAddress: 0 }), {
    code: 'SWB_ERR_CONFIG_INVALID',
    message: /channels\.0\.visitors\.newVisitorsPerMinutePerAddress: got 0, expected an integer from 1 to 1000000: new visitors from one source address a minute/,
  });
  t.throws(() => channel({ idleVisitorTtlSeconds: 'soon' }), { message: /channels\.0\.visitors\.idleVisitorTtlSeconds: got "soon", expected an integer from 1 to 604800/ });
});
