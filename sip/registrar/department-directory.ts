import type { DepartmentConfig } from '../config.js';
import type { PolicyFlags } from '../calls/recording-policy.js';
import type { ProvisionedDepartments } from './provisioned-departments.js';

/**
 * Departments' recording policy: those in the configuration file plus those a
 * provisioning document put in the store (read at each lookup). On a name
 * declared in both, the configuration file wins, as for extensions
 * (directory.ts): it is the one an admin edited on the box.
 */
export class DepartmentDirectory {
  private readonly fromConfig: Map<string, DepartmentConfig>;

  constructor(
    private readonly provisioned: ProvisionedDepartments,
    configured: DepartmentConfig[],
  ) {
    this.fromConfig = new Map(configured.map((d) => [d.name, d]));
  }

  policy(name: string): (PolicyFlags & { source: 'config' | 'provisioning' }) | undefined {
    const c = this.fromConfig.get(name);
    if (c) return { record: c.record, announce: c.announce, source: 'config' };
    const p = this.provisioned.get(name);
    return p ? { record: p.record, announce: p.announce, source: 'provisioning' } : undefined;
  }
}
