import t from 'tap';
import { readFile } from 'node:fs/promises';
import { gatewayAppliance, messages, until } from '../../helpers/gateway.js';
import { firmSite, launchChromium } from '../../helpers/chromium.js';

t.test('in real Chromium a visitor writes from the firm site, gets the operator reply without a reload, and finds the chat again after one', async (t) => {
  const browser = await launchChromium(t);
  const env = await gatewayAppliance(t, [{ id: 'site', type: 'webchat', title: 'Ask Acme' }], { publicListen: '127.0.0.1:0' });
  const publicUrl = env.publicUrl!;
  const page = await (await browser.newContext()).newPage();
  const origin = await firmSite(t, `${publicUrl}/webchat/site/widget.js`);
  await page.goto(origin);
  await page.waitForSelector('#swb-webchat');
  t.equal(await page.textContent('#swb-webchat > div'), 'Ask Acme');
  await page.fill('#swb-webchat input', 'Hi, <b>is</b> the shop open?');
  await page.press('#swb-webchat input', 'Enter');

  const conv = await until(() => env.app.conversations.list({ status: 'open', limit: 5 }).find((c) => c.channelId === 'site'), 'the conversation');
  const [inbound] = await until(() => messages(env.app, conv.clientId).length && messages(env.app, conv.clientId), 'the message');
  t.equal(inbound!.payload.text, 'Hi, <b>is</b> the shop open?');
  t.equal(await page.locator('#swb-webchat b').count(), 0, 'markup in a message is shown as text, never rendered');

  await env.reply(conv.id, 'Yes, until 8 pm.');
  await page.waitForSelector('.swb-out >> text=Yes, until 8 pm.');
  await until(() => messages(env.app, conv.clientId).find((m) => m.direction === 'out')?.payload.status === 'read', 'read receipt from the widget');

  await page.reload();
  await page.waitForSelector('.swb-out >> text=Yes, until 8 pm.');
  t.same(await page.locator('.swb-message').allTextContents(), ['Hi, <b>is</b> the shop open?', 'Yes, until 8 pm.'], 'the transcript survives a reload');

  const sent = await env.app.http.inject({ method: 'POST', url: `/api/v1/conversations/${conv.id}/messages`, headers: { authorization: `Bearer ${env.sup}` }, payload: { text: 'Our hours', attachments: [{ name: 'hours.txt', mime: 'text/plain', data: Buffer.from('9 am - 8 pm').toString('base64') }] } });
  t.equal(sent.statusCode, 202);
  const link = page.locator('.swb-out a.swb-file >> text=hours.txt');
  await link.waitFor();
  // A click is a navigation, not a cross-origin fetch: no CORS needed on the public listener.
  const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
  t.equal(download.suggestedFilename(), 'hours.txt');
  t.equal(await readFile((await download.path())!, 'utf8'), '9 am - 8 pm', 'the file downloads from the widget\'s link');

  const stranger = await (await browser.newContext()).newPage();
  await stranger.goto(origin);
  await stranger.waitForSelector('#swb-webchat');
  await new Promise((r) => setTimeout(r, 500));
  t.equal(await stranger.locator('.swb-message').count(), 0, 'another visitor sees nothing of it');
});

t.test('in real Chromium a page view opens no chat, a visitor over the new-chat limit is told so in the box, and a token that expired unused is forgotten', async (t) => {
  const browser = await launchChromium(t);
  const visitors = { newVisitorsPerMinutePerAddress: 2, newConversationsPerMinutePerAddress: 1, idleVisitorTtlSeconds: 1 };
  const env = await gatewayAppliance(t, [{ id: 'site', type: 'webchat', visitors }], { publicListen: '127.0.0.1:0' });
  const origin = await firmSite(t, `${env.publicUrl}/webchat/site/widget.js`);
  const visit = async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(origin);
    await page.waitForSelector('#swb-webchat');
    return page;
  };
  const write = async (page: Awaited<ReturnType<typeof visit>>, text: string) => {
    await page.fill('#swb-webchat input', text);
    await page.press('#swb-webchat input', 'Enter');
  };
  const token = (page: Awaited<ReturnType<typeof visit>>) => page.evaluate(() => localStorage.getItem('swb-webchat-site'));

  // Only reading the site: had this minted an identity, the third visitor below would get none.
  const reader = await visit();
  t.equal(await token(reader), null);
  const first = await visit();
  await write(first, 'Hello from the first');
  await until(() => env.app.conversations.list({ limit: 5 }).length === 1, 'the first conversation');

  const second = await visit();
  await write(second, 'Hello from the second');
  await until(() => token(second), 'an identity for the second visitor');
  await second.waitForSelector('.swb-notice >> text=Too many new chats from your network');
  t.equal(await second.locator('.swb-in >> text=Hello from the second').count(), 1, 'the message stays in the box, waiting');
  t.equal(env.app.conversations.list({ limit: 5 }).length, 1, 'and no client or conversation was made for it');

  // Its identity never wrote: after the lifetime the tab is closed, the widget drops the token and asks again (one new visitor too many).
  await until(async () => (await token(second)) === null, 'the expired token dropped');
  const metric = await env.app.metrics.registry.getSingleMetricAsString('swb_gateway_webchat_refusals_total');
  t.match(metric, /reason="conversations_per_address"\} [1-9]/);
  await until(async () => /reason="visitors_per_address"\} [1-9]/.test(await env.app.metrics.registry.getSingleMetricAsString('swb_gateway_webchat_refusals_total')), 'the new visitor refused');
  t.equal(await second.locator('.swb-notice').isVisible(), true);
});
