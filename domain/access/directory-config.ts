import { Type, type Static } from '@sinclair/typebox';
import { SwitchboardError } from '../../common/errors.js';
import { SecretValue } from '../../common/config.js';
import { HUMAN_ROLES } from './roles.js';

/** `access.directory`: sign-in through the firm's LDAP or Active Directory (docs/security.md, "Directory sign-in"). */
export const DirectorySchema = Type.Object(
  {
    url: Type.String({ pattern: '^ldaps?://[^/?#\\s]+/?$', description: 'ldaps://HOST[:PORT], or ldap://HOST[:PORT] with startTls: true' }),
    startTls: Type.Boolean({ default: false, description: 'upgrade an ldap:// connection with StartTLS (required for ldap://)' }),
    caFile: Type.Union([Type.Null(), Type.String({ minLength: 1 })], { default: null, description: "a PEM file of the CA that signs the directory's certificate; null: the system's trusted CAs" }),
    bindDn: Type.String({ minLength: 1, description: 'the service account that searches for users and groups' }),
    bindPassword: SecretValue,
    baseDn: Type.String({ minLength: 1, description: 'where users are searched, e.g. ou=people,dc=firm,dc=example' }),
    userFilter: Type.String({
      pattern: '\\{username\\}',
      default: '(&(objectClass=person)(uid={username}))',
      description: 'an LDAP filter with {username} where the escaped sign-in name goes',
    }),
    groupBaseDn: Type.Union([Type.Null(), Type.String({ minLength: 1 })], { default: null, description: 'where groups are searched; null: baseDn' }),
    groupFilter: Type.String({
      pattern: '\\{dn\\}',
      default: '(|(member={dn})(uniqueMember={dn}))',
      description: "an LDAP filter with {dn} where the escaped user's DN goes",
    }),
    roles: Type.Array(Type.Object({ group: Type.String({ minLength: 1 }), role: Type.Union(HUMAN_ROLES.map((r) => Type.Literal(r))) }, { additionalProperties: false }), {
      minItems: 1,
      description: 'group DN -> role; the first group the user is in decides',
    }),
    departments: Type.Array(Type.Object({ group: Type.String({ minLength: 1 }), department: Type.String({ minLength: 1 }) }, { additionalProperties: false }), {
      default: [],
      description: 'group DN -> department; the first group the user is in decides; none: no department',
    }),
    syncMinutes: Type.Integer({ minimum: 1, maximum: 1440, default: 5, description: "how old a directory user's last check may be before their next request checks again" }),
    timeoutSeconds: Type.Integer({ minimum: 1, maximum: 60, default: 5, description: 'connect and operation timeout' }),
  },
  { additionalProperties: false },
);

export type DirectoryConfig = Static<typeof DirectorySchema>;

/** What the schema cannot say: the URL's scheme and StartTLS together must mean TLS, once. */
export function checkDirectoryConfig(dir: DirectoryConfig | null, source: string): void {
  if (!dir) return;
  const secure = dir.url.startsWith('ldaps://');
  if (secure !== dir.startTls) return;
  const expected = secure ? 'false: ldaps:// is TLS already' : 'true: ldap:// without StartTLS would send passwords in the clear';
  throw new SwitchboardError('SWB_ERR_CONFIG_INVALID', `${source}: access.directory.startTls: got ${dir.startTls} with url ${dir.url}, expected ${expected}`, {
    key: 'access.directory.startTls',
    value: dir.startTls,
    expected,
  });
}
