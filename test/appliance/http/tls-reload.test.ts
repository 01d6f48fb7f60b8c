import t from 'tap';
import { copyFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startAppliance, stop } from '../../helpers/cli.js';
import { tempDir } from '../../helpers/appliance.js';
import { fileFingerprint, handshake, makePair, servedFingerprint } from '../../helpers/tls.js';
import { Store } from '../../../domain/store/store.js';
import { auditLogOf } from '../../helpers/domain.js';

/*
 * SIGHUP (what `systemctl reload switchboard` sends) makes the running process
 * serve the pair now in the files, without dropping the listener; a pair that
 * does not load leaves the old one served.
 */

async function waitForLog(logs: string[], pattern: RegExp, from: number): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const hit = logs.slice(from).find((l) => pattern.test(l));
    if (hit) return hit;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no log line ${pattern} in:\n${logs.slice(from).join('\n')}`);
}

t.test('SIGHUP serves a new certificate from the same files while the process keeps running; a broken pair leaves the old one', async (t) => {
  const dir = await tempDir(t);
  const host = '127.0.0.31';
  const first = makePair(dir, 'first', `IP:${host}`);
  const second = makePair(dir, 'second', `IP:${host}`);
  const served = { cert: path.join(dir, 'served.crt'), key: path.join(dir, 'served.key') };
  copyFileSync(first.cert, served.cert);
  copyFileSync(first.key, served.key);
  const config = path.join(dir, 'config.yaml');
  writeFileSync(config, JSON.stringify({ listen: { host, port: 0, tls: served } }));
  const dataDir = path.join(dir, 'data');
  const { child, url, logs } = await startAppliance({ SWITCHBOARD_CONFIG: config, SWITCHBOARD_DATA_DIR: dataDir });
  t.teardown(() => stop(child));
  const port = Number(new URL(url).port);
  const [fp1, fp2] = [await fileFingerprint(first.cert), await fileFingerprint(second.cert)];
  t.equal(await servedFingerprint(host, port), fp1);

  copyFileSync(second.cert, served.cert);
  copyFileSync(second.key, served.key);
  t.equal(await servedFingerprint(host, port), fp1, 'new files alone change nothing until the signal');
  let mark = logs.length;
  child.kill('SIGHUP');
  t.match(await waitForLog(logs, /TLS certificate reloaded/, mark), new RegExp(`"fingerprint":"${fp2}"`));
  t.equal(await servedFingerprint(host, port), fp2, 'openssl now sees the new certificate');
  t.equal(child.exitCode, null, 'the process is still running');
  t.equal(child.signalCode, null);
  t.equal((await handshake(host, port, 'tls1_1')).ok, false, 'the reloaded context keeps the TLS 1.2 floor');
  t.match(await handshake(host, port, 'tls1_2'), { ok: true });

  // A half-done copy: the new certificate beside the old key.
  copyFileSync(first.cert, served.cert);
  mark = logs.length;
  child.kill('SIGHUP');
  t.match(await waitForLog(logs, /TLS certificate not reloaded/, mark), /listen\.tls\.key: .*served\.key: not the private key of .*served\.crt/);
  t.equal(await servedFingerprint(host, port), fp2, 'the previous certificate is still served');
  t.equal(child.exitCode, null);

  t.equal(await stop(child), 0);
  const store = await Store.open({ dataDir });
  t.teardown(() => store.close());
  const records = auditLogOf(store).page({ limit: 100, action: 'tls.certificate' }).items;
  t.same(
    records.map((r) => [r.source, (r.details as { fingerprint: string }).fingerprint]),
    [
      ['start', fp1],
      ['SIGHUP', fp2],
    ],
    'each certificate served is audited, the refused one is not',
  );
});

t.test('SIGHUP with listen.tls off neither stops the appliance nor changes anything', async (t) => {
  const dir = await tempDir(t);
  const { child, url, logs } = await startAppliance({ SWITCHBOARD_DATA_DIR: dir, SWITCHBOARD_LISTEN: '127.0.0.32:0' });
  t.teardown(() => stop(child));
  const mark = logs.length;
  child.kill('SIGHUP');
  await waitForLog(logs, /listen\.tls is off, nothing to reload/, mark);
  t.equal((await fetch(`${url}/healthz`)).status, 200);
  t.equal(child.exitCode, null);
});
