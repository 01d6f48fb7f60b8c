import t from 'tap';
import path from 'node:path';
import { validateConfig } from '../../../appliance/config/load.js';

t.test('listen.tls defaults to off on loopback and to self-signed on any other address', async (t) => {
  t.equal(validateConfig({}, 'f.yaml').listen.tls, 'off');
  t.equal(validateConfig({ listen: { host: '::1' } }, 'f.yaml').listen.tls, 'off');
  t.equal(validateConfig({ listen: { host: '0.0.0.0', allow: ['10.0.0.0/8'] } }, 'f.yaml').listen.tls, 'self-signed');
  t.equal(validateConfig({ listen: { host: '10.1.2.3', allow: ['10.0.0.0/8'] } }, 'f.yaml').listen.tls, 'self-signed');
  t.equal(validateConfig({ listen: { host: '127.0.0.1', tls: 'self-signed' } }, 'f.yaml').listen.tls, 'self-signed', 'loopback may opt in');
});

t.test('plain HTTP beyond loopback is refused, naming listen.tls, the value and what is expected', async (t) => {
  t.throws(() => validateConfig({ listen: { host: '10.1.2.3', allow: ['10.0.0.0/8'], tls: 'off' } }, 'f.yaml'), {
    code: 'SWB_ERR_CONFIG_INVALID',
    message: /f\.yaml: listen\.tls: got "off", expected "self-signed" or \{cert, key\} when listen\.host \(10\.1\.2\.3\) is not loopback/,
    details: { key: 'listen.tls', value: 'off' },
  });
});

t.test('listen.tls files are made absolute; a wrong shape is refused with what is expected', async (t) => {
  const c = validateConfig({ listen: { tls: { cert: 'tls/box.crt', key: 'tls/box.key' } } }, 'f.yaml');
  t.same(c.listen.tls, { cert: path.resolve('tls/box.crt'), key: path.resolve('tls/box.key') });
  t.throws(() => validateConfig({ listen: { tls: 'on' } }, 'f.yaml'), { message: /listen\.tls: got "on", expected "off", "self-signed" or \{cert: PATH, key: PATH\}/ });
  t.throws(() => validateConfig({ listen: { tls: { cert: '/a.crt' } } }, 'f.yaml'), { message: /listen\.tls/ });
  t.throws(() => validateConfig({ listen: { tls: { cert: '/a.crt', key: '/a.key', pass: 'x' } } }, 'f.yaml'), { message: /listen\.tls/ });
});
