import { SwitchboardError } from '../common/errors.js';
import type { Access } from '../domain/access/access.js';
import type { UserPatch, UserRecord } from '../domain/access/users.js';
import { hashSecret, kindOf } from '../domain/access/secrets.js';
import type { ServiceRole } from '../domain/access/roles.js';
import { departmentPolicies, type ProvisionDoc } from './document.js';
import { resolveSecretValue } from '../common/config.js';
import type { ChannelConfig } from '../gateway/config.js';
import { checkProvisionedChannels, type ProvisionedChannels } from '../gateway/provisioned.js';
import { checkProvisionedExtensions, type ProvisionedExtension, type ProvisionedExtensions } from '../sip/registrar/provisioned-extensions.js';
import type { ProvisionedDepartment, ProvisionedDepartments } from '../sip/registrar/provisioned-departments.js';

export type Change =
  | { kind: 'departments'; to: string[]; from: string[] }
  | { kind: 'department.policy'; policy: ProvisionedDepartment; from: ProvisionedDepartment | null }
  | { kind: 'department.policy.remove'; name: string }
  | { kind: 'user.create'; record: UserRecord; totpGenerated: boolean }
  | { kind: 'user.update'; username: string; patch: UserPatch; from: UserPatch }
  | { kind: 'user.password'; username: string; passwordHash: string }
  | { kind: 'user.totp'; username: string; secret: string }
  | { kind: 'user.disable'; username: string }
  | { kind: 'token.create'; name: string; role: ServiceRole; secret: string }
  | { kind: 'token.revoke'; name: string; hash: string }
  | { kind: 'channel.set'; channel: ChannelConfig; existed: boolean }
  | { kind: 'channel.remove'; id: string }
  | { kind: 'extension.set'; extension: ProvisionedExtension; existed: boolean }
  | { kind: 'extension.remove'; number: string };

const TOTP_SECRET = /^[A-Z2-7]{16,}$/;

/**
 * Everything the apply would do, worked out before any write: secrets read,
 * passwords checked against the policy and hashed. A bad entry anywhere refuses
 * the whole document here, so nothing is applied halfway.
 */
export async function planChanges(doc: ProvisionDoc, access: Access, file: string, env: NodeJS.ProcessEnv = process.env, channels?: ProvisionedChannels, extensions?: ProvisionedExtensions, departmentPolicy?: ProvisionedDepartments): Promise<Change[]> {
  const changes: Change[] = [];
  // Checked first: a bad channel refuses the whole document before anything else is planned.
  const declaredChannels = checkProvisionedChannels(doc.channels, file, env);
  const declaredExtensions = checkProvisionedExtensions(doc.extensions, file, env);
  const current = access.departments.list();
  const declaredDepartments = departmentPolicies(doc);
  const departmentNames = declaredDepartments.map((d) => d.name);
  if (current.join('\n') !== departmentNames.join('\n')) changes.push({ kind: 'departments', from: current, to: departmentNames });
  changes.push(...planDepartmentPolicies(declaredDepartments, departmentPolicy));

  for (const [i, u] of doc.users.entries()) {
    const where = `${file}: users.${i} (${u.username})`;
    const password = resolveSecretValue(u.password, `${where}.password`, env);
    const totpSecret = u.totpSecret ? resolveSecretValue(u.totpSecret, `${where}.totpSecret`, env).toUpperCase() : null;
    if (totpSecret !== null && !TOTP_SECRET.test(totpSecret)) throw new SwitchboardError('SWB_ERR_CONFIG_INVALID', `${where}.totpSecret: expected base32 of at least 16 characters`);
    const existing = access.users.get(u.username);
    try {
      access.users.passwords.check(password);
    } catch (err) {
      throw new SwitchboardError('SWB_ERR_WEAK_PASSWORD', `${where}.password: ${(err as SwitchboardError).message}`);
    }
    if (!existing) {
      const record = await access.users.prepare({ username: u.username, password, role: u.role, department: u.department ?? null, extension: u.extension ?? null, totpSecret });
      if (u.disabled) record.disabled = true;
      changes.push({ kind: 'user.create', record, totpGenerated: totpSecret === null && record.totp !== null });
      continue;
    }
    const want: UserPatch = { role: u.role, department: u.department ?? null, disabled: u.disabled ?? false, extension: u.extension ?? null };
    const patch: UserPatch = {};
    const from: UserPatch = {};
    for (const key of ['role', 'department', 'disabled', 'extension'] as const) {
      if (existing[key] !== want[key]) {
        Object.assign(patch, { [key]: want[key] });
        Object.assign(from, { [key]: existing[key] });
      }
    }
    if (Object.keys(patch).length) changes.push({ kind: 'user.update', username: existing.username, patch, from });
    if (!(await access.users.passwords.verify(existing.passwordHash, password))) {
      changes.push({ kind: 'user.password', username: existing.username, passwordHash: await access.users.passwords.hash(password) });
    }
    if (totpSecret !== null && existing.totp?.secret !== totpSecret) changes.push({ kind: 'user.totp', username: existing.username, secret: totpSecret });
  }

  const declared = new Set(doc.users.map((u) => u.username.toLowerCase()));
  checkExtensionHolders(doc, access, declared, file);
  if (doc.prune) for (const u of access.users.list()) if (!declared.has(u.username) && !u.disabled) changes.push({ kind: 'user.disable', username: u.username });

  const tokens = access.tokens.entries();
  for (const [i, t] of doc.serviceTokens.entries()) {
    const where = `${file}: serviceTokens.${i} (${t.name})`;
    const secret = resolveSecretValue(t.token, `${where}.token`, env);
    if (kindOf(secret) !== 'swbt' || secret.length < 48) throw new SwitchboardError('SWB_ERR_CONFIG_INVALID', `${where}.token: expected swbt_ followed by at least 43 random characters`);
    const hash = hashSecret(secret);
    const same = tokens.find(([h, r]) => r.name === t.name && h === hash && r.role === t.role);
    if (same) continue;
    // A new secret or role for a declared name replaces the old token: only one is ever valid.
    for (const [h, r] of tokens) if (r.name === t.name) changes.push({ kind: 'token.revoke', name: r.name, hash: h });
    changes.push({ kind: 'token.create', name: t.name, role: t.role, secret });
  }
  const names = new Set(doc.serviceTokens.map((t) => t.name));
  if (doc.prune) for (const [h, r] of tokens) if (!names.has(r.name)) changes.push({ kind: 'token.revoke', name: r.name, hash: h });

  const stored = new Map((channels?.list() ?? []).map((c) => [c.id, c]));
  for (const c of declaredChannels) {
    const before = stored.get(c.id);
    if (!before || JSON.stringify(before) !== JSON.stringify(c)) changes.push({ kind: 'channel.set', channel: c, existed: before !== undefined });
  }
  const channelIds = new Set(declaredChannels.map((c) => c.id));
  if (doc.prune) for (const id of stored.keys()) if (!channelIds.has(id)) changes.push({ kind: 'channel.remove', id });

  const storedExt = new Map((extensions?.list() ?? []).map((e) => [e.number, e]));
  for (const e of declaredExtensions) {
    const before = storedExt.get(e.number);
    // Stored before `announce` existed: the same as announce: false, not a change.
    if (!before || JSON.stringify({ ...before, announce: before.announce ?? false }) !== JSON.stringify(e)) changes.push({ kind: 'extension.set', extension: e, existed: before !== undefined });
  }
  const numbers = new Set(declaredExtensions.map((e) => e.number));
  if (doc.prune) for (const n of storedExt.keys()) if (!numbers.has(n)) changes.push({ kind: 'extension.remove', number: n });
  return changes;
}

/** An extension the document gives a user must not stay with a user the document does not declare (prune disables, it does not clear). */
function checkExtensionHolders(doc: ProvisionDoc, access: Access, declared: Set<string>, file: string): void {
  for (const [i, u] of doc.users.entries()) {
    const holder = u.extension ? access.users.holderOf(u.extension, u.username.toLowerCase()) : null;
    if (holder && !declared.has(holder)) {
      throw new SwitchboardError('SWB_ERR_CONFLICT', `${file}: users.${i}.extension: ${u.extension!} belongs to user ${holder}, whom the document does not declare; clear it there first`);
    }
  }
}

/** A policy stored for each declared department that records or announces or had one; removed with its department. */
function planDepartmentPolicies(declared: ProvisionedDepartment[], store: ProvisionedDepartments | undefined): Change[] {
  const out: Change[] = [];
  const stored = new Map((store?.list() ?? []).map((d) => [d.name, d]));
  for (const d of declared) {
    const before = stored.get(d.name) ?? null;
    const same = before ? before.record === d.record && before.announce === d.announce : !d.record && !d.announce;
    if (!same) out.push({ kind: 'department.policy', policy: d, from: before });
  }
  const names = new Set(declared.map((d) => d.name));
  for (const name of stored.keys()) if (!names.has(name)) out.push({ kind: 'department.policy.remove', name });
  return out;
}

/** One line a person reads per change; never a secret. */
export function describe(c: Change): string {
  switch (c.kind) {
    case 'departments':
      return `~ departments: [${c.from.join(', ')}] -> [${c.to.join(', ')}]`;
    case 'department.policy': {
      const flags = (p: { record: boolean; announce: boolean } | null) => (p ? `record ${p.record}, announce ${p.announce}` : 'record false, announce false');
      return `~ department ${c.policy.name}: ${flags(c.from)} -> ${flags(c.policy)}`;
    }
    case 'department.policy.remove':
      return `- department ${c.name}: recording policy`;
    case 'user.create':
      return `+ user ${c.record.username} (${c.record.role}${c.record.department ? `, ${c.record.department}` : ''}${c.record.extension ? `, extension ${c.record.extension}` : ''}${c.record.disabled ? ', disabled' : ''})`;
    case 'user.update':
      return `~ user ${c.username}: ${Object.keys(c.patch).map((k) => `${k} ${String(c.from[k as keyof UserPatch])} -> ${String(c.patch[k as keyof UserPatch])}`).join(', ')}`;
    case 'user.password':
      return `~ user ${c.username}: password`;
    case 'user.totp':
      return `~ user ${c.username}: TOTP secret (to be confirmed at the next sign-in)`;
    case 'user.disable':
      return `- user ${c.username}: disabled (not in the document, prune is on)`;
    case 'token.create':
      return `+ token ${c.name} (${c.role})`;
    case 'token.revoke':
      return `- token ${c.name}`;
    case 'channel.set':
      return `${c.existed ? '~' : '+'} channel ${c.channel.id} (${c.channel.type}; takes effect at the next start)`;
    case 'channel.remove':
      return `- channel ${c.id} (takes effect at the next start)`;
    case 'extension.set':
      return `${c.existed ? '~' : '+'} extension ${c.extension.number}${c.extension.department ? ` (${c.extension.department})` : ''}`;
    case 'extension.remove':
      return `- extension ${c.number}`;
  }
}
