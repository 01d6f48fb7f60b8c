import { isIP } from 'node:net';
import { SwitchboardError } from '../appliance/errors.js';
import { parseNetworks } from '../appliance/http/address-allow.js';
import type { SipConfig, ExtensionConfig, TrunkConfig } from './config.js';

/** The telephony keys of a validated configuration. */
export interface SipKeys {
  sip: SipConfig;
  extensions: ExtensionConfig[];
  trunks: TrunkConfig[];
}

function invalid(source: string, key: string, value: unknown, expected: string): never {
  throw new SwitchboardError('SWB_ERR_CONFIG_INVALID', `${source}: ${key}: got ${JSON.stringify(value)}, expected ${expected}`, { key, value, expected });
}

/** Rules a JSON schema cannot say: uniqueness, address syntax, and limits that must be in order. */
export function checkSipConfig(config: SipKeys, source: string): void {
  const numbers = new Set<string>();
  config.extensions.forEach((e, i) => {
    if (numbers.has(e.number)) invalid(source, `extensions.${i}.number`, e.number, 'a number not declared twice');
    numbers.add(e.number);
  });
  const ids = new Set<string>();
  const prefixes = new Set<string>();
  config.trunks.forEach((t, i) => {
    if (ids.has(t.id)) invalid(source, `trunks.${i}.id`, t.id, 'an id not declared twice');
    ids.add(t.id);
    if (prefixes.has(t.prefix)) invalid(source, `trunks.${i}.prefix`, t.prefix, 'a prefix no other trunk uses');
    prefixes.add(t.prefix);
    if (!isIP(t.host)) invalid(source, `trunks.${i}.host`, t.host, "the provider's IP address (calls from it are recognised by address)");
    if ((t.username === undefined) !== (t.password === undefined)) invalid(source, `trunks.${i}.${t.username === undefined ? 'username' : 'password'}`, undefined, 'username and password together, or neither');
  });
  const r = config.sip.registrar;
  if (!(r.minExpires <= r.defaultExpires && r.defaultExpires <= r.maxExpires)) {
    invalid(source, 'sip.registrar.defaultExpires', r.defaultExpires, `a value from minExpires (${r.minExpires}) to maxExpires (${r.maxExpires})`);
  }
  const d = config.sip.drachtio;
  if (d.reconnectMinMs > d.reconnectMaxMs) invalid(source, 'sip.drachtio.reconnectMinMs', d.reconnectMinMs, `at most reconnectMaxMs (${d.reconnectMaxMs})`);
  try {
    parseNetworks(config.sip.protection.trusted);
  } catch (err) {
    invalid(source, 'sip.protection.trusted', config.sip.protection.trusted, `addresses or CIDRs (${(err as Error).message})`);
  }
  const fb = config.sip.calls.fallback;
  if (fb !== null && /^[0-9]+$/.test(fb) && config.extensions.length > 0 && !numbers.has(fb)) {
    // Provisioned extensions may add it later, so only a number clearly absent from a non-empty list is refused.
    invalid(source, 'sip.calls.fallback', fb, 'a configured extension number or a department');
  }
}
