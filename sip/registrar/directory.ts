import type { Store } from '../../domain/store/store.js';
import type { ExtensionConfig } from '../config.js';
import { resolveSecretValue } from '../../common/config.js';
import type { ProvisionedExtension } from './provisioned-extensions.js';

/** One extension as the registrar and router see it: the password resolved, ready for digest checks. */
export interface Extension {
  number: string;
  password: string;
  name: string;
  department: string | null;
  record: boolean;
  announce: boolean;
  /** tls-only: refused over UDP and TCP, rung only over TLS. */
  transport: 'any' | 'tls-only';
  /** Where it was declared: the configuration file or a provisioning document. */
  source: 'config' | 'provisioning';
}

/**
 * The extensions that may register and call: those in the configuration file
 * plus those a provisioning document put in the store (read at each lookup, so
 * a `provision apply` beside the running appliance takes effect at once). On a
 * number declared in both, the configuration file wins: it is the one an admin
 * edited on the box.
 */
export class ExtensionDirectory {
  private readonly fromConfig = new Map<string, Extension>();
  private readonly secrets = new Map<string, string>();

  constructor(
    private readonly store: Store,
    configured: ExtensionConfig[],
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    for (const [i, e] of configured.entries()) {
      this.fromConfig.set(e.number, {
        number: e.number,
        password: resolveSecretValue(e.password, `extensions.${i}.password`, env),
        name: e.name,
        department: e.department,
        record: e.record,
        announce: e.announce,
        transport: e.transport ?? 'any',
        source: 'config',
      });
    }
  }

  get(number: string): Extension | undefined {
    const c = this.fromConfig.get(number);
    if (c) return c;
    const p = this.store.db<ProvisionedExtension>('sipExtensions').get(number);
    return p ? this.resolved(p) : undefined;
  }

  all(): Extension[] {
    const out = new Map(this.fromConfig);
    for (const { key, value } of this.store.db<ProvisionedExtension, string>('sipExtensions').getRange({})) {
      if (!out.has(key)) {
        const e = this.resolved(value);
        if (e) out.set(key, e);
      }
    }
    return [...out.values()].sort((a, b) => a.number.localeCompare(b.number));
  }

  /**
   * The password behind a provisioned reference, read once per reference (a
   * REGISTER must not cost a file read); a reference that no longer resolves
   * makes the extension unknown rather than failing the request.
   */
  private resolved(p: ProvisionedExtension): Extension | undefined {
    const key = JSON.stringify(p.password);
    let password = this.secrets.get(key);
    if (password === undefined) {
      try {
        password = resolveSecretValue(p.password, `extension ${p.number} password`, this.env);
      } catch {
        return undefined;
      }
      this.secrets.set(key, password);
    }
    return { number: p.number, password, name: p.name, department: p.department, record: p.record, announce: p.announce ?? false, transport: p.transport ?? 'any', source: 'provisioning' };
  }

  inDepartment(department: string): Extension[] {
    return this.all().filter((e) => e.department === department);
  }
}
