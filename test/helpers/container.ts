import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ROOT } from './cli.js';

/*
 * A booted Debian 12 system container for tests that need a real systemd as
 * PID 1 (this machine's PID 1 is not systemd): the unit, its watchdog, later
 * Ansible.
 *
 * - The rootfs is built once by scripts/make-rootfs.sh into a cache outside the
 *   checkout and never written to: each container boots from an overlayfs
 *   whose upper layer is a temp dir, thrown away at shutdown.
 * - systemd-nspawn runs with --register=no --keep-unit: there is no machined
 *   or system bus on the host to register with or to create a scope through.
 *   So we reach in with nsenter into the container's init (its leader PID),
 *   not `systemd-run --machine`.
 * - Network: --private-network. The container gets its own loopback only. We
 *   chose this over sharing the host's network, which would make 127.0.0.1
 *   reachable from the test but lets a port inside collide with the host's
 *   and with a parallel test's, and lets a test in the container send traffic
 *   off the box. Tests talk to services inside through exec() (python3 and
 *   the copied node are there).
 */

export const ROOTFS_SCRIPT = path.join(ROOT, 'scripts/make-rootfs.sh');
const PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface Container {
  name: string;
  /** The container's / as seen from the host: write files here to put them inside. */
  root: string;
  /** The container's init, as a host PID. */
  leader: number;
  nspawn: ChildProcess;
  /** What systemd-nspawn printed: for error messages. */
  output: string[];
  /** ms from spawning nspawn to `systemctl is-system-running` saying running or degraded. */
  bootMs?: number;
}

export interface ExecResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The cached rootfs, built if absent (cold: about a minute, see scripts/make-rootfs.sh). */
export async function ensureRootfs(): Promise<string> {
  const r = await run('bash', [ROOTFS_SCRIPT], { timeoutMs: 15 * 60_000 });
  if (r.code !== 0) throw new Error(`scripts/make-rootfs.sh failed (${r.code}):\n${r.stderr}`);
  return r.stdout.trim().split('\n').at(-1)!;
}

let counter = 0;
const live = new Set<Container & { dir: string }>();

/** Boot a fresh container from the cached rootfs. Call shutdown() (or let exit clean up). */
export async function bootContainer(opts: { bootTimeoutMs?: number } = {}): Promise<Container> {
  await requireTools();
  const rootfs = await ensureRootfs();
  const started = Date.now();
  const dir = await mkdtemp(path.join(tmpdir(), 'swb-ct-'));
  const root = path.join(dir, 'merged');
  await Promise.all(['upper', 'work', 'merged'].map((d) => mkdir(path.join(dir, d))));
  const mount = await run('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${rootfs},upperdir=${dir}/upper,workdir=${dir}/work`, root]);
  if (mount.code !== 0) throw new Error(`cannot mount an overlay on ${root}: ${mount.stderr}`);

  const name = `swb-test-${process.pid}-${++counter}`;
  const nspawn = spawn(
    'systemd-nspawn',
    ['--boot', `--directory=${root}`, `--machine=${name}`, '--register=no', '--keep-unit', '--private-network', '--console=pipe', '--quiet'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const output: string[] = [];
  nspawn.stdout!.on('data', (d: Buffer) => output.push(d.toString()));
  nspawn.stderr!.on('data', (d: Buffer) => output.push(d.toString()));
  const c = { name, root, leader: 0, nspawn, output, dir };
  live.add(c);
  try {
    c.leader = await findLeader(nspawn, output);
    await waitForSystemd(c, opts.bootTimeoutMs ?? 90_000);
  } catch (err) {
    await shutdown(c);
    throw err;
  }
  return Object.assign(c, { bootMs: Date.now() - started });
}

/** Run a command inside: a string goes through /bin/sh -c. Clean environment, root, cwd /. */
export async function exec(c: Container, cmd: string | string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<ExecResult> {
  const argv = typeof cmd === 'string' ? ['/bin/sh', '-c', cmd] : cmd;
  return run(
    'nsenter',
    ['--target', String(c.leader), '--mount', '--uts', '--ipc', '--net', '--pid', '--cgroup', '--root', '--wd', '--', '/usr/bin/env', '-i', `PATH=${PATH}`, 'HOME=/root', 'LANG=C.UTF-8', ...argv],
    opts,
  );
}

/** Poll `systemctl is-system-running` until running or degraded; anything else past the deadline fails, with the failed units. */
export async function waitForSystemd(c: Container, timeoutMs = 90_000): Promise<'running' | 'degraded'> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (c.nspawn.exitCode !== null || c.nspawn.signalCode !== null) throw new Error(`systemd-nspawn exited (${c.nspawn.exitCode ?? c.nspawn.signalCode}):\n${c.output.join('')}`);
    const r = await exec(c, ['systemctl', 'is-system-running'], { timeoutMs: 10_000 });
    last = (r.stdout.trim() || r.stderr.trim()).split('\n')[0] ?? '';
    if (last === 'running' || last === 'degraded') return last;
    await sleep(200);
  }
  const failed = await exec(c, ['systemctl', '--failed', '--no-legend', '--no-pager'], { timeoutMs: 10_000 }).catch(() => null);
  throw new Error(`systemd in ${c.name} not up after ${timeoutMs} ms: "${last}"; failed units:\n${failed?.stdout ?? '?'}\n${c.output.join('')}`);
}

/** Power off (nspawn turns SIGTERM into SIGRTMIN+3 for the container's init), then unmount and delete the overlay. */
export async function shutdown(c: Container): Promise<void> {
  const entry = [...live].find((x) => x.name === c.name);
  if (c.nspawn.exitCode === null && c.nspawn.signalCode === null) {
    const exited = once(c.nspawn, 'exit');
    c.nspawn.kill('SIGTERM');
    const timer = setTimeout(() => c.nspawn.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(timer);
  }
  if (!entry) return;
  live.delete(entry);
  await run('umount', [entry.root]);
  await rm(entry.dir, { recursive: true, force: true });
  // nspawn cannot delete this on a /run that is not tmpfs, and says so; we can.
  await rm(path.join('/run/systemd/nspawn/propagate', c.name), { recursive: true, force: true });
}

// A test that crashes or times out must not leave a container running or an overlay mounted.
process.once('exit', () => {
  for (const c of live) {
    c.nspawn.kill('SIGKILL');
    spawnSync('umount', ['-l', c.root]);
    spawnSync('rm', ['-rf', c.dir]);
  }
});

async function requireTools(): Promise<void> {
  const need: Array<[string, string]> = [
    ['systemd-nspawn', 'systemd-container'],
    ['nsenter', 'util-linux'],
    ['mount', 'mount'],
    ['debootstrap', 'debootstrap'],
  ];
  for (const [tool, pkg] of need) {
    const r = await run('sh', ['-c', `command -v ${tool}`]);
    if (r.code !== 0) throw new Error(`${tool} not found: install the Debian package ${pkg} (scripts/install-test-deps.sh)`);
  }
  if (process.getuid?.() !== 0) throw new Error('container tests need root (overlay mounts, systemd-nspawn)');
}

/** nspawn's child, once it has exec'd systemd: the container's PID 1 in the host's PID namespace. */
async function findLeader(nspawn: ChildProcess, output: string[]): Promise<number> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (nspawn.exitCode !== null) throw new Error(`systemd-nspawn exited ${nspawn.exitCode}:\n${output.join('')}`);
    for (const pid of await readdir('/proc').then((l) => l.filter((p) => /^\d+$/.test(p)))) {
      const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
      // "pid (comm) state ppid ...": comm may hold spaces, so split after the last ')'.
      const m = /^\d+ \((.*)\) \S+ (\d+) /s.exec(stat);
      if (m && Number(m[2]) === nspawn.pid && m[1] === 'systemd') return Number(pid);
    }
    await sleep(100);
  }
  throw new Error(`no systemd under systemd-nspawn (pid ${nspawn.pid}) after 20 s:\n${output.join('')}`);
}

async function run(cmd: string, args: string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, { timeout: opts.timeoutMs ?? 60_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const e = err as (NodeJS.ErrnoException & { code?: number | string }) | null;
      if (e && typeof e.code === 'string') return reject(new Error(`${cmd}: ${e.code}`));
      resolve({ code: e ? (typeof e.code === 'number' ? e.code : null) : 0, stdout, stderr });
    });
    // A command that never reads its stdin closes the pipe early: that EPIPE is not a failure.
    child.stdin?.on('error', () => {});
    child.stdin?.end(opts.input ?? '');
  });
}
