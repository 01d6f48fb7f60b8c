import type { Store } from '../../domain/store/store.js';
import type { AuditLog } from '../../domain/audit/audit-log.js';
import type { ActionContext } from '../../domain/access/users.js';

/** A department's recording policy as `provision apply` stores it (meta `sipDepartments`). */
export interface ProvisionedDepartment {
  name: string;
  record: boolean;
  announce: boolean;
}

const KEY = 'sipDepartments';

/**
 * The recording policy of provisioned departments. The names themselves stay
 * in access.departments (users' departments refer to them); this keeps only
 * the policy, read at each call so an apply beside the running appliance
 * takes effect at once.
 */
export class ProvisionedDepartments {
  constructor(
    private readonly store: Store,
    private readonly audit: AuditLog,
  ) {}

  private get meta() {
    return this.store.db<ProvisionedDepartment[], string>('meta');
  }

  list(): ProvisionedDepartment[] {
    return (this.meta.get(KEY) ?? []) as ProvisionedDepartment[];
  }

  get(name: string): ProvisionedDepartment | undefined {
    return this.list().find((d) => d.name === name);
  }

  /** Only inside store.write(). Audited with the policy it sets. */
  setInTxn(dep: ProvisionedDepartment, ctx: ActionContext): void {
    const rest = this.list().filter((d) => d.name !== dep.name);
    this.meta.putSync(KEY, [...rest, { name: dep.name, record: dep.record, announce: dep.announce }]);
    this.audit.append({ ...ctx, action: 'department.set', target: `department:${dep.name}`, details: { record: dep.record, announce: dep.announce } });
  }

  /** Only inside store.write(). */
  removeInTxn(name: string, ctx: ActionContext): void {
    this.meta.putSync(KEY, this.list().filter((d) => d.name !== name));
    this.audit.append({ ...ctx, action: 'department.set', target: `department:${name}`, details: { removed: true } });
  }
}
