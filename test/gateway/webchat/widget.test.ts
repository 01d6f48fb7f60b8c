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
