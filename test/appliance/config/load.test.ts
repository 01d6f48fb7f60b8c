import t from 'tap';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { loadConfig, validateConfig } from '../../../appliance/config/load.js';
import { tempDir } from '../../helpers/appliance.js';

t.test('with no file the embedded defaults serve: loopback 8080 and ./var', async (t) => {
  const c = loadConfig({ env: {} });
  t.equal(c.listen.host, '127.0.0.1');
  t.equal(c.listen.port, 8080);
  t.equal(c.dataDir, path.resolve('./var'));
  t.same(c.access.totpRequiredRoles, ['admin']);
});

t.test('SWITCHBOARD_DATA_DIR and SWITCHBOARD_LISTEN override the file', async (t) => {
  const dir = await tempDir(t);
  const file = path.join(dir, 'c.yaml');
  await writeFile(file, 'dataDir: /srv/a\nlisten:\n  port: 9000\n');
  const c = loadConfig({ env: { SWITCHBOARD_CONFIG: file, SWITCHBOARD_DATA_DIR: '/srv/b', SWITCHBOARD_LISTEN: '127.0.0.2:9100' } });
  t.equal(c.dataDir, '/srv/b');
  t.equal(c.listen.host, '127.0.0.2');
  t.equal(c.listen.port, 9100);
});

t.test('an IPv6 listen address is written in brackets', async (t) => {
  const c = loadConfig({ env: { SWITCHBOARD_LISTEN: '[::1]:8081' } });
  t.equal(c.listen.host, '::1');
});

t.test('a wrong value names the key, the value and what was expected', async (t) => {
  t.throws(() => validateConfig({ listen: { port: 'eighty' } }, 'f.yaml'), {
    code: 'SWB_ERR_CONFIG_INVALID',
    message: /f\.yaml: listen\.port: got "eighty", expected a TCP port 0\.\.65535/,
  });
  t.throws(() => validateConfig({ listen: { port: 70000 } }, 'f.yaml'), { message: /listen\.port: got 70000/ });
  t.throws(() => validateConfig({ access: { argon2MemoryKiB: 1024 } }, 'f.yaml'), { message: /access\.argon2MemoryKiB: got 1024, expected argon2id memory cost, at least OWASP 19 MiB/ });
});

t.test('an unknown key is refused rather than ignored', async (t) => {
  t.throws(() => validateConfig({ listen: { prot: 8080 } }, 'f.yaml'), { code: 'SWB_ERR_CONFIG_INVALID', message: /listen\.prot/ });
  t.throws(() => validateConfig({ lisen: {} }, 'f.yaml'), { message: /lisen/ });
});

t.test('an unknown key is named as unknown, with the key it most likely meant', async (t) => {
  t.throws(() => validateConfig({ listen: { prot: 8080 } }, 'f.yaml'), { message: /f\.yaml: listen\.prot: unknown key \(did you mean listen\.port\?\)/ });
  t.throws(() => validateConfig({ lisen: {} }, 'f.yaml'), { message: /lisen: unknown key \(did you mean listen\?\)/ });
  t.throws(() => validateConfig({ access: { sessionIdleSecond: 60 } }, 'f.yaml'), { message: /access\.sessionIdleSecond: unknown key \(did you mean access\.sessionIdleSeconds\?\)/ });
  t.throws(() => validateConfig({ listen: { zzzzzz: 1 } }, 'f.yaml'), { message: /listen\.zzzzzz: unknown key \(known keys here: host, port, allow/ }, 'nothing close: the keys are listed');
});

t.test('a LAN address without an allow-list is refused; with one it is accepted', async (t) => {
  t.throws(() => validateConfig({ listen: { host: '0.0.0.0' } }, 'f.yaml'), { message: /listen\.allow: got \[\], expected at least one client network/ });
  t.throws(() => validateConfig({ listen: { host: '10.0.0.5', allow: ['10.0.0.0/99'] } }, 'f.yaml'), { message: /listen\.allow/ });
  t.throws(() => validateConfig({ listen: { host: 'localhost' } }, 'f.yaml'), { message: /listen\.host: got "localhost", expected an IP address/ });
  t.equal(validateConfig({ listen: { host: '0.0.0.0', allow: ['10.0.0.0/8'] } }, 'f.yaml').listen.allow[0], '10.0.0.0/8');
});

t.test('a file that is not YAML, not a mapping, or missing says so', async (t) => {
  const dir = await tempDir(t);
  const bad = path.join(dir, 'bad.yaml');
  await writeFile(bad, 'listen: [unclosed\n');
  t.throws(() => loadConfig({ file: bad, env: {} }), { code: 'SWB_ERR_CONFIG_INVALID', message: /not valid YAML at line/ });
  const list = path.join(dir, 'list.yaml');
  await writeFile(list, '- a\n- b\n');
  t.throws(() => loadConfig({ file: list, env: {} }), { message: /must be a mapping of keys, got a list/ });
  t.throws(() => loadConfig({ file: path.join(dir, 'missing.yaml'), env: {} }), { code: 'SWB_ERR_CONFIG_UNREADABLE', message: /ENOENT/ });
});

t.test('a malformed SWITCHBOARD_LISTEN is refused', async (t) => {
  t.throws(() => loadConfig({ env: { SWITCHBOARD_LISTEN: '8080' } }), { message: /SWITCHBOARD_LISTEN: got "8080", expected host:port/ });
});

t.test('listen.trustProxy takes the list of proxies; true is refused, and a proxy needs an allow-list', async (t) => {
  t.throws(() => validateConfig({ listen: { trustProxy: true, allow: ['10.0.0.0/8'] } }, 'f.yaml'), {
    code: 'SWB_ERR_CONFIG_INVALID',
    message: /f\.yaml: listen\.trustProxy: got true, expected false, or the list of your reverse proxies' addresses or CIDRs, e\.g\. \[127\.0\.0\.1\] \(true is refused/,
  });
  t.throws(() => validateConfig({ listen: { trustProxy: ['127.0.0.1'] } }, 'f.yaml'), { message: /listen\.allow: got \[\], expected at least one client network when listen\.trustProxy names a reverse proxy/ });
  t.throws(() => validateConfig({ listen: { trustProxy: ['proxy.lan'], allow: ['10.0.0.0/8'] } }, 'f.yaml'), { message: /listen\.trustProxy: got "proxy\.lan", expected an address or CIDR/ });
  const c = validateConfig({ listen: { trustProxy: ['127.0.0.1', '10.9.0.0/16'], allow: ['10.0.0.0/8'] } }, 'f.yaml');
  t.same(c.listen.trustProxy, ['127.0.0.1', '10.9.0.0/16']);
  t.equal(validateConfig({}, 'f.yaml').listen.trustProxy, false, 'no proxy is trusted by default');
});
