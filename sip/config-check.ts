import { closeSync, openSync, readSync } from 'node:fs';
import { isIP } from 'node:net';
import { SwitchboardError } from '../common/errors.js';
import { parseNetworks } from '../common/address-allow.js';
import type { SipConfig, ExtensionConfig, TrunkConfig, DepartmentConfig } from './config.js';

/** The telephony keys of a validated configuration. */
export interface SipKeys {
  sip: SipConfig;
  extensions: ExtensionConfig[];
  trunks: TrunkConfig[];
  departments?: DepartmentConfig[];
  /** The announcement of recorded calls (media.announcement), checked against the backend that plays it. */
  media?: { backend: string; announcement: { file: string | null }; musicOnHold?: { file: string | null } };
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
  checkSipTls(config, source);
  const d = config.sip.drachtio;
  if (d.reconnectMinMs > d.reconnectMaxMs) invalid(source, 'sip.drachtio.reconnectMinMs', d.reconnectMinMs, `at most reconnectMaxMs (${d.reconnectMaxMs})`);
  try {
    parseNetworks(config.sip.protection.trusted);
  } catch (err) {
    invalid(source, 'sip.protection.trusted', config.sip.protection.trusted, `addresses or CIDRs (${(err as Error).message})`);
  }
  const names = new Set<string>();
  (config.departments ?? []).forEach((d, i) => {
    if (names.has(d.name)) invalid(source, `departments.${i}.name`, d.name, 'a name not declared twice');
    names.add(d.name);
  });
  if (config.media) checkWav(config.media.announcement.file, 'media.announcement.file', source);
  if (config.media?.musicOnHold) checkWav(config.media.musicOnHold.file, 'media.musicOnHold.file', source);
  const fb = config.sip.calls.fallback;
  if (fb !== null && /^[0-9]+$/.test(fb) && config.extensions.length > 0 && !numbers.has(fb)) {
    // Provisioned extensions may add it later, so only a number clearly absent from a non-empty list is refused.
    invalid(source, 'sip.calls.fallback', fb, 'a configured extension number or a department');
  }
}

/** Either the admin's pair or the box's own certificate, never half of one; a tls-only extension needs TLS to reach it. */
function checkSipTls(config: SipKeys, source: string): void {
  const tls = config.sip.tls;
  if (tls !== null && tls !== undefined && typeof tls === 'object') {
    const files = tls.cert !== undefined || tls.key !== undefined;
    if (tls.selfSigned && files) invalid(source, 'sip.tls', tls, '{cert, key} or {selfSigned: true}, not both');
    if (!tls.selfSigned && (tls.cert === undefined || tls.key === undefined)) invalid(source, `sip.tls.${tls.cert === undefined ? 'cert' : 'key'}`, undefined, 'cert and key together (PEM file paths), or selfSigned: true');
  }
  const tlsOnly = config.extensions.findIndex((e) => e.transport === 'tls-only');
  if (tlsOnly >= 0 && config.sip.enabled && (tls === null || tls === undefined)) {
    invalid(source, `extensions.${tlsOnly}.transport`, 'tls-only', '"any" while sip.tls is off (the extension could never register)');
  }
}

/** A file the media server plays must be a WAV it can read now: a typo found at start, not at the first recorded call. */
function checkWav(file: string | null, key: string, source: string): void {
  if (file === null) return;
  if (!file.startsWith('/')) invalid(source, key, file, "an absolute path (the media server resolves it, not the appliance's directory)");
  // Both servers pick the format by the extension; FreeSWITCH's api line is split on spaces.
  if (!/^[^\s]+\.wav$/i.test(file)) invalid(source, key, file, 'a path ending in .wav, without spaces');
  const head = Buffer.alloc(12);
  let fd: number | null = null;
  try {
    fd = openSync(file, 'r');
    readSync(fd, head, 0, 12, 0);
  } catch (err) {
    invalid(source, key, file, `a readable WAV file (${(err as NodeJS.ErrnoException).code ?? 'unreadable'})`);
  } finally {
    if (fd !== null) closeSync(fd);
  }
  if (head.toString('latin1', 0, 4) !== 'RIFF' || head.toString('latin1', 8, 12) !== 'WAVE') invalid(source, key, file, 'a WAV file (RIFF/WAVE header)');
}
