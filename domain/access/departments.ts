import type { Store } from '../store/store.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { ActionContext } from './users.js';

/** The firm's departments: routing targets for conversations and (later) ring groups. */
export class Departments {
  constructor(
    private readonly store: Store,
    private readonly audit: AuditLog,
  ) {}

  list(): string[] {
    return (this.store.db<string[]>('meta').get('departments') ?? []) as string[];
  }

  /** Only inside store.write(). */
  setInTxn(names: string[], ctx: ActionContext): void {
    const before = this.list();
    this.store.db<string[]>('meta').putSync('departments', [...names]);
    this.audit.append({ ...ctx, action: 'department.set', target: 'departments', details: { added: names.filter((n) => !before.includes(n)), removed: before.filter((n) => !names.includes(n)) } });
  }
}
