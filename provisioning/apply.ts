import type { Store } from '../domain/store/store.js';
import type { Access } from '../domain/access/access.js';
import type { ActionContext } from '../domain/access/users.js';
import { totpUri } from '../domain/access/totp.js';
import { loadDocument } from './document.js';
import { describe, planChanges, type Change } from './plan.js';
import { AuditLog } from '../domain/audit/audit-log.js';
import { ProvisionedChannels } from '../gateway/provisioned.js';
import { ProvisionedExtensions } from '../sip/registrar/provisioned-extensions.js';
import { ProvisionedDepartments } from '../sip/registrar/provisioned-departments.js';

export interface ApplyResult {
  changes: string[];
  applied: boolean;
  /** Enrolment URIs for created users whose TOTP secret the document did not supply; shown once, never logged. */
  enrolments: Array<{ username: string; uri: string }>;
}

/**
 * Converge the store to the document in ONE transaction: either every change
 * and its audit record commits, or none does. A second apply of the same
 * document plans nothing.
 */
export async function provision(file: string, deps: { store: Store; access: Access; ctx: ActionContext; dryRun: boolean; env?: NodeJS.ProcessEnv }): Promise<ApplyResult> {
  const doc = loadDocument(file);
  const channels = new ProvisionedChannels(deps.store, deps.access.audit);
  const extensions = new ProvisionedExtensions(deps.store, deps.access.audit);
  const departments = new ProvisionedDepartments(deps.store, deps.access.audit);
  const changes = await planChanges(doc, deps.access, file, deps.env, channels, extensions, departments);
  const lines = changes.map(describe);
  if (deps.dryRun || changes.length === 0) return { changes: lines, applied: false, enrolments: [] };
  const ctx = { ...deps.ctx, actor: `${deps.ctx.actor} (provision)` };
  await deps.store.write(() => {
    for (const c of changes) applyOne(c, deps.access, ctx, channels, extensions, departments);
    // Checked once all users are written, so two declared users may swap extensions.
    deps.access.users.assertExtensionsUniqueInTxn();
  });
  const enrolments = changes
    .filter((c): c is Extract<Change, { kind: 'user.create' }> => c.kind === 'user.create' && c.totpGenerated)
    .map((c) => ({ username: c.record.username, uri: totpUri(c.record.totp!.secret, c.record.username) }));
  return { changes: lines, applied: true, enrolments };
}

function applyOne(c: Change, access: Access, ctx: ActionContext, channels: ProvisionedChannels, extensions: ProvisionedExtensions, departments: ProvisionedDepartments): void {
  switch (c.kind) {
    case 'departments':
      return access.departments.setInTxn(c.to, ctx);
    case 'department.policy':
      return departments.setInTxn(c.policy, ctx);
    case 'department.policy.remove':
      return departments.removeInTxn(c.name, ctx);
    case 'user.create':
      return access.users.insertInTxn(c.record, ctx, { via: 'provision' }, { deferExtensionCheck: true });
    case 'user.update':
      access.users.updateInTxn(c.username, c.patch, ctx, { deferExtensionCheck: true });
      if (c.patch.role !== undefined || c.patch.disabled) access.sessions.endAllForUserInTxn(c.username);
      return;
    case 'user.password':
      access.users.setPasswordHashInTxn(c.username, c.passwordHash, ctx);
      access.sessions.endAllForUserInTxn(c.username);
      return;
    case 'user.totp':
      return access.users.setTotpSecretInTxn(c.username, c.secret, ctx);
    case 'user.disable':
      access.users.updateInTxn(c.username, { disabled: true }, ctx);
      access.sessions.endAllForUserInTxn(c.username);
      return;
    case 'token.create':
      access.tokens.putInTxn(c.secret, { role: c.role, name: c.name }, ctx);
      return;
    case 'token.revoke':
      return access.tokens.removeInTxn(c.hash, ctx);
    case 'channel.set':
      return channels.setInTxn(c.channel, ctx);
    case 'channel.remove':
      return channels.removeInTxn(c.id, ctx);
    case 'extension.set':
      return extensions.setInTxn(c.extension, ctx);
    case 'extension.remove':
      return extensions.removeInTxn(c.number, ctx);
  }
}
