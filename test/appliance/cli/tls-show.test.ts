import t from 'tap';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runCli } from '../../helpers/cli.js';
import { tempDir } from '../../helpers/appliance.js';
import { fileFingerprint, makePair } from '../../helpers/tls.js';

/* The listener's side (tls show against what openssl sees on the wire) is in test/appliance/http/tls-listener.test.ts. */

t.test('tls show prints the configured certificate\'s fingerprint as openssl computes it, its names and expiry', async (t) => {
  const dir = await tempDir(t);
  const pair = makePair(dir, 'box', 'DNS:switchboard.example.lan,IP:10.1.2.3');
  const config = path.join(dir, 'config.yaml');
  await writeFile(config, JSON.stringify({ listen: { tls: pair } }));
  const env = { SWITCHBOARD_CONFIG: config, SWITCHBOARD_DATA_DIR: path.join(dir, 'data') };
  const r = await runCli(['tls', 'show'], { env });
  t.equal(r.code, 0, r.stderr);
  const fp = await fileFingerprint(pair.cert);
  t.match(fp, /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  t.match(r.stdout, new RegExp(`^SHA-256: +${fp}$`, 'm'));
  t.match(r.stdout, /^subject: +CN=box$/m);
  t.match(r.stdout, /^names: +DNS:switchboard\.example\.lan, IP Address:10\.1\.2\.3$/m);
  t.match(r.stdout, /^expires: +\S+ \(in 29 days\)$/m);
  const json = JSON.parse((await runCli(['tls', 'show', '--json'], { env })).stdout) as Record<string, unknown>;
  t.match(json, { source: 'files', file: pair.cert, fingerprint: fp, subjectAltNames: ['DNS:switchboard.example.lan', 'IP Address:10.1.2.3'], daysLeft: 29 });
});

t.test('config check reads the listen.tls pair as the start does', async (t) => {
  const dir = await tempDir(t);
  const a = makePair(dir, 'a', 'IP:10.1.2.3');
  const b = makePair(dir, 'b', 'IP:10.1.2.3');
  const config = path.join(dir, 'config.yaml');
  await writeFile(config, JSON.stringify({ listen: { host: '10.1.2.3', allow: ['10.1.2.0/24'], tls: a } }));
  const good = await runCli(['config', 'check', config]);
  t.equal(good.code, 0, good.stderr);
  t.match(good.stdout, /valid \(listen 10\.1\.2\.3:8080 HTTPS, certificate files, data /);
  await writeFile(config, JSON.stringify({ listen: { host: '10.1.2.3', allow: ['10.1.2.0/24'], tls: { cert: a.cert, key: b.key } } }));
  const bad = await runCli(['config', 'check', config]);
  t.equal(bad.code, 78);
  t.match(bad.stderr, /SWB_ERR_CONFIG_INVALID: .*listen\.tls\.key: .*b\.key: not the private key of .*a\.crt/);
});

t.test('before the first start there is no self-signed certificate to show, and tls show does not make one', async (t) => {
  const dir = await tempDir(t);
  const r = await runCli(['tls', 'show'], { env: { SWITCHBOARD_DATA_DIR: dir, SWITCHBOARD_LISTEN: '0.0.0.0:8443', SWITCHBOARD_ALLOW: '10.0.0.0/8' } });
  t.equal(r.code, 1);
  t.match(r.stderr, /SWB_ERR_NOT_FOUND: .*no self-signed certificate yet in .*tls: the appliance makes it at its first start/);
  t.notOk(existsSync(path.join(dir, 'tls')));
});
