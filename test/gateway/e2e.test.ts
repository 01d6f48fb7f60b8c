import t from 'tap';
import { FakeTelegram, TG_TOKEN, tgText } from '../fakes/telegram.js';
import { FakeWhatsApp, WA, sign, waText } from '../fakes/whatsapp.js';
import { gatewayAppliance, messages, until } from '../helpers/gateway.js';
import { bearer } from '../helpers/appliance.js';
import { firmSite, launchChromium } from '../helpers/chromium.js';

t.test('one client writes by Telegram, WhatsApp and the web widget: one history, and every reply reaches its provider', async (t) => {
  const tg = await new FakeTelegram().start();
  const wa = await new FakeWhatsApp().start();
  t.teardown(async () => {
    await tg.stop();
    await wa.stop();
  });
  const browser = await launchChromium(t);
  const { app, sup, publicUrl, reply } = await gatewayAppliance(
    t,
    [
      { id: 'tg', type: 'telegram', token: TG_TOKEN, apiBase: tg.url, pollTimeoutSeconds: 1 },
      { id: 'wa', type: 'whatsapp', ...WA, apiBase: wa.url },
      { id: 'site', type: 'webchat' },
    ],
    { publicListen: '127.0.0.1:0' },
  );
  // The firm knows this client: one card with her Telegram chat and WhatsApp number.
  const card = await app.http.inject({ method: 'POST', url: '/api/v1/clients', headers: bearer(sup), payload: { name: 'Maria Ivanova', identities: [{ kind: 'telegram', value: '3141' }, { kind: 'whatsapp', value: '+7 916 555-01-02' }] } });
  const clientId = card.json().id as string;

  tg.push(tgText(3141, 'From Telegram'));
  const raw = JSON.stringify(waText('79165550102', 'From WhatsApp'));
  t.equal((await fetch(`${publicUrl}/webhooks/wa`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-hub-signature-256': sign(raw) }, body: raw })).status, 200);
  const page = await (await browser.newContext()).newPage();
  await page.goto(await firmSite(t, `${publicUrl}/webchat/site/widget.js`));
  await page.fill('#swb-webchat input', 'From the website');
  await page.press('#swb-webchat input', 'Enter');

  // The widget visitor is a new client until an operator recognises her and merges the cards.
  const webConv = await until(() => app.conversations.list({ status: 'open', limit: 10 }).find((c) => c.channelId === 'site' && messages(app, c.clientId).length), 'the web chat');
  const merged = await app.http.inject({ method: 'POST', url: `/api/v1/clients/${clientId}/merge`, headers: bearer(sup), payload: { sourceId: webConv.clientId } });
  t.equal(merged.statusCode, 200);
  await until(() => messages(app, clientId).length === 3, 'three messages in one history');
  t.same(messages(app, clientId).map((m) => `${m.channel}: ${m.payload.text}`).sort(), ['site: From the website', 'tg: From Telegram', 'wa: From WhatsApp']);

  const convs = (await app.http.inject({ method: 'GET', url: `/api/v1/conversations?status=open&clientId=${clientId}`, headers: bearer(sup) })).json().items as Array<{ id: string; channelId: string }>;
  t.same(convs.map((c) => c.channelId).sort(), ['site', 'tg', 'wa']);
  for (const c of convs) t.equal((await reply(c.id, `Reply on ${c.channelId}`)).status, 202);
  await until(() => tg.textsTo(3141).length && wa.textsTo('79165550102').length, 'provider deliveries');
  t.same(tg.textsTo(3141), ['Reply on tg']);
  t.same(wa.textsTo('79165550102'), ['Reply on wa']);
  await page.waitForSelector('.swb-out >> text=Reply on site');
  await until(() => messages(app, clientId).filter((m) => m.direction === 'out' && m.payload.status !== 'queued').length === 3, 'all three sent');
});
