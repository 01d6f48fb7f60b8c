import t from 'tap';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runCli, startAppliance, stop } from '../../helpers/cli.js';
import { STRONG_PASSWORD, tempDir } from '../../helpers/appliance.js';
import { launchChromium } from '../../helpers/chromium.js';
import { ensureConsoleBuilt, newPage, signIn } from '../../helpers/console.js';
import { makePair, spkiHash } from '../../helpers/tls.js';

/*
 * The console over HTTPS in Debian's Chromium, against the appliance process.
 * The browser reaches it by a name (switchboard.test, mapped to a loopback
 * address inside Chromium), so the sign-in is accepted because the connection
 * is HTTPS, not because the Host is loopback. The certificate is trusted by its
 * public key's SHA-256 (--ignore-certificate-errors-spki-list), not by turning
 * certificate checks off: a browser without the pin refuses the same page.
 */

const NAME = 'switchboard.test';
const HOST = '127.0.0.51';

t.test('an operator signs in to the console over HTTPS by the box\'s name; the session cookie is Secure and the page carries HSTS', async (t) => {
  ensureConsoleBuilt();
  const dir = await tempDir(t);
  const pair = makePair(dir, 'console', `DNS:${NAME}`);
  const config = path.join(dir, 'config.yaml');
  await writeFile(config, JSON.stringify({ listen: { host: HOST, port: 0, tls: pair } }));
  const env = { SWITCHBOARD_CONFIG: config, SWITCHBOARD_DATA_DIR: path.join(dir, 'data') };
  const { child, url } = await startAppliance(env);
  t.teardown(() => stop(child));
  const add = await runCli(['user', 'add', 'olga', '--role', 'operator', '--department', 'sales', '--password-stdin'], { env, stdin: STRONG_PASSWORD });
  t.equal(add.code, 0, add.stderr);
  const base = `https://${NAME}:${new URL(url).port}`;
  const resolve = `--host-resolver-rules=MAP ${NAME} ${HOST}`;

  const unpinned = await newPage(t, await launchChromium(t, [resolve]));
  await t.rejects(unpinned.goto(base), /ERR_CERT_AUTHORITY_INVALID/, 'without the pin Chromium refuses the self-made certificate');

  const browser = await launchChromium(t, [resolve, `--ignore-certificate-errors-spki-list=${spkiHash(readFileSync(pair.cert, 'utf8'))}`]);
  const page = await newPage(t, browser);
  const first = await page.goto(base);
  t.equal(first?.status(), 200);
  t.equal(first?.headers()['strict-transport-security'], 'max-age=31536000', 'HSTS on the console page');
  t.match(await first?.securityDetails(), { protocol: /^TLS 1\.[23]$/, subjectName: 'console' });

  await signIn(page, base, 'olga', STRONG_PASSWORD);
  await page.getByText('Signed in as olga').waitFor();
  const cookies = await page.context().cookies();
  t.equal(cookies.length, 1);
  t.match(cookies[0], { name: '__Host-swb_session', domain: NAME, secure: true, httpOnly: true, sameSite: 'Strict', path: '/' });
  t.ok(await page.evaluate(() => window.isSecureContext), 'a secure context');
  await page.getByRole('list', { name: 'Conversations' }).waitFor();
});
