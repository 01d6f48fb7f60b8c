// Screenshots of the operator console for docs/screenshots/: a throwaway
// appliance on a temporary store with a few made-up clients, the built
// console, and Debian's Chromium. `npm run screenshots` builds first.
import { mkdtemp, rm, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { build } from '../dist/appliance/app.js';
import { validateConfig } from '../dist/appliance/config/load.js';
import { createLogger } from '../dist/common/log.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'docs', 'screenshots');
const PASSWORD = 'correct horse battery staple 42';
const ctx = { actor: 'user:olga', source: 'screenshots' };
const ago = (minutes) => new Date(Date.now() - minutes * 60_000).toISOString();

async function seed(app) {
  await app.access.users.create({ username: 'olga', password: PASSWORD, role: 'operator', department: 'sales' }, { actor: 'setup', source: 'screenshots' });
  const people = [
    { name: 'Maria Ivanova', channel: 'telegram', id: { kind: 'telegram', value: '3141' }, fields: { City: 'Tver', Contract: 'SB-2291' }, tags: ['vip'], chat: [['in', 42, 'Hello! My order #5521 has not arrived yet.'], ['out', 38, 'Good morning, Maria. Let me check with the courier.'], ['in', 12, 'Thank you. Could it come before Friday?']] },
    { name: 'Ivan Petrov', channel: 'whatsapp', id: { kind: 'whatsapp', value: '79165550102' }, fields: { Company: 'Petrov & Sons' }, tags: [], chat: [['in', 7, 'Do you deliver to Kazan?']] },
    { name: 'Anna Smirnova', channel: 'vk', id: { kind: 'vk', value: '20117' }, fields: {}, tags: ['wholesale'], chat: [['in', 95, 'I need an invoice for 40 units.'], ['out', 80, 'Sent to your e-mail, Anna.']] },
    { name: 'Visitor 7f3a', channel: 'webchat', id: { kind: 'webchat', value: '7f3a9c' }, fields: {}, tags: [], chat: [['in', 2, 'Is anyone there?']] },
  ];
  let first = null;
  for (const p of people) {
    const client = await app.clients.create({ name: p.name, identities: [p.id], fields: p.fields, tags: p.tags }, ctx);
    const conv = await app.conversations.open({ clientId: client.id, channelId: p.channel, department: 'sales' }, ctx);
    for (const [direction, minutes, text] of p.chat) {
      const at = ago(minutes);
      await app.history.append({ clientId: client.id, kind: 'message', conversationId: conv.id, channel: p.channel, direction, at, actor: direction === 'out' ? { type: 'user', id: 'olga' } : { type: 'client', id: client.id }, payload: { text, attachments: [], externalId: null, status: direction === 'out' ? 'read' : 'received' } });
      if (direction === 'in') await app.conversations.recordInbound(conv.id, at);
      else await app.conversations.recordResponse(conv.id, at);
    }
    first ??= { conv, client };
  }
  for (const [username, role, department, extension] of [['ivan', 'operator', 'sales', '102'], ['nina', 'operator', 'support', '201'], ['sveta', 'supervisor', null, null], ['root', 'admin', null, null], ['audrey', 'auditor', null, null]]) {
    await app.access.users.create({ username, password: PASSWORD, role, department, extension }, { actor: 'user:root', source: 'screenshots' });
  }
  await app.access.users.update('olga', { extension: '101' }, { actor: 'user:root', source: 'screenshots' });
  await app.access.tokens.create({ role: 'metrics', name: 'prometheus' }, { actor: 'user:root', source: 'screenshots' });
  await app.access.tokens.create({ role: 'integration', name: 'crm-sync', ttlDays: 365 }, { actor: 'user:root', source: 'screenshots' });
  await app.gateway.desk.setOnline('olga', true);
  await app.sip.bindings.apply('101', [{ contact: '<sip:101@192.168.10.21:5060>', expires: 600 }], { callId: 'r1', cseq: 1, userAgent: 'Yealink SIP-T46U 108.86.0.20', received: 'udp/192.168.10.21:5060' }, 5);
  await app.sip.bindings.apply('201', [{ contact: '<sip:201@192.168.10.35:5060>', expires: 600 }], { callId: 'r2', cseq: 1, userAgent: 'Linphone 5.2', received: 'udp/192.168.10.35:5060' }, 5);
  const call = (id, from, extension, minutes, answered) => ({ id, sipCallId: `s-${id}`, direction: 'in', from, to: '+74951234567', extension, trunk: 'main', clientId: null, state: answered ? 'answered' : 'ringing', start: ago(minutes), answer: answered ? ago(minutes - 0.2) : null, end: null, durationSec: 0, outcome: null, sipCause: null, endReason: null, media: { anchor: 'direct', recordRequested: false }, recording: null, historyEventId: null });
  app.sip.calls.open(call('00000000-0000-4000-8000-000000000001', '+79161234567', '101', 3, true));
  app.sip.calls.open(call('00000000-0000-4000-8000-000000000002', '+79035550199', '201', 0.1, false));
  await app.sip.calls.settle();
  await app.conversations.assign(first.conv.id, { assignee: 'olga' }, { actor: 'user:sveta', source: 'screenshots' });
  await app.history.append({ clientId: first.client.id, kind: 'note', conversationId: first.conv.id, direction: 'internal', at: ago(30), actor: { type: 'user', id: 'olga' }, payload: { text: 'Courier says Thursday; confirm with the warehouse.' } });
  return { convId: first.conv.id, clientId: first.client.id };
}

// The phone (screen pop, unknown caller, click-to-call): call records written as the call log
// writes them, and one registered contact for olga's extension. No SIP peer runs here, so the
// click-to-call's answer is played by the page's network layer and the call's events are
// published on the appliance's own feed, as telephony would.
async function phoneShots(app, browser, base) {
  await app.access.users.update('olga', { extension: '101' }, { actor: 'setup', source: 'screenshots' });
  await app.gateway.desk.setOnline('olga', true);
  await app.sip.bindings.apply('101', [{ contact: 'sip:101@192.0.2.10:5060', expires: 3600 }], { callId: 'shots', cseq: 1, userAgent: 'Yealink T31P', received: 'udp/192.0.2.10:5060' }, 5);
  const maria = app.clients.search('Maria Ivanova')[0];
  await app.clients.addIdentity(maria.id, { kind: 'phone', value: '+79161234567' }, ctx);
  const record = (id, from, state, minutes) => ({ id, sipCallId: `${id}@shots`, direction: 'in', from, to: '+74951112233', extension: null, trunk: 'provider', rung: ['101', '102'], departments: ['sales'], clientId: null, state, start: ago(minutes), answer: null, end: null, durationSec: 0, outcome: null, sipCause: null, endReason: null, media: { anchor: 'direct', recordRequested: false }, recording: null, historyEventId: null });
  app.sip.calls.open(record('00000000-0000-4000-8000-000000000011', '+79161234567', 'ringing', 300));
  await app.sip.calls.finish('00000000-0000-4000-8000-000000000011', { end: new Date(Date.now() - 299 * 60_000), outcome: 'missed', sipCause: 487, endReason: 'cancel' });
  app.sip.calls.open(record('00000000-0000-4000-8000-000000000012', '+79161234567', 'ringing', 0));
  app.sip.calls.open(record('00000000-0000-4000-8000-000000000013', '+79035550199', 'ringing', 0));
  await app.sip.calls.settle();

  const context = await browser.newContext({ locale: 'en-GB', viewport: { width: 1280, height: 760 }, deviceScaleFactor: 1, timezoneId: 'Europe/Moscow' });
  const page = await context.newPage();
  await page.goto(base);
  await page.locator('#username').fill('olga');
  await page.locator('#password').fill(PASSWORD);
  await page.locator('form.sign-in button[type=submit]').click();
  await page.locator('.phone-ext.up').waitFor();
  await page.goto(`${base}/call/00000000-0000-4000-8000-000000000012`);
  await page.locator('.history li').nth(2).waitFor();
  await page.screenshot({ path: path.join(out, 'screen-pop.png') });
  await page.goto(`${base}/call/00000000-0000-4000-8000-000000000013`);
  await page.locator('.unknown-caller').waitFor();
  await page.locator('.unknown-caller input[name=name]').fill('Sergei Orlov');
  await page.screenshot({ path: path.join(out, 'unknown-caller.png') });

  const conv = app.conversations.list({ clientId: maria.id, limit: 1 })[0];
  const id = '00000000-0000-4000-8000-000000000014';
  const summary = (state) => ({ id, state, direction: 'out', from: '+74950000000', to: '+79161234567', extension: '101', rung: [], departments: [], clientId: maria.id, start: new Date().toISOString(), answer: state === 'answered' ? new Date().toISOString() : null, end: null, durationSec: 0, outcome: null });
  await page.route('**/api/v1/calls', (route) => route.fulfill({ status: 202, contentType: 'application/json', body: JSON.stringify(summary('ringing')) }));
  await page.goto(`${base}/c/${conv.id}`);
  await page.locator('button.call').first().click();
  await page.locator('.call-progress').waitFor();
  app.events.publish({ type: 'call', call: summary('answered') });
  await page.locator('.call-progress', { hasText: 'Connected' }).waitFor();
  await page.screenshot({ path: path.join(out, 'click-to-call.png') });
  await context.close();
}

const dataDir = await mkdtemp(path.join(tmpdir(), 'swb-shots-'));
const EXT_SECRET = 'screenshot-extension-secret';
const config = validateConfig(
  {
    dataDir,
    listen: { host: '127.0.0.1', port: 0 },
    // A throwaway store: the admin signs in without one-time codes here.
    access: { totpRequiredRoles: [] },
    extensions: [
      { number: '101', password: EXT_SECRET, name: 'Olga (sales)', department: 'sales' },
      { number: '102', password: EXT_SECRET, name: 'Ivan (sales)', department: 'sales' },
      { number: '201', password: EXT_SECRET, name: 'Support desk', department: 'support' },
    ],
    trunks: [
      { id: 'main', host: '192.0.2.10', inbound: 'sales', prefix: '9', username: 'acct-5521', password: 'screenshot-trunk-secret' },
      { id: 'backup', host: '192.0.2.20', inbound: '201', prefix: '8' },
    ],
    channels: [{ id: 'telegram', type: 'telegram', token: '123456789:AAHscreenshotTokenOnly_abcdefghijk', apiBase: 'http://127.0.0.1:9', department: 'sales' }],
  },
  'screenshots',
);
const app = await build({ config, logger: createLogger({ level: 'fatal' }) });
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu'] });
try {
  const { convId, clientId } = await seed(app);
  const base = await app.http.listen({ host: '127.0.0.1', port: 0 });
  await mkdir(out, { recursive: true });
  for (const locale of ['en', 'ru']) {
    const context = await browser.newContext({ locale: locale === 'ru' ? 'ru-RU' : 'en-GB', viewport: { width: 1280, height: 760 }, deviceScaleFactor: 1, timezoneId: 'Europe/Moscow' });
    const page = await context.newPage();
    await page.goto(base);
    await page.locator('#username').waitFor();
    if (locale === 'en') await page.screenshot({ path: path.join(out, 'sign-in.png') });
    await page.locator('#username').fill('olga');
    await page.locator('#password').fill(PASSWORD);
    await page.locator('form.sign-in button[type=submit]').click();
    await page.locator('.views button').nth(2).click();
    await page.locator('.conversations li').nth(3).waitFor();
    if (locale === 'en') await page.screenshot({ path: path.join(out, 'inbox.png') });
    await page.locator(`a[href="/c/${convId}"]`).click();
    await page.locator('.history li').nth(3).waitFor();
    await page.locator('#reply').fill(locale === 'en' ? 'The warehouse confirms Thursday, Maria.' : 'Склад подтверждает четверг, Мария.');
    await page.screenshot({ path: path.join(out, locale === 'en' ? 'conversation.png' : 'conversation-ru.png') });
    await context.close();
  }
  // The desk's other pages, as an admin sees them.
  const context = await browser.newContext({ locale: 'en-GB', viewport: { width: 1280, height: 1000 }, deviceScaleFactor: 1, timezoneId: 'Europe/Moscow' });
  const page = await context.newPage();
  await page.goto(base);
  await page.locator('#username').fill('root');
  await page.locator('#password').fill(PASSWORD);
  await page.locator('form.sign-in button[type=submit]').click();
  await page.locator('.conversations li').first().waitFor();
  await page.goto(`${base}/supervisor`);
  await page.getByText('Yealink SIP-T46U 108.86.0.20').waitFor();
  await page.screenshot({ path: path.join(out, 'supervisor.png') });
  await page.goto(`${base}/admin`);
  await page.getByText('not registered yet').waitFor();
  await page.screenshot({ path: path.join(out, 'admin.png') });
  await page.locator('.page').evaluate((el) => (el.scrollTop = el.scrollHeight));
  await page.screenshot({ path: path.join(out, 'admin-telephony.png') });
  await page.goto(`${base}/audit`);
  await page.getByRole('button', { name: 'Verify chain' }).click();
  await page.getByText('The chain is intact').waitFor();
  await page.screenshot({ path: path.join(out, 'audit.png') });
  await page.setViewportSize({ width: 1280, height: 760 });
  await page.goto(`${base}/clients/${clientId}`);
  await page.locator('.history li').nth(3).waitFor();
  await page.screenshot({ path: path.join(out, 'client.png') });
  await page.getByRole('searchbox', { name: 'Find a client' }).fill('Iva');
  await page.getByRole('list', { name: 'Clients found' }).waitFor();
  await page.screenshot({ path: path.join(out, 'search.png') });
  await context.close();
  await phoneShots(app, browser, base);
  console.log(`screenshots in ${path.relative(root, out)}/`);
} finally {
  await browser.close();
  await app.close();
  await rm(dataDir, { recursive: true, force: true });
}
