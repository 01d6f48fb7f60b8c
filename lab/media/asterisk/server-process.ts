import { accessSync, constants, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SwitchboardError } from '../../../common/errors.js';
import { PeerProcess } from '../peer-process.js';
import { ASTERISK_RUNTIME_PACKAGES, ASTERISK_WRITABLE, asteriskConfigFiles, type AsteriskConfigOptions } from './server-config.js';

/** Asterisk run from a read-only prefix with a generated configuration under one work directory. */
export interface AsteriskStart extends Omit<AsteriskConfigOptions, 'recordingsDir'> {
  timeoutMs?: number;
  /** Replaces or adds configuration files (name -> contents): Asterisk in another role, e.g. a phone registering elsewhere. */
  files?: Record<string, string>;
}

export interface RunningAsterisk {
  process: PeerProcess;
  recordingsDir: string;
  logDir: string;
}

export function missingAsteriskMessage(prefix: string): string {
  return [
    `Asterisk was not found at ${prefix} (sbin/asterisk, lib/modules/ and data/).`,
    'Set ASTERISK_PREFIX to an Asterisk 22 build (shared/peers/asterisk, see shared/peers/README.md),',
    `with its runtime packages: apt-get install ${ASTERISK_RUNTIME_PACKAGES.join(' ')}`,
  ].join(' ');
}

export async function startAsterisk(o: AsteriskStart): Promise<RunningAsterisk> {
  const binary = path.join(o.prefix, 'sbin', 'asterisk');
  try {
    accessSync(binary, constants.X_OK);
    accessSync(path.join(o.prefix, 'lib', 'modules', 'app_mixmonitor.so'));
    accessSync(path.join(o.prefix, 'data'));
  } catch {
    throw new SwitchboardError('SWB_ERR_PEER_MISSING', missingAsteriskMessage(o.prefix));
  }
  for (const sub of Object.values(ASTERISK_WRITABLE)) mkdirSync(path.join(o.workDir, sub), { recursive: true });
  const recordingsDir = path.join(o.workDir, 'recordings');
  mkdirSync(recordingsDir, { recursive: true });
  const etc = path.join(o.workDir, ASTERISK_WRITABLE.astetcdir);
  for (const [name, text] of Object.entries({ ...asteriskConfigFiles({ ...o, recordingsDir }), ...o.files })) writeFileSync(path.join(etc, name), text, { mode: 0o600 });
  // -f: foreground (the parent owns it); -n: no colour; -q: quiet console; -C: our asterisk.conf.
  const proc = await PeerProcess.start({
    name: 'Asterisk',
    binary,
    args: ['-C', path.join(etc, 'asterisk.conf'), '-f', '-n', '-q'],
    cwd: o.workDir,
    runtimePackages: ASTERISK_RUNTIME_PACKAGES,
    control: { host: '127.0.0.1', port: o.amiPort, greeting: 'Asterisk Call Manager' },
    timeoutMs: o.timeoutMs ?? 60_000,
  });
  return { process: proc, recordingsDir, logDir: path.join(o.workDir, ASTERISK_WRITABLE.astlogdir) };
}
