import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Test } from 'tap';
import type { Browser, Page } from 'playwright-core';
import { FakeTelegram, TG_TOKEN } from '../fakes/telegram.js';
import { gatewayAppliance } from './gateway.js';
import { launchChromium } from './chromium.js';
import { ROOT } from './cli.js';
import type { Appliance } from '../../appliance/app.js';

/** scripts/test.sh builds the console with everything else; a test run alone builds it once here. */
export function ensureConsoleBuilt(): void {
  if (existsSync(path.join(ROOT, 'dist/console/index.html'))) return;
  execFileSync('npm', ['run', '--silent', 'build:console'], { cwd: ROOT, stdio: 'pipe' });
}

export interface ConsoleRig {
  app: Appliance;
  tg: FakeTelegram;
  /** The local listener, as an operator's browser reaches it. */
  base: string;
  browser: Browser;
  sup: string;
}

/**
 * The running appliance with a Telegram channel on the stand-in, its local
 * listener on a loopback port (where the console is), and a Chromium.
 */
export async function consoleRig(t: Test, channel: Record<string, unknown> = {}, raw: Record<string, unknown> = {}): Promise<ConsoleRig> {
  ensureConsoleBuilt();
  const tg = await new FakeTelegram().start();
  t.teardown(() => tg.stop());
  const { app, sup } = await gatewayAppliance(t, [{ id: 'tg', type: 'telegram', token: TG_TOKEN, apiBase: tg.url, pollTimeoutSeconds: 1, ...channel }], {}, raw);
  const base = await app.http.listen({ host: '127.0.0.1', port: 0 });
  const browser = await launchChromium(t);
  return { app, tg, base, browser, sup };
}

export async function newPage(t: Test, browser: Browser, locale = 'en-GB'): Promise<Page> {
  const context = await browser.newContext({ locale, timezoneId: 'UTC' });
  t.teardown(() => context.close());
  const page = await context.newPage();
  // Any script that runs from message text would call one of these.
  await page.exposeFunction('__pwned', () => {
    throw new Error('injected script ran');
  });
  return page;
}

export async function signIn(page: Page, base: string, username: string, password: string, code?: string): Promise<void> {
  await page.goto(base);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  if (code) await page.getByLabel('One-time code').fill(code);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: unknown }>;
}

/**
 * axe-core's serious and critical findings on the page as it is now. Injected
 * through the DevTools protocol, which the page's CSP does not govern, so the
 * CSP under test stays as strict as it is served.
 */
export async function axeProblems(page: Page): Promise<string[]> {
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (ctx: Document, opts: unknown) => Promise<{ violations: AxeViolation[] }> } }).axe;
    return (await axe.run(document, { resultTypes: ['violations'] })).violations;
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.impact}): ${v.help} at ${JSON.stringify(v.nodes.map((n) => n.target))}`);
}
