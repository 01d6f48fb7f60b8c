import t from 'tap';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runCli } from '../../helpers/cli.js';
import { tempDir } from '../../helpers/appliance.js';
import { validateConfig } from '../../../appliance/config/load.js';

/* access.directory: a plain-LDAP or half-written directory section is a refused start, naming the key (exit 78). */

const base = {
  url: 'ldaps://dc1.firm.example',
  bindDn: 'cn=switchboard,ou=services,dc=firm,dc=example',
  bindPassword: { file: '/etc/switchboard/ldap-bind.secret' },
  baseDn: 'ou=people,dc=firm,dc=example',
  roles: [{ group: 'cn=desk,ou=groups,dc=firm,dc=example', role: 'operator' }],
};

t.test('config check refuses ldap:// without StartTLS, with exit 78 and the key', async (t) => {
  const dir = await tempDir(t);
  const file = path.join(dir, 'config.yaml');
  await writeFile(file, `access:\n  directory:\n    url: ldap://dc1.firm.example\n    bindDn: ${base.bindDn}\n    bindPassword: {env: LDAP_BIND}\n    baseDn: ${base.baseDn}\n    roles: [{group: "cn=desk,dc=firm", role: operator}]\n`);
  const r = await runCli(['config', 'check', file]);
  t.equal(r.code, 78);
  t.match(r.stderr, /SWB_ERR_CONFIG_INVALID: .*access\.directory\.startTls: got false with url ldap:\/\/dc1\.firm\.example, expected true: ldap:\/\/ without StartTLS would send passwords in the clear/);
});

t.test('the directory section is checked key by key', async (t) => {
  const check = (over: Record<string, unknown>) => () => validateConfig({ access: { directory: { ...base, ...over } } }, 'test');
  t.equal(check({})().access.directory?.userFilter, '(&(objectClass=person)(uid={username}))', 'defaults fill the rest');
  t.equal(check({})().access.directory?.syncMinutes, 5);
  t.throws(check({ url: 'http://dc1.firm.example' }), { code: 'SWB_ERR_CONFIG_INVALID', message: /access\.directory\.url: got "http:\/\/dc1\.firm\.example", expected ldaps:\/\/HOST/ });
  t.throws(check({ url: 'ldaps://dc1.firm.example', startTls: true }), { message: /access\.directory\.startTls: got true .* expected false/ });
  t.doesNotThrow(check({ url: 'ldap://dc1.firm.example:389', startTls: true }), 'ldap:// with StartTLS is fine');
  t.throws(check({ userFilter: '(uid=alice)' }), { message: /access\.directory\.userFilter/ }, 'a filter without {username} would let anyone in as one person');
  t.throws(check({ roles: [] }), { message: /access\.directory\.roles/ });
  t.throws(check({ roles: [{ group: 'cn=x', role: 'metrics' }] }), { message: /access\.directory\.roles/ }, 'service roles are not for people');
  t.throws(check({ syncMinutes: 0 }), { message: /access\.directory\.syncMinutes/ });
  const leak = t.throws(check({ bindPassword: 'inline service secret 9', url: 'ldap:/oops' })) as Error;
  t.match(leak.message, /access\.directory\.url: got "ldap:\/oops"/, 'the mistake is named at its own key');
  t.notMatch(leak.message, /inline service secret/, 'and the rest of the section, its password too, is not echoed');
  t.throws(check({ insecure: true }), { message: /access\.directory\.insecure: unknown key/ }, 'there is no switch to skip verification');
});
