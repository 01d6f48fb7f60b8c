import t from 'tap';
import { consoleRig, ensureConsoleBuilt, newPage } from '../helpers/console.js';
import { launchChromium } from '../helpers/chromium.js';
import { signInAs } from '../helpers/desk-console.js';
import { FakeTelegram, TG_TOKEN, tgText } from '../fakes/telegram.js';
import { clientOf, gatewayAppliance, until } from '../helpers/gateway.js';
import { bearer, userWithToken } from '../helpers/appliance.js';

const LIMIT = 100_000;

t.test('a file over the attachment limit is refused with a clear message before any upload, the API refuses it too, and one within it reaches Telegram', async (t) => {
  // consoleRig's own gateway settings, with a small attachment limit.
  ensureConsoleBuilt();
  const tg = await new FakeTelegram().start();
  t.teardown(() => tg.stop());
  const { app } = await gatewayAppliance(t, [{ id: 'tg', type: 'telegram', token: TG_TOKEN, apiBase: tg.url, pollTimeoutSeconds: 1, department: 'sales' }], { attachmentMaxBytes: LIMIT });
  const base = await app.http.listen({ host: '127.0.0.1', port: 0 });
  const browser = await launchChromium(t);
  tg.push(tgText(4242, 'Send me the invoice, please'));
  const clientId = await until(() => clientOf(app, 'telegram', '4242'), 'the message stored');
  const conv = app.conversations.list({ clientId, limit: 1 })[0]!;
  const page = await newPage(t, browser);
  await signInAs(page, base, app, 'olga', 'operator', { department: 'sales' });
  await page.goto(`${base}/c/${conv.id}`);
  await page.getByRole('list', { name: 'History' }).getByText('Send me the invoice, please').waitFor();
  const posts: string[] = [];
  page.on('request', (r) => r.method() === 'POST' && posts.push(new URL(r.url()).pathname));

  const picker = page.getByLabel('Attach files');
  await picker.setInputFiles({ name: 'scan <img src=x onerror=alert(1)>.pdf', mimeType: 'application/pdf', buffer: Buffer.alloc(150_000, 1) });
  const alert = page.getByRole('alert').filter({ hasText: 'a file may be at most' });
  await alert.waitFor();
  t.match(await alert.innerText(), /“scan <img src=x onerror=alert\(1\)>\.pdf” is 146\.5 kB: a file may be at most 97\.7 kB\. It was not attached\./, 'the message names the file as text, its size and the limit');
  t.equal(await page.getByRole('list', { name: 'Files to send' }).count(), 0, 'the file was not attached');
  t.same(posts, [], 'nothing was uploaded');

  // The API is the authority: the same file sent straight is refused.
  const direct = await app.http.inject({ method: 'POST', url: `/api/v1/conversations/${conv.id}/messages`, headers: bearer(await userWithToken(app, 'sup', 'supervisor')), payload: { text: '', attachments: [{ name: 'big.pdf', mime: 'application/pdf', data: Buffer.alloc(150_000, 1).toString('base64') }] } });
  t.equal(direct.statusCode, 413);
  t.equal(direct.json().error, 'SWB_ERR_PAYLOAD_TOO_LARGE');

  await picker.setInputFiles({ name: 'invoice-5521.pdf', mimeType: 'application/pdf', buffer: Buffer.alloc(40_000, 2) });
  const files = page.getByRole('list', { name: 'Files to send' });
  await files.getByText('invoice-5521.pdf').waitFor();
  await page.getByRole('textbox', { name: 'Reply' }).fill('Here it is');
  await page.getByRole('button', { name: 'Send' }).click();
  await files.waitFor({ state: 'detached' });
  await until(() => tg.sent.find((s) => s.document?.name === 'invoice-5521.pdf'), 'the document at Telegram');
  t.match(tg.sent.find((s) => s.document), { chatId: '4242', text: 'Here it is', document: { name: 'invoice-5521.pdf', bytes: 40_000 } });
  await page.getByRole('list', { name: 'History' }).getByText('Attachment: invoice-5521.pdf').waitFor();
});

t.test('files that together are over the request limit are refused before upload, naming the limit', async (t) => {
  const { app, base, browser } = await consoleRig(t, { department: 'sales' }, { listen: { bodyLimitBytes: 120_000 } });
  const ctx = { actor: 'test', source: 'test' };
  const client = await app.clients.create({ name: 'Anna', identities: [{ kind: 'telegram', value: '77' }] }, ctx);
  const conv = await app.conversations.open({ clientId: client.id, channelId: 'tg', department: 'sales' }, ctx);
  const page = await newPage(t, browser);
  await signInAs(page, base, app, 'olga', 'operator', { department: 'sales' });
  await page.goto(`${base}/c/${conv.id}`);
  await page.getByRole('list', { name: 'History' }).waitFor();
  const picker = page.getByLabel('Attach files');
  await picker.setInputFiles({ name: 'one.png', mimeType: 'image/png', buffer: Buffer.alloc(60_000, 3) });
  await page.getByRole('list', { name: 'Files to send' }).getByText('one.png').waitFor();
  await picker.setInputFiles({ name: 'two.png', mimeType: 'image/png', buffer: Buffer.alloc(60_000, 4) });
  await page.getByRole('alert').filter({ hasText: '“two.png” is 58.6 kB: the files of one reply may be at most 87.9 kB together.' }).waitFor();
  t.same(await page.getByRole('list', { name: 'Files to send' }).getByRole('listitem').allInnerTexts().then((x) => x.map((s) => s.split(/\s/)[0])), ['one.png'], 'the first stays, the second was not added');
});
