import { accessSync, constants, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SwitchboardError } from '../../../common/errors.js';
import { libraryLinkShim, PeerProcess } from '../peer-process.js';
import { FREESWITCH_RUNTIME_PACKAGES, freeswitchConfigXml, type FreeswitchConfigOptions } from './server-config.js';

/**
 * FreeSWITCH run from a read-only prefix (the peers build, or an install):
 * every writable directory is given on the command line and lives under one
 * work directory, so a test or a lab box leaves nothing behind in the prefix.
 */
export interface FreeswitchStart extends Omit<FreeswitchConfigOptions, 'recordingsDir' | 'logFile'> {
  prefix: string;
  workDir: string;
  timeoutMs?: number;
}

export interface RunningFreeswitch {
  process: PeerProcess;
  workDir: string;
  recordingsDir: string;
  logFile: string;
}

export function missingFreeswitchMessage(prefix: string): string {
  return [
    `FreeSWITCH was not found at ${prefix} (bin/freeswitch and lib/mod/).`,
    'Set FREESWITCH_PREFIX to a FreeSWITCH 1.10 build (shared/peers/freeswitch, see shared/peers/README.md),',
    `with its runtime packages: apt-get install ${FREESWITCH_RUNTIME_PACKAGES.join(' ')}`,
  ].join(' ');
}

export async function startFreeswitch(o: FreeswitchStart): Promise<RunningFreeswitch> {
  const binary = path.join(o.prefix, 'bin', 'freeswitch');
  try {
    accessSync(binary, constants.X_OK);
    accessSync(path.join(o.prefix, 'lib', 'mod', 'mod_event_socket.so'));
  } catch {
    throw new SwitchboardError('SWB_ERR_PEER_MISSING', missingFreeswitchMessage(o.prefix));
  }
  const dir = (name: string): string => {
    const p = path.join(o.workDir, name);
    mkdirSync(p, { recursive: true });
    return p;
  };
  const conf = dir('conf');
  const recordingsDir = dir('recordings');
  const logFile = path.join(dir('log'), 'freeswitch.log');
  writeFileSync(path.join(conf, 'freeswitch.xml'), freeswitchConfigXml({ ...o, recordingsDir, logFile }), { mode: 0o600 });
  const args = ['-nf', '-nc', '-nonat', '-base', o.workDir, '-conf', conf, '-log', dir('log'), '-db', dir('db'), '-mod', path.join(o.prefix, 'lib', 'mod')];
  args.push('-run', dir('run'), '-cache', dir('cache'), '-storage', dir('storage'), '-recordings', recordingsDir, '-sounds', dir('sounds'), '-temp', dir('temp'));
  const shim = libraryLinkShim(path.join(o.prefix, 'lib'), path.join(o.workDir, 'libshim'));
  const proc = await PeerProcess.start({
    ...(shim ? { env: { LD_LIBRARY_PATH: [shim, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':') } } : {}),
    name: 'FreeSWITCH',
    binary,
    args,
    cwd: o.workDir,
    runtimePackages: FREESWITCH_RUNTIME_PACKAGES,
    control: { host: '127.0.0.1', port: o.eslPort, greeting: 'Content-Type: auth/request' },
    timeoutMs: o.timeoutMs ?? 30_000,
  });
  return { process: proc, workDir: o.workDir, recordingsDir, logFile };
}
