import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Test } from 'tap';
import { chromium, type Browser } from 'playwright-core';

/**
 * Debian's chromium (scripts/install-test-deps.sh), driven by playwright-core;
 * never a downloaded browser build. playwright gives each launch a fresh
 * temporary profile (--user-data-dir) of its own and removes it on close.
 */
export async function launchChromium(t: Test, extraArgs: string[] = []): Promise<Browser> {
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', ...extraArgs],
  });
  t.teardown(() => browser.close());
  return browser;
}

/** The firm's own site: a page that embeds the widget with one script tag. Returns its origin. */
export async function firmSite(t: Test, widgetSrc: string): Promise<string> {
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><html><head><title>Firm</title></head><body><h1>Acme Ltd</h1><script src="${widgetSrc}" async></script></body></html>`);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => server.close(() => r())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
