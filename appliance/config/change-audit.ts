import { createHash } from 'node:crypto';
import type { Store } from '../../domain/store/store.js';
import type { AuditLog } from '../../domain/audit/audit-log.js';
import type { Config } from './schema.js';

/**
 * The config file is edited outside the appliance, so its changes are audited at
 * start: each key's value is fingerprinted (never stored: later sections hold
 * secrets) and the keys whose fingerprint moved since the last start are
 * recorded as one config.change.
 */
function flatten(value: unknown, prefix: string, out: Record<string, string>): Record<string, string> {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else {
    out[prefix] = createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 16);
  }
  return out;
}

export async function auditConfigChange(store: Store, audit: AuditLog, config: Config, source: string): Promise<string[]> {
  const now = flatten(config, '', {});
  return store.write(() => {
    const meta = store.db<Record<string, string>>('meta');
    const before = meta.get('configFingerprint');
    const keys = [...new Set([...Object.keys(now), ...Object.keys(before ?? {})])].filter((k) => before?.[k] !== now[k]).sort();
    if (before && keys.length === 0) return [];
    meta.putSync('configFingerprint', now);
    if (before) audit.append({ actor: 'system', source, action: 'config.change', target: 'config', details: { keys } });
    return before ? keys : [];
  });
}
