import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { appendFile, chmod, cp, mkdir, readdir, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ROOT } from '../helpers/cli.js';
import type { Container } from '../helpers/container.js';

/*
 * What the Ansible tests share: the tools (a missing one fails naming its
 * Debian package), ansible-playbook run into a booted container through
 * test/ansible/connection_plugins/swb_container.py, the bundle, bundles
 * repacked from it, and a tiny Debian mirror that stands for a site's own.
 */

export const ANSIBLE_DIR = path.join(ROOT, 'ansible');
export const EXAMPLE_INVENTORY = path.join(ANSIBLE_DIR, 'inventory/example');
/** The example vault's password, as docs/operations.md "Install with Ansible" documents it. */
export const EXAMPLE_VAULT_PASSWORD = 'switchboard-example';

export interface Run {
  code: number | null;
  /** stdout and stderr, in that order */
  output: string;
  stdout: string;
}

export function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { cwd: opts.cwd ?? ROOT, env: opts.env ?? process.env, timeout: opts.timeoutMs ?? 300_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const e = err as (NodeJS.ErrnoException & { code?: number | string }) | null;
      if (e && typeof e.code === 'string') return reject(new Error(`${cmd}: ${e.code}`));
      resolve({ code: e ? (typeof e.code === 'number' ? e.code : null) : 0, output: `${stdout}${stderr}`, stdout });
    });
  });
}

/** Each tool the tests run, with the Debian package that brings it (scripts/install-test-deps.sh installs them). */
export async function requireTools(tools: Array<[string, string]>): Promise<void> {
  for (const [tool, pkg] of tools) {
    const r = await run('sh', ['-c', `command -v ${tool}`]);
    if (r.code !== 0) throw new Error(`${tool} not found: install the Debian package ${pkg} (scripts/install-test-deps.sh)`);
  }
}

/** The bundle: SWB_BUNDLE_DIR's (scripts/test.sh builds it once per run), else one built now into `work` with scripts/bundle.sh. */
export async function bundle(work: string): Promise<string> {
  let dir = process.env.SWB_BUNDLE_DIR;
  if (!dir) {
    dir = path.join(work, 'bundle');
    const r = await run('bash', [path.join(ROOT, 'scripts/bundle.sh')], { env: { ...process.env, BUNDLE_OUT: dir }, timeoutMs: 600_000 });
    if (r.code !== 0) throw new Error(`scripts/bundle.sh failed:\n${r.output}`);
  }
  const name = (await readdir(dir)).find((f) => /^switchboard-.+-linux-x86_64\.tar\.gz$/.test(f));
  if (!name) throw new Error(`no switchboard-VERSION-linux-x86_64.tar.gz in ${dir}`);
  return path.join(dir, name);
}

async function sha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Unpacks a bundle once into `work`, so that variants can be packed from it:
 * repack(version, change) renames the tree to the new version, writes VERSION,
 * lets `change` edit the tree, and packs it with its .sha256 as bundle.sh does
 * (gzip -1: these are thrown away).
 */
export async function bundleVariants(source: string, work: string): Promise<(version: string, change?: (root: string) => Promise<void>) => Promise<string>> {
  const unpacked = path.join(work, 'unpacked');
  await mkdir(unpacked, { recursive: true });
  const x = await run('tar', ['-C', unpacked, '-xzf', source]);
  if (x.code !== 0) throw new Error(`cannot unpack ${source}: ${x.output}`);
  let current = path.join(unpacked, (await readdir(unpacked))[0]!);
  return async (version, change) => {
    const name = `switchboard-${version}-linux-x86_64`;
    const next = path.join(unpacked, name);
    await rename(current, next);
    current = next;
    await writeFile(path.join(next, 'VERSION'), `${version}\n`);
    await change?.(next);
    const out = path.join(work, `${name}.tar.gz`);
    const p = await run('sh', ['-c', `tar -C "$1" -cf - "$2" | gzip -1 > "$3"`, 'sh', unpacked, name, out]);
    if (p.code !== 0) throw new Error(`cannot pack ${out}: ${p.output}`);
    await writeFile(`${out}.sha256`, `${await sha256(out)}  ${name}.tar.gz\n`);
    return out;
  };
}

/** Edits for a broken release: `start` first migrates the store to a schema the previous release does not know, then exits 1. */
export async function breakRelease(root: string): Promise<void> {
  await appendFile(
    path.join(root, 'dist/domain/store/migrations.js'),
    "\n// Test: a migration the previous release does not know.\nmigrations.push({ version: 2, description: 'test: the schema moves', up(store) { store.db('meta').putSync('movedByTest', true); } });\n",
  );
  const bin = path.join(root, 'bin/switchboard');
  await writeFile(
    bin,
    [
      '#!/bin/sh',
      '# Broken on purpose (test): `start` migrates the store, then fails.',
      'here=$(dirname "$(readlink -f "$0")")',
      'if [ "${1:-start}" = start ]; then',
      '  "$here/node" "$here/../dist/appliance/cli/main.js" user list >/dev/null',
      '  echo "switchboard: this release is broken on purpose (test)" >&2',
      '  exit 1',
      'fi',
      'exec "$here/node" "$here/../dist/appliance/cli/main.js" "$@"',
      '',
    ].join('\n'),
  );
  await chmod(bin, 0o755);
}

/**
 * The site's own Debian mirror, standing in for one the box reaches on its LAN:
 * a flat repository at /srv/site-mirror in the container with one package the
 * role is told to install (the container has no network, so it can come from
 * nowhere else).
 */
export const MIRROR_PACKAGE = 'swb-site-marker';
export async function seedSiteMirror(c: Container, work: string): Promise<void> {
  const pkg = path.join(work, 'deb');
  await mkdir(path.join(pkg, 'DEBIAN'), { recursive: true });
  await mkdir(path.join(pkg, 'usr/share/doc', MIRROR_PACKAGE), { recursive: true });
  const control = [`Package: ${MIRROR_PACKAGE}`, 'Version: 1.0', 'Architecture: all', 'Maintainer: Switchboard tests <tests@switchboard.invalid>', "Description: marker: installed from the test's site mirror", ''].join('\n');
  await writeFile(path.join(pkg, 'DEBIAN/control'), control);
  await writeFile(path.join(pkg, 'usr/share/doc', MIRROR_PACKAGE, 'README'), 'installed from the site mirror\n');
  const deb = `${MIRROR_PACKAGE}_1.0_all.deb`;
  const repo = path.join(c.root, 'srv/site-mirror');
  await mkdir(repo, { recursive: true });
  const b = await run('dpkg-deb', ['--root-owner-group', '--build', pkg, path.join(repo, deb)]);
  if (b.code !== 0) throw new Error(`dpkg-deb failed: ${b.output}`);
  const packages = `${control}Filename: ./${deb}\nSize: ${(await stat(path.join(repo, deb))).size}\nSHA256: ${await sha256(path.join(repo, deb))}\n\n`;
  await writeFile(path.join(repo, 'Packages'), packages);
  const release = ['Origin: switchboard-test', 'Label: switchboard-test', `Date: ${new Date().toUTCString()}`, 'SHA256:', ` ${createHash('sha256').update(packages).digest('hex')} ${Buffer.byteLength(packages)} Packages`, ''];
  await writeFile(path.join(repo, 'Release'), release.join('\n'));
}

/** An inventory for the container: the example's group_vars (and its vault), one host reached through swb_container. */
export async function containerInventory(c: Container, work: string): Promise<{ inventory: string; vaultPasswordFile: string }> {
  const dir = path.join(work, 'inventory');
  await cp(path.join(EXAMPLE_INVENTORY, 'group_vars'), path.join(dir, 'group_vars'), { recursive: true });
  await writeFile(path.join(dir, 'hosts.yml'), ['switchboard:', '  hosts:', '    swb-test:', '      ansible_connection: swb_container', `      swb_container_leader: ${c.leader}`, ''].join('\n'));
  const vaultPasswordFile = path.join(work, 'vault-password');
  await writeFile(vaultPasswordFile, `${EXAMPLE_VAULT_PASSWORD}\n`, { mode: 0o600 });
  return { inventory: path.join(dir, 'hosts.yml'), vaultPasswordFile };
}

export function ansibleEnv(work: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    LANG: 'C.UTF-8',
    ANSIBLE_CONFIG: path.join(ANSIBLE_DIR, 'ansible.cfg'),
    ANSIBLE_HOME: path.join(work, 'ansible-home'),
    ANSIBLE_LOCAL_TEMP: path.join(work, 'ansible-tmp'),
    ANSIBLE_CONNECTION_PLUGINS: path.join(ROOT, 'test/ansible/connection_plugins'),
    ANSIBLE_PIPELINING: 'true',
    ANSIBLE_NOCOLOR: 'true',
    ANSIBLE_FORCE_COLOR: 'false',
    PYTHONUNBUFFERED: '1',
  };
}

export interface Recap {
  ok: number;
  changed: number;
  unreachable: number;
  failed: number;
  rescued: number;
}

/** The PLAY RECAP line of one host. */
export function recap(output: string, host = 'swb-test'): Recap | null {
  const m = new RegExp(`^${host}\\s*:\\s*ok=(\\d+)\\s+changed=(\\d+)\\s+unreachable=(\\d+)\\s+failed=(\\d+)\\s+skipped=\\d+\\s+rescued=(\\d+)`, 'm').exec(output);
  if (!m) return null;
  const [ok, changed, unreachable, failed, rescued] = m.slice(1).map(Number) as [number, number, number, number, number];
  return { ok, changed, unreachable, failed, rescued };
}

/** The tasks a run reported as changed (for a failing idempotence assertion). */
export function changedTasks(output: string): string[] {
  const tasks: string[] = [];
  let task = '';
  for (const line of output.split('\n')) {
    const m = /^TASK \[(.+?)\] \*+$/.exec(line);
    if (m) task = m[1]!;
    else if (/^changed: /.test(line) && !tasks.includes(task)) tasks.push(task);
  }
  return tasks;
}
