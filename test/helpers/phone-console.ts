import type { Test } from 'tap';
import type { Browser, Page } from 'playwright-core';
import type { Appliance } from '../../appliance/app.js';
import { ensureConsoleBuilt } from './console.js';
import { launchChromium } from './chromium.js';
import { sipAppliance, startDrachtio } from './sip.js';
import { STRONG_PASSWORD } from './appliance.js';
import { freePort } from '../../sip/drachtio/free-port.js';

export interface PhoneRig {
  app: Appliance;
  /** drachtio-server's SIP address, where SIPp phones register and the provider sends. */
  target: string;
  /** The provider's port: SIPp there is the trunk (inbound calls come from it, outbound go to it). */
  trunkPort: number;
  base: string;
  browser: Browser;
}

/**
 * The running appliance with SIP on a real drachtio-server, a trunk whose
 * calls ring the sales department (101 and 102), the console on a loopback
 * port, and a Chromium.
 */
export async function phoneRig(t: Test): Promise<PhoneRig> {
  ensureConsoleBuilt();
  const drachtio = await startDrachtio(t);
  const trunkPort = await freePort();
  const { app } = await sipAppliance(t, drachtio, { trunks: [{ id: 'provider', host: '127.0.0.1', port: trunkPort, inbound: 'sales', prefix: '9', callerId: '+74950000000' }] });
  const base = await app.http.listen({ host: '127.0.0.1', port: 0 });
  return { app, target: `127.0.0.1:${drachtio.sipPort}`, trunkPort, base, browser: await launchChromium(t) };
}

export async function staff(app: Appliance, username: string, role: 'operator' | 'supervisor', department: string | null, extension: string | null): Promise<void> {
  await app.access.users.create({ username, password: STRONG_PASSWORD, role, department, extension }, { actor: 'test', source: 'test' });
}

/** Every call event this page's session hears on its own live stream (a second EventSource, same cookie). */
export async function recordCallEvents(page: Page): Promise<() => Promise<Array<{ state: string; id: string }>>> {
  await page.evaluate(
    () =>
      new Promise<void>((resolve) => {
        const w = window as unknown as { __calls: unknown[] };
        w.__calls = [];
        const es = new EventSource('/api/v1/events');
        es.addEventListener('call', (e) => w.__calls.push(JSON.parse((e as MessageEvent<string>).data).call));
        es.onopen = () => resolve();
      }),
  );
  return () => page.evaluate(() => (window as unknown as { __calls: Array<{ state: string; id: string }> }).__calls);
}
