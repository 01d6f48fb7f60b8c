import { readFileSync } from 'node:fs';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { parse as parseYaml } from 'yaml';
import { SwitchboardError } from '../common/errors.js';
import { HUMAN_ROLES, SERVICE_ROLES } from '../domain/access/roles.js';

/**
 * The declarative description of a box. Secrets are never written in it: each is
 * a reference to a file (Ansible renders it from Vault, mode 0600) or an
 * environment variable. Later sections (extensions, trunks, channels, recording)
 * join this schema as their issues land.
 */
const SecretRef = Type.Union([Type.Object({ file: Type.String({ minLength: 1 }) }, { additionalProperties: false }), Type.Object({ env: Type.String({ pattern: '^[A-Z_][A-Z0-9_]*$' }) }, { additionalProperties: false })], {
  description: '{file: PATH} or {env: NAME}; secrets are never written in the document',
});

const UserDecl = Type.Object(
  {
    username: Type.String({ minLength: 2, maxLength: 64 }),
    role: Type.Union(HUMAN_ROLES.map((r) => Type.Literal(r))),
    department: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 64 }), Type.Null()])),
    password: SecretRef,
    totpSecret: Type.Optional(SecretRef),
    disabled: Type.Optional(Type.Boolean()),
    /** The SIP extension the user answers: their calls' recordings. Absent: none. */
    extension: Type.Optional(Type.Union([Type.String({ pattern: '^[0-9]{2,8}$' }), Type.Null()], { description: '2-8 digits, or null' })),
  },
  { additionalProperties: false },
);

const TokenDecl = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 64 }),
    role: Type.Union(SERVICE_ROLES.map((r) => Type.Literal(r))),
    token: SecretRef,
  },
  { additionalProperties: false },
);

const DepartmentDecl = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 64 }),
    record: Type.Optional(Type.Boolean()),
    announce: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const ProvisionSchema = Type.Object(
  {
    version: Type.Literal(1, { description: 'the document format version, 1' }),
    /** Disable users and revoke tokens the document does not name. Off by default: a CLI-made admin survives. */
    prune: Type.Boolean({ default: false }),
    /** A name, or a name with its recording policy (sip/registrar/provisioned-departments.ts). */
    departments: Type.Array(Type.Union([Type.String({ minLength: 1, maxLength: 64 }), DepartmentDecl], { description: 'a department name or {name, record, announce}' }), { default: [] }),
    users: Type.Array(UserDecl, { default: [] }),
    serviceTokens: Type.Array(TokenDecl, { default: [] }),
    /** Messenger channels: checked by the gateway's own rules (gateway/provisioned.ts). */
    channels: Type.Array(Type.Unknown(), { default: [] }),
    /** SIP extensions: checked by the registrar's own rules (sip/registrar/provisioned-extensions.ts). */
    extensions: Type.Array(Type.Unknown(), { default: [] }),
  },
  { additionalProperties: false },
);

export type ProvisionDoc = Static<typeof ProvisionSchema>;
export type SecretReference = Static<typeof SecretRef>;
export type DepartmentDeclaration = Static<typeof DepartmentDecl>;

/** The declared departments, each as a name with its policy (a bare name records nothing). */
export function departmentPolicies(doc: Pick<ProvisionDoc, 'departments'>): Array<{ name: string; record: boolean; announce: boolean }> {
  return doc.departments.map((d) => (typeof d === 'string' ? { name: d, record: false, announce: false } : { name: d.name, record: d.record ?? false, announce: d.announce ?? false }));
}


export function loadDocument(file: string): ProvisionDoc {
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new SwitchboardError('SWB_ERR_CONFIG_INVALID', `${file}: ${(err as Error).message.split('\n')[0]}`, undefined, { cause: err });
  }
  const doc = Value.Default(ProvisionSchema, raw ?? {});
  const first = Value.Errors(ProvisionSchema, doc).First();
  if (first) {
    const key = first.path.replace(/^\//, '').replace(/\//g, '.') || '(root)';
    throw new SwitchboardError('SWB_ERR_CONFIG_INVALID', `${file}: ${key}: got ${JSON.stringify(first.value) ?? 'nothing'}, expected ${(first.schema as { description?: string }).description ?? first.message}`);
  }
  checkUnique(file, (doc as ProvisionDoc).users.map((u) => u.username.toLowerCase()), 'users', 'username');
  checkUnique(file, (doc as ProvisionDoc).serviceTokens.map((t) => t.name), 'serviceTokens', 'name');
  checkUniqueExtensions(file, (doc as ProvisionDoc).users);
  const d = doc as ProvisionDoc;
  const departments = departmentPolicies(d).map((p) => p.name);
  checkUnique(file, departments, 'departments', 'name');
  for (const [i, u] of d.users.entries()) {
    if (u.department && !departments.includes(u.department)) {
      throw new SwitchboardError('SWB_ERR_CONFIG_INVALID', `${file}: users.${i}.department: got ${JSON.stringify(u.department)}, expected one of departments (${departments.join(', ') || 'none declared'})`);
    }
  }
  return d;
}

function checkUnique(file: string, values: string[], section: string, key: string): void {
  const seen = new Set<string>();
  for (const [i, v] of values.entries()) {
    if (seen.has(v)) throw new SwitchboardError('SWB_ERR_CONFIG_INVALID', `${file}: ${section}.${i}.${key}: ${JSON.stringify(v)} is declared twice`);
    seen.add(v);
  }
}

function checkUniqueExtensions(file: string, users: ProvisionDoc['users']): void {
  const holder = new Map<string, string>();
  for (const [i, u] of users.entries()) {
    if (!u.extension) continue;
    const other = holder.get(u.extension);
    if (other) throw new SwitchboardError('SWB_ERR_CONFIG_INVALID', `${file}: users.${i}.extension: ${u.extension} is already user ${other}'s; one extension belongs to one user`);
    holder.set(u.extension, u.username);
  }
}

