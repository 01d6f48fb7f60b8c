import { Value } from '@sinclair/typebox/value';
import type { Store } from '../../domain/store/store.js';
import type { AuditLog } from '../../domain/audit/audit-log.js';
import type { ActionContext } from '../../domain/access/users.js';
import { SwitchboardError } from '../../common/errors.js';
import { ExtensionSchema, type SecretValueConfig } from '../config.js';
import { resolveSecretValue } from '../../common/config.js';

/**
 * What `provision apply` stores per extension in `sipExtensions`: the password
 * as a reference ({file} or {env}), never the secret itself, as the document
 * holds it. The directory resolves it when the extension is first used.
 */
export interface ProvisionedExtension {
  number: string;
  password: Exclude<SecretValueConfig, string>;
  name: string;
  department: string | null;
  record: boolean;
  /** Absent in entries stored before announcements existed: false. */
  announce?: boolean;
  /** Absent in entries stored before tls-only existed: any. */
  transport?: 'any' | 'tls-only';
}

export class ProvisionedExtensions {
  constructor(
    private readonly store: Store,
    private readonly audit: AuditLog,
  ) {}

  private get db() {
    return this.store.db<ProvisionedExtension, string>('sipExtensions');
  }

  list(): ProvisionedExtension[] {
    return [...this.db.getRange({})].map((e) => e.value);
  }

  /** Only inside store.write(). Audited by number and fields changed, never the password reference's target. */
  setInTxn(ext: ProvisionedExtension, ctx: ActionContext): void {
    this.db.putSync(ext.number, ext);
    this.audit.append({ ...ctx, action: 'sip.extension.set', target: `extension:${ext.number}`, details: { department: ext.department, record: ext.record, announce: ext.announce ?? false, transport: ext.transport ?? 'any' } });
  }

  /** Only inside store.write(). */
  removeInTxn(number: string, ctx: ActionContext): void {
    this.db.removeSync(number);
    this.audit.append({ ...ctx, action: 'sip.extension.set', target: `extension:${number}`, details: { removed: true } });
  }
}

/**
 * The document's `extensions:` entries, checked as the config file's are, plus
 * the document's rule: the password is a reference, and it resolves now (a bad
 * document is refused whole rather than failing at the first REGISTER).
 */
export function checkProvisionedExtensions(raw: unknown[], file: string, env: NodeJS.ProcessEnv = process.env): ProvisionedExtension[] {
  const seen = new Set<string>();
  return raw.map((entry, i) => {
    const where = `${file}: extensions.${i}`;
    const e = Value.Default(ExtensionSchema, structuredClone(entry)) as ProvisionedExtension;
    const first = Value.Errors(ExtensionSchema, e).First();
    if (first) {
      throw new SwitchboardError('SWB_ERR_CONFIG_INVALID', `${where}${first.path.replace(/\//g, '.')}: got ${JSON.stringify(first.value) ?? 'nothing'}, expected ${(first.schema as { description?: string }).description ?? first.message}`);
    }
    if (typeof (e.password as unknown) === 'string') throw new SwitchboardError('SWB_ERR_CONFIG_INVALID', `${where}.password: got a secret written in the document, expected {file: PATH} or {env: NAME}`);
    if (seen.has(e.number)) throw new SwitchboardError('SWB_ERR_CONFIG_INVALID', `${where}.number: ${JSON.stringify(e.number)} is declared twice`);
    seen.add(e.number);
    resolveSecretValue(e.password, `${where}.password`, env);
    return { number: e.number, password: e.password, name: e.name, department: e.department, record: e.record, announce: e.announce ?? false };
  });
}
