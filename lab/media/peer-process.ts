import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { createConnection } from 'node:net';
import { SwitchboardError } from '../../common/errors.js';
import { ChildPeer } from '../child-peer.js';

/**
 * A media server (FreeSWITCH or Asterisk) as a child process: for lab mode and
 * the tests. On a real box systemd runs it and the appliance only connects.
 * What both need alike: spawn with captured output, say exactly what is
 * missing when it will not start (a binary, or a Debian runtime package), wait
 * until its control socket greets, and stop it for sure.
 */
export interface PeerSpawn {
  /** 'FreeSWITCH' or 'Asterisk': what the error messages call it. */
  name: string;
  binary: string;
  args: string[];
  cwd: string;
  /** Debian packages the build needs at run time, named when a shared library is missing. */
  runtimePackages: string[];
  /** Extra environment, e.g. LD_LIBRARY_PATH for a shim of library links. */
  env?: NodeJS.ProcessEnv;
  /** Where the control socket (ESL, AMI) listens, and the bytes its greeting starts with. */
  control: { host: string; port: number; greeting: string };
  timeoutMs?: number;
}

export class PeerProcess extends ChildPeer {
  private constructor(
    child: ChildProcess,
    readonly spec: PeerSpawn,
  ) {
    // SIGKILL through stop() is the "media server killed mid-call" fault.
    super(child, 5000, 400);
  }

  static async start(spec: PeerSpawn): Promise<PeerProcess> {
    if (!existsSync(spec.binary)) throw new SwitchboardError('SWB_ERR_PEER_MISSING', `${spec.name} is missing: ${spec.binary} does not exist`);
    const child = spawn(spec.binary, spec.args, { cwd: spec.cwd, env: { ...process.env, ...spec.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const proc = new PeerProcess(child, spec);
    let spawnError: Error | null = null;
    child.once('error', (err) => (spawnError = err));
    const deadline = Date.now() + (spec.timeoutMs ?? 30_000);
    for (;;) {
      if (spawnError) throw new SwitchboardError('SWB_ERR_PEER_MISSING', `${spec.name} (${spec.binary}) will not start: ${(spawnError as Error).message}`);
      if (!proc.running) {
        const out = proc.output.join('');
        const lib = /error while loading shared libraries: ([^:\s]+)/.exec(out);
        const hint = lib ? ` It lacks ${lib[1]}: apt-get install ${spec.runtimePackages.join(' ')}.` : '';
        throw new SwitchboardError('SWB_ERR_PEER_MISSING', `${spec.name} exited at start (${proc.child.exitCode ?? proc.child.signalCode}).${hint} Output: ${out.slice(-800)}`);
      }
      if (await greets(spec.control.host, spec.control.port, spec.control.greeting)) return proc;
      if (Date.now() > deadline) {
        await proc.stop('SIGKILL');
        throw new SwitchboardError('SWB_ERR_PEER_MISSING', `${spec.name} did not open its control port ${spec.control.port} in time: ${proc.output.join('').slice(-800)}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

}

/** Whether something listens on host:port and its first bytes start with the greeting. */
function greets(host: string, port: number, greeting: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ host, port });
    let got = '';
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      s.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), 1000);
    s.on('data', (d: Buffer) => {
      got += d.toString('latin1');
      if (got.length >= greeting.length) done(got.startsWith(greeting));
    });
    s.once('error', () => done(false));
    s.once('close', () => done(false));
  });
}

/**
 * Library links restored as real symlinks in shimDir, for LD_LIBRARY_PATH.
 * A copy that drops symlinks (shared/peers here holds `libfreeswitch.so.1` as a
 * 22-byte file naming `libfreeswitch.so.1.0.0`) leaves the dynamic loader with
 * "file too short"; the build's RUNPATH is searched after LD_LIBRARY_PATH, so a
 * shim of proper links fixes it without writing into the read-only prefix.
 * Returns null when the folder needs no shim.
 */
export function libraryLinkShim(libDir: string, shimDir: string): string | null {
  let made = 0;
  for (const name of existsSync(libDir) ? readdirSync(libDir) : []) {
    const file = path.join(libDir, name);
    const st = statSync(file);
    if (!st.isFile() || st.size > 255) continue;
    const target = readFileSync(file, 'utf8').trim();
    if (!/^[\w.+-]+$/.test(target) || !existsSync(path.join(libDir, target))) continue;
    mkdirSync(shimDir, { recursive: true });
    if (!existsSync(path.join(shimDir, name))) symlinkSync(path.join(libDir, target), path.join(shimDir, name));
    made++;
  }
  return made ? shimDir : null;
}
