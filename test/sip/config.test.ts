import t from 'tap';
import { validateConfig } from '../../appliance/config/load.js';

const bad = (raw: Record<string, unknown>) => {
  try {
    validateConfig(raw, 'test.yaml');
    return '';
  } catch (err) {
    return (err as Error).message;
  }
};

t.test('telephony keys: defaults, and errors naming key, value and what was expected', async (t) => {
  const c = validateConfig({}, 'x');
  t.match(c.sip, { enabled: false, realm: 'switchboard', auth: { algorithms: ['MD5'], sha256UserAgents: [] }, protection: { banAfterFailures: 5, failureWindowSeconds: 600 } });
  t.same(c.extensions, []);
  t.match(bad({ extensions: [{ number: '1', password: 'x' }] }), /extensions\.0\.number: got "1", expected an extension number of 2 to 8 digits/);
  t.match(bad({ extensions: [{ number: '101', password: 'x' }, { number: '101', password: 'y' }] }), /extensions\.1\.number: got "101", expected a number not declared twice/);
  t.match(bad({ trunks: [{ id: 'p', host: 'sip.example.com', inbound: '101', prefix: '9' }] }), /trunks\.0\.host: got "sip\.example\.com", expected the provider's IP address/);
  t.match(bad({ trunks: [{ id: 'p', host: '192.0.2.1', inbound: '101', prefix: '9', username: 'u' }] }), /trunks\.0\.password/);
  t.match(bad({ sip: { registrar: { minExpires: 120, defaultExpires: 60 } } }), /sip\.registrar\.defaultExpires: got 60/);
  t.match(bad({ sip: { auth: { algorithms: ['SHA-512'] } } }), /sip\.auth\.algorithms\.0/);
  t.match(bad({ sip: { typo: true } }), /sip/);
});
