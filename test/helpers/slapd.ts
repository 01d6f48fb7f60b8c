import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chownSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Test } from 'tap';
import { freePort } from '../../sip/drachtio/free-port.js';
import { tempDir } from './appliance.js';

/*
 * A real OpenLDAP (Debian's slapd) for the directory sign-in tests: its own config, database and
 * certificates in a temp directory, listening on loopback ports picked at random (LDAPS, and plain
 * LDAP for StartTLS), as an unprivileged user. Changes are made with ldap-utils, as an admin would.
 */

const run = promisify(execFile);
// Debian puts the server's tools in /usr/sbin, which an unprivileged user's PATH often lacks.
export const SUFFIX = 'dc=firm,dc=example';
export const PEOPLE = `ou=people,${SUFFIX}`;
export const GROUPS = `ou=groups,${SUFFIX}`;
export const SERVICE_DN = `cn=switchboard,ou=services,${SUFFIX}`;
export const SERVICE_PASSWORD = 'service account secret 7';
const ROOT_DN = `cn=admin,${SUFFIX}`;
const ROOT_PASSWORD = 'root of the test directory 9';

export interface Person {
  uid: string;
  password: string;
  /** Group cn's under ou=groups. */
  groups: string[];
  /** An Active Directory shaped entry (objectClass user, sAMAccountName, userAccountControl) at cn=UID. */
  ad?: { userAccountControl: number };
}

export interface Slapd {
  dir: string;
  ldaps: string;
  ldap: string;
  caFile: string;
  /** A CA that signed nothing this server presents. */
  otherCaFile: string;
  serviceSecretFile: string;
  dnOf(uid: string): string;
  groupDn(cn: string): string;
  /** ldapmodify as the directory's root, with an LDIF change. */
  modify(ldif: string): Promise<void>;
  stop(): Promise<void>;
  /** After stop(): the same server again, same ports and data. */
  start(): Promise<void>;
}

async function openssl(args: string[], cwd: string): Promise<void> {
  await run('openssl', args, { cwd });
}

/** A test CA, a server certificate it signs for 127.0.0.1, and a second CA that signs nothing here. */
async function certificates(dir: string): Promise<void> {
  const days = ['-days', '2'];
  for (const ca of ['ca', 'other-ca']) {
    await openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${ca}.key`, '-out', `${ca}.pem`, ...days, '-subj', `/CN=Switchboard test ${ca}`], dir);
  }
  await openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1'], dir);
  writeFileSync(path.join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  await openssl(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', ...days, '-extfile', 'san.ext'], dir);
}

/** RFC 4514: the characters a DN's value must escape. */
function dnOf(p: Pick<Person, 'uid' | 'ad'>): string {
  return `${p.ad ? 'cn' : 'uid'}=${p.uid.replace(/([,+"\\<>;=])/g, '\\$1')},${PEOPLE}`;
}

function ldif(people: Person[], groups: string[]): string {
  const out = [
    `dn: ${SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\ndc: firm\no: Firm`,
    ...['people', 'groups', 'services'].map((ou) => `dn: ou=${ou},${SUFFIX}\nobjectClass: organizationalUnit\nou: ${ou}`),
    `dn: ${SERVICE_DN}\nobjectClass: person\ncn: switchboard\nsn: service\nuserPassword: ${SERVICE_PASSWORD}`,
    // An AD entry's own musts (instanceType, objectCategory, nTSecurityDescriptor) are filler; extensibleObject admits
    // sAMAccountName, which msuser.schema puts in no class.
    ...people.map((p) =>
      p.ad
        ? `dn: ${dnOf(p)}\nobjectClass: user\nobjectClass: extensibleObject\ninstanceType: 4\nobjectCategory: cn=Person,cn=Schema,${SUFFIX}\nnTSecurityDescriptor:: AQAEgA==\ncn: ${p.uid}\nsn: ${p.uid}\nsAMAccountName: ${p.uid}\nuserAccountControl: ${p.ad.userAccountControl}\nuserPassword: ${p.password}`
        : `dn: ${dnOf(p)}\nobjectClass: inetOrgPerson\nuid:: ${Buffer.from(p.uid).toString('base64')}\ncn: ${p.uid}\nsn: ${p.uid}\nuserPassword: ${p.password}`,
    ),
    ...groups.map((g) => {
      const members = people.filter((p) => p.groups.includes(g)).map((p) => `member: ${dnOf(p)}`);
      // groupOfNames needs a member: the service account stands in for an empty group.
      return `dn: cn=${g},${GROUPS}\nobjectClass: groupOfNames\ncn: ${g}\n${(members.length ? members : [`member: ${SERVICE_DN}`]).join('\n')}`;
    }),
  ];
  return `${out.join('\n\n')}\n`;
}

function config(dir: string): string {
  return `include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema
include /etc/ldap/schema/msuser.schema
modulepath /usr/lib/ldap
moduleload back_mdb
pidfile ${dir}/slapd.pid
TLSCACertificateFile ${dir}/ca.pem
TLSCertificateFile ${dir}/server.pem
TLSCertificateKeyFile ${dir}/server.key
TLSProtocolMin 3.3
database mdb
maxsize 16777216
suffix "${SUFFIX}"
rootdn "${ROOT_DN}"
rootpw "${ROOT_PASSWORD}"
directory ${dir}/db
index uid eq
index member eq
access to attrs=userPassword by self =xw by anonymous auth by * none
access to * by users read by * none
`;
}

async function reachable(port: number): Promise<boolean> {
  const socket = net.connect(port, '127.0.0.1');
  try {
    await Promise.race([once(socket, 'connect'), new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 500))]);
    return true;
  } catch {
    return false;
  } finally {
    socket.destroy();
  }
}

/** slapd with these people and groups, stopped when the test ends. */
export async function startSlapd(t: Test, people: Person[], groups: string[]): Promise<Slapd> {
  const dir = await tempDir(t, 'swb-slapd-');
  mkdirSync(path.join(dir, 'db'));
  await certificates(dir);
  writeFileSync(path.join(dir, 'slapd.conf'), config(dir));
  writeFileSync(path.join(dir, 'data.ldif'), ldif(people, groups));
  writeFileSync(path.join(dir, 'root.pw'), ROOT_PASSWORD);
  writeFileSync(path.join(dir, 'service.pw'), `${SERVICE_PASSWORD}\n`, { mode: 0o600 });
  await run('/usr/sbin/slapadd', ['-q', '-f', path.join(dir, 'slapd.conf'), '-l', path.join(dir, 'data.ldif')]);
  // Run as root, slapd still drops to an unprivileged user, which must own its files.
  const asUser = process.getuid?.() === 0 ? ['-u', 'openldap', '-g', 'openldap'] : [];
  if (asUser.length) {
    const { stdout } = await run('id', ['-u', 'openldap']);
    const uid = Number(stdout.trim());
    for (const f of [dir, path.join(dir, 'db'), ...readdirSync(path.join(dir, 'db')).map((f) => path.join(dir, 'db', f)), ...['server.key', 'server.pem', 'ca.pem', 'slapd.conf'].map((f) => path.join(dir, f))]) chownSync(f, uid, -1);
  }
  const ldapsPort = await freePort();
  const ldapPort = await freePort();
  const urls = `ldaps://127.0.0.1:${ldapsPort}/ ldap://127.0.0.1:${ldapPort}/`;
  let child: ChildProcess | null = null;
  let stderr = '';
  const start = async (): Promise<void> => {
    if (child) return;
    const c = spawn('/usr/sbin/slapd', ['-d', '0', '-f', path.join(dir, 'slapd.conf'), '-h', urls, ...asUser], { stdio: ['ignore', 'ignore', 'pipe'] });
    child = c;
    c.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    for (let i = 0; !(await reachable(ldapsPort)) || !(await reachable(ldapPort)); i++) {
      if (i > 100 || c.exitCode !== null) throw new Error(`slapd did not start: ${stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const stop = async (): Promise<void> => {
    if (!child) return;
    const c = child;
    child = null;
    if (c.exitCode === null) {
      c.kill('SIGTERM');
      await once(c, 'exit');
    }
  };
  t.teardown(stop);
  await start();
  const ldaps = `ldaps://127.0.0.1:${ldapsPort}`;
  return {
    dir,
    ldaps,
    ldap: `ldap://127.0.0.1:${ldapPort}`,
    caFile: path.join(dir, 'ca.pem'),
    otherCaFile: path.join(dir, 'other-ca.pem'),
    serviceSecretFile: path.join(dir, 'service.pw'),
    dnOf: (uid) => dnOf(people.find((p) => p.uid === uid) ?? { uid }),
    groupDn: (cn) => `cn=${cn},${GROUPS}`,
    modify: async (change) => {
      const child = spawn('ldapmodify', ['-H', ldaps, '-x', '-D', ROOT_DN, '-y', path.join(dir, 'root.pw')], { env: { ...process.env, LDAPTLS_CACERT: path.join(dir, 'ca.pem') }, stdio: ['pipe', 'ignore', 'pipe'] });
      let err = '';
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      child.stdin.end(change);
      const [code] = (await once(child, 'exit')) as [number];
      if (code !== 0) throw new Error(`ldapmodify exited ${code}: ${err}`);
    },
    stop,
    start,
  };
}
