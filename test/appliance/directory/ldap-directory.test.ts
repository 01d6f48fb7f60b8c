import t from 'tap';
import { LdapDirectory, escapeFilterValue, fillFilter } from '../../../appliance/directory/ldap-directory.js';
import { validateConfig } from '../../../appliance/config/load.js';
import { createLogger } from '../../../common/log.js';
import { LogCapture } from '../../helpers/appliance.js';
import { startSlapd, SERVICE_DN, GROUPS, PEOPLE, type Slapd } from '../../helpers/slapd.js';
import type { DirectoryConfig } from '../../../domain/access/directory-config.js';

/* The LDAP adapter against a real OpenLDAP over LDAPS and StartTLS (issue 11, item 3). */

const PEOPLE_LIST = [
  { uid: 'alice', password: 'alice directory pass 1', groups: ['staff', 'sales'] },
  { uid: 'bob', password: 'bob directory pass 2', groups: ['staff'] },
  // Names made of the characters that would rewrite an unescaped filter: each must be found only as itself.
  { uid: 'o*brien', password: 'star in the name 3', groups: ['staff'] },
  { uid: 'we(ird)', password: 'parens in the name 4', groups: ['staff'] },
  { uid: 'back\\slash', password: 'backslash in the name 5', groups: ['staff'] },
  // Active Directory shaped: 512 is a normal account, 514 the same with ACCOUNTDISABLE.
  { uid: 'carol', password: 'carol directory pass 6', groups: ['staff'], ad: { userAccountControl: 512 } },
  { uid: 'dave', password: 'dave directory pass 7', groups: ['staff'], ad: { userAccountControl: 514 } },
];

function directoryConfig(slapd: Slapd, over: Partial<DirectoryConfig> = {}): DirectoryConfig {
  const raw = {
    url: slapd.ldaps,
    caFile: slapd.caFile,
    bindDn: SERVICE_DN,
    bindPassword: { file: slapd.serviceSecretFile },
    baseDn: PEOPLE,
    groupBaseDn: GROUPS,
    roles: [{ group: slapd.groupDn('staff'), role: 'operator' }],
    ...over,
  };
  return validateConfig({ access: { directory: raw } }, 'test').access.directory!;
}

function client(slapd: Slapd, over: Partial<DirectoryConfig> = {}): { dir: LdapDirectory; logs: LogCapture } {
  const logs = new LogCapture();
  return { dir: new LdapDirectory(directoryConfig(slapd, over), createLogger({ level: 'info', destination: logs })), logs };
}

t.test('filter values are escaped as RFC 4515 says', async (t) => {
  t.equal(escapeFilterValue('*'), '\\2a');
  t.equal(escapeFilterValue('a)(uid=*'), 'a\\29\\28uid=\\2a');
  t.equal(escapeFilterValue('back\\slash'), 'back\\5cslash');
  t.equal(escapeFilterValue('nul\0'), 'nul\\00');
  t.equal(escapeFilterValue('j.smith-2'), 'j.smith-2', 'ordinary names pass unchanged');
  t.equal(fillFilter('(&(uid={username})(!(cn={username})))', 'username', '*'), '(&(uid=\\2a)(!(cn=\\2a)))', 'every placeholder is filled');
});

t.test('against OpenLDAP over LDAPS', async (t) => {
  const slapd = await startSlapd(t, PEOPLE_LIST, ['staff', 'sales']);

  t.test('a user is found with the groups they are in, and binds with their password only', async (t) => {
    const { dir } = client(slapd);
    const alice = await dir.find('alice');
    t.equal(alice?.dn, slapd.dnOf('alice'));
    t.same(alice?.groups.sort(), [slapd.groupDn('sales'), slapd.groupDn('staff')]);
    t.equal(alice?.disabled, false);
    t.equal(await dir.bind(alice!.dn, 'alice directory pass 1'), true);
    t.equal(await dir.bind(alice!.dn, 'not her password'), false);
    t.equal(await dir.bind(alice!.dn, ''), false, 'an empty password is no unauthenticated bind');
    t.equal(await dir.find('nobody'), null);
  });

  t.test('characters that would rewrite the filter match only a name literally made of them', async (t) => {
    const { dir } = client(slapd);
    for (const name of ['*', 'a*', '*)(uid=*', 'alice)(|(uid=*', '\\2a', 'alice\0', 'alic*', '(uid=alice)']) {
      t.equal(await dir.find(name), null, `${JSON.stringify(name)} finds nobody`);
    }
    for (const uid of ['o*brien', 'we(ird)', 'back\\slash']) {
      const found = await dir.find(uid);
      t.equal(found?.dn.toLowerCase().startsWith('uid='), true, `${JSON.stringify(uid)} is found`);
      t.equal(await dir.bind(found!.dn, PEOPLE_LIST.find((p) => p.uid === uid)!.password), true, `${JSON.stringify(uid)} binds as itself`);
    }
    t.equal(await dir.find('o*'), null, 'a prefix with a star is no wildcard');
  });

  t.test('StartTLS on ldap:// works, and ldap:// without it is refused as a configuration error', async (t) => {
    t.equal((await client(slapd, { url: slapd.ldap, startTls: true }).dir.find('bob'))?.dn, slapd.dnOf('bob'));
    t.throws(() => client(slapd, { url: slapd.ldap, startTls: false }), { code: 'SWB_ERR_CONFIG_INVALID', message: /access\.directory\.startTls: got false with url ldap:.*expected true/ });
    t.throws(() => client(slapd, { startTls: true }), { code: 'SWB_ERR_CONFIG_INVALID', message: /expected false: ldaps:\/\/ is TLS already/ });
  });

  t.test('a certificate the configured CA did not sign is refused, over LDAPS and over StartTLS', async (t) => {
    for (const over of [{ caFile: slapd.otherCaFile }, { caFile: slapd.otherCaFile, url: slapd.ldap, startTls: true }, { caFile: null }]) {
      const { dir, logs } = client(slapd, over);
      const err = await dir.find('alice').then(
        () => null,
        (e: unknown) => e as { code?: string; message?: string; cause?: Error },
      );
      t.equal(err?.code, 'SWB_ERR_DIRECTORY_UNAVAILABLE', `refused with ${JSON.stringify(over)}`);
      t.match(err?.cause?.message ?? '', /certificate/i, 'because of the certificate');
      t.notMatch(err?.message ?? '', /certificate|127\.0\.0\.1/, 'the answer names neither host nor certificate');
      t.match(logs.text, /directory unavailable/, 'the log says why');
    }
  });

  t.test('a service account the directory refuses makes it unavailable, not a wrong user password', async (t) => {
    const { dir } = client(slapd, { bindPassword: 'not the service password' });
    await t.rejects(dir.find('alice'), { code: 'SWB_ERR_DIRECTORY_UNAVAILABLE' });
  });

  t.test('a directory that is not listening is unavailable', async (t) => {
    const { dir } = client(slapd, { url: 'ldaps://127.0.0.1:1', timeoutSeconds: 2 });
    await t.rejects(dir.find('alice'), { code: 'SWB_ERR_DIRECTORY_UNAVAILABLE' });
    await t.rejects(dir.bind(slapd.dnOf('alice'), 'alice directory pass 1'), { code: 'SWB_ERR_DIRECTORY_UNAVAILABLE' });
  });

  t.test('with an Active Directory filter, an account disabled by userAccountControl is found as disabled', async (t) => {
    // Debian's msuser.schema gives sAMAccountName no equality rule, so this filter matches on cn instead.
    const { dir } = client(slapd, { userFilter: '(&(objectClass=user)(cn={username}))' });
    t.same(await dir.find('carol'), { dn: slapd.dnOf('carol'), groups: [slapd.groupDn('staff')], disabled: false });
    t.same(await dir.find('dave'), { dn: slapd.dnOf('dave'), groups: [slapd.groupDn('staff')], disabled: true });
    t.equal(await dir.find('alice'), null, 'an entry of another class is not found by this filter');
  });
});
