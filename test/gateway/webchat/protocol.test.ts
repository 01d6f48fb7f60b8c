import t, { type Test } from 'tap';
import { gatewayAppliance, messages, until } from '../../helpers/gateway.js';
import { Visitor } from '../../helpers/webchat-client.js';

async function setup(t: Test) {
  const env = await gatewayAppliance(t, [{ id: 'site', type: 'webchat', allowedOrigins: ['http://shop.example'] }], { publicListen: '127.0.0.1:0' });
  const visitor = async (token?: string | null) => {
    const v = await Visitor.connect(env.publicUrl!, 'site', { token: token ?? null });
    t.teardown(() => v.close());
    return v;
  };
  return { visitor, ...env };
}

t.test('a visitor message is acknowledged after it is stored, and a resent id is stored once', async (t) => {
  const { visitor, app } = await setup(t);
  const v = await visitor();
  v.send({ type: 'message', id: 'm-1', text: 'Do you deliver on Sundays?' });
  await v.next('ack', (f) => f.id === 'm-1');
  v.send({ type: 'message', id: 'm-1', text: 'Do you deliver on Sundays?' });
  await until(() => v.frames.filter((f) => f.type === 'ack').length === 2, 'second ack');
  const visitorId = v.token!.split('.')[0]!;
  const clientId = app.clients.findByIdentity('webchat', visitorId)!.id;
  t.same(messages(app, clientId).map((m) => m.payload.text), ['Do you deliver on Sundays?']);
});

t.test('replies reach the open tab, are marked delivered and read by the widget, and a visitor sees only their own conversation', async (t) => {
  const { visitor, app, reply } = await setup(t);
  const anna = await visitor();
  anna.send({ type: 'message', id: 'a1', text: 'Anna here' });
  await anna.next('ack');
  const boris = await visitor();
  boris.send({ type: 'message', id: 'b1', text: 'Boris here' });
  await boris.next('ack');
  const annaClient = app.clients.findByIdentity('webchat', anna.token!.split('.')[0]!)!.id;
  const conv = app.conversations.list({ clientId: annaClient, limit: 1 })[0]!;
  await reply(conv.id, 'Hello Anna');
  const pushed = await anna.next('message');
  t.equal(pushed.text, 'Hello Anna');
  anna.send({ type: 'received', id: pushed.id });
  anna.send({ type: 'seen', id: pushed.id });
  // Boris tries to mark Anna's reply: he cannot.
  boris.send({ type: 'seen', id: pushed.id });
  await until(() => messages(app, annaClient).find((m) => m.direction === 'out')?.payload.status === 'read', 'read');
  await new Promise((r) => setTimeout(r, 100));
  t.notOk(boris.frames.some((f) => f.type === 'message'), 'Boris got nothing of it');

  // Coming back with the token shows the transcript; a forged token gets a fresh, empty identity.
  const again = await visitor(anna.token);
  t.same((await again.next('welcome')).messages.map((m: { text: string; direction: string }) => `${m.direction}:${m.text}`), ['in:Anna here', 'out:Hello Anna']);
  const forged = await visitor(`${anna.token!.split('.')[0]}.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA`);
  const welcome = await forged.next('welcome');
  t.same(welcome.messages, [], 'a forged token sees nothing');
  t.not(welcome.token.split('.')[0], anna.token!.split('.')[0], 'and is another visitor');
});

t.test('a page from an origin not in allowedOrigins cannot open the chat', async (t) => {
  const { publicUrl } = await setup(t);
  await t.rejects(Visitor.connect(publicUrl!, 'site', { origin: 'https://evil.example' }), /refused 403/);
});
