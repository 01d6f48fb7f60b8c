import { chromium, type Browser, type Page } from 'playwright-core';
import { build, type Appliance } from '../appliance/app.js';
import { validateConfig } from '../appliance/config/load.js';
import { createLogger } from '../common/log.js';

export const PASSWORD = 'correct horse battery staple 42';
export const WEBHOOK_SECRET = 'bench-secret';

/**
 * The appliance as an operator's browser meets it: the local listener (where
 * the console is) on a loopback port, a Telegram channel in webhook mode on
 * the public listener, new conversations going to `sales`.
 */
export async function consoleAppliance(dir: string): Promise<{ app: Appliance; base: string; publicUrl: string }> {
  const config = validateConfig(
    {
      dataDir: dir,
      access: { loginRatePerMinute: 100_000 },
      channels: [
        // apiBase points at the discard port: nothing is sent to Telegram here; setWebhook keeps failing quietly.
        { id: 'tg', type: 'telegram', token: '1:bench', apiBase: 'http://127.0.0.1:9', mode: 'webhook', webhookUrl: 'https://bench.example/webhooks/tg', webhookSecret: WEBHOOK_SECRET, department: 'sales' },
      ],
      gateway: { publicListen: '127.0.0.1:0', inboundPerSenderPerSecond: 1_000_000, inboundBurst: 1_000_000 },
    },
    'bench',
  );
  const app = await build({ config, logger: createLogger({ level: 'silent' }) });
  const publicUrl = (await app.gateway.start())!;
  const base = await app.http.listen({ host: '127.0.0.1', port: 0 });
  return { app, base, publicUrl };
}

/** Debian's chromium, as the console tests drive it (test/helpers/chromium.ts). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
}

/** An operator of `sales`, signed in through the form in a context of their own, on the department's view. */
export async function operatorPage(app: Appliance, browser: Browser, base: string, username: string): Promise<Page> {
  await app.access.users.create({ username, password: PASSWORD, role: 'operator', department: 'sales' }, { actor: 'bench', source: 'bench' });
  const context = await browser.newContext({ locale: 'en-GB', timezoneId: 'UTC' });
  const page = await context.newPage();
  await page.goto(base);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText(`Signed in as ${username}`).waitFor({ timeout: 60_000 });
  await page.getByRole('button', { name: 'My department' }).click();
  await page.getByText('Live', { exact: true }).waitFor({ timeout: 60_000 });
  return page;
}
