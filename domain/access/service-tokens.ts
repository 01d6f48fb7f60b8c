import { randomBytes } from 'node:crypto';
import { SwitchboardError } from '../../common/errors.js';
import type { Store } from '../store/store.js';
import type { AuditLog } from '../audit/audit-log.js';
import { hashSecret, newSecret } from './secrets.js';
import type { ServiceRole } from './roles.js';
import type { ActionContext } from './users.js';

export interface ServiceTokenRecord {
  id: string;
  role: ServiceRole;
  name: string;
  createdAt: string;
  createdBy: string;
  expiresAt: string | null;
}

/** Machine credentials (Prometheus, CRM integrations): long-lived, revocable, shown once. */
export class ServiceTokenService {
  constructor(
    private readonly store: Store,
    private readonly audit: AuditLog,
  ) {}

  private get db() {
    return this.store.db<ServiceTokenRecord, string>('tokens');
  }

  async create(input: { role: ServiceRole; name: string; ttlDays?: number | undefined }, ctx: ActionContext): Promise<{ token: string; record: ServiceTokenRecord }> {
    const token = newSecret('swbt');
    const record: ServiceTokenRecord = {
      id: randomBytes(6).toString('hex'),
      role: input.role,
      name: input.name,
      createdAt: new Date().toISOString(),
      createdBy: ctx.actor,
      expiresAt: input.ttlDays ? new Date(Date.now() + input.ttlDays * 86_400_000).toISOString() : null,
    };
    await this.store.write(() => {
      this.db.putSync(hashSecret(token), record);
      this.audit.append({ ...ctx, action: 'token.create', target: `token:${record.id}`, details: { role: record.role, name: record.name, expiresAt: record.expiresAt } });
    });
    return { token, record };
  }

  /** [hash, record] pairs, for provisioning to match declared tokens by name and secret. */
  entries(): Array<[string, ServiceTokenRecord]> {
    return [...this.db.getRange({})].map(({ key, value }) => [key, value]);
  }

  /** Only inside store.write(): a token whose secret was supplied (provisioning), stored by its hash. */
  putInTxn(secret: string, input: { role: ServiceRole; name: string }, ctx: ActionContext): ServiceTokenRecord {
    const record: ServiceTokenRecord = { id: randomBytes(6).toString('hex'), role: input.role, name: input.name, createdAt: new Date().toISOString(), createdBy: ctx.actor, expiresAt: null };
    this.db.putSync(hashSecret(secret), record);
    this.audit.append({ ...ctx, action: 'token.create', target: `token:${record.id}`, details: { role: record.role, name: record.name } });
    return record;
  }

  /** Only inside store.write(). */
  removeInTxn(hash: string, ctx: ActionContext): void {
    const rec = this.db.get(hash);
    if (!rec) return;
    this.db.removeSync(hash);
    this.audit.append({ ...ctx, action: 'token.revoke', target: `token:${rec.id}`, details: { name: rec.name } });
  }

  resolve(token: string, now = Date.now()): ServiceTokenRecord | null {
    const rec = this.db.get(hashSecret(token));
    if (!rec) return null;
    if (rec.expiresAt && Date.parse(rec.expiresAt) <= now) return null;
    return rec;
  }

  list(): ServiceTokenRecord[] {
    return [...this.db.getRange({})].map(({ value }) => value);
  }

  async revoke(id: string, ctx: ActionContext): Promise<void> {
    await this.store.write(() => {
      for (const { key, value } of this.db.getRange({})) {
        if (value.id !== id) continue;
        this.db.removeSync(key);
        this.audit.append({ ...ctx, action: 'token.revoke', target: `token:${id}` });
        return;
      }
      throw new SwitchboardError('SWB_ERR_NOT_FOUND', `token ${id}`);
    });
  }
}
