import t, { type Test } from 'tap';
import { execFile } from 'node:child_process';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from '../helpers/cli.js';
import { tempDir } from '../helpers/appliance.js';
import { EXIT } from '../../appliance/main.js';

const UNIT = path.join(ROOT, 'systemd/switchboard.service');
const EXEC_START = '/opt/switchboard/current/bin/switchboard';

async function run(cmd: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(cmd, args, { timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { code: number | string; stdout?: string; stderr?: string };
    if (e.code === 'ENOENT') throw new Error(`${cmd} not found: install the Debian package systemd (scripts/install-test-deps.sh)`);
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** Key -> every value it is given, in order ([Section] headers and comments dropped). */
function directives(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith('[')) continue;
    const eq = line.indexOf('=');
    const key = line.slice(0, eq);
    out.set(key, [...(out.get(key) ?? []), line.slice(eq + 1)]);
  }
  return out;
}

/**
 * The unit as shipped, but with ExecStart pointing at a stand-in executable in
 * a temp dir: `systemd-analyze verify` insists the binary exists, and the real
 * one only exists once the install layout (/opt/switchboard) does.
 */
async function unitWithStandIn(t: Test): Promise<string> {
  const dir = await tempDir(t, 'swb-unit-');
  const bin = path.join(dir, 'bin/switchboard');
  await mkdir(path.dirname(bin));
  await writeFile(bin, '#!/bin/sh\nexit 0\n');
  await chmod(bin, 0o755);
  const text = await readFile(UNIT, 'utf8');
  t.ok(text.includes(`ExecStart=${EXEC_START} start`), 'ExecStart is the install layout\'s bin/switchboard start');
  const file = path.join(dir, 'switchboard.service');
  await writeFile(file, text.replace(EXEC_START, bin));
  return file;
}

t.test('the unit passes systemd-analyze verify with no warning about it', async (t) => {
  const file = await unitWithStandIn(t);
  const r = await run('systemd-analyze', ['verify', file]);
  t.equal(r.code, 0, r.stderr);
  const ours = r.stderr.split('\n').filter((l) => l.includes('switchboard.service'));
  t.same(ours, [], 'no warning names switchboard.service (unknown keys, bad values, missing binary)');
});

t.test('the unit is hardened to an exposure of 2.0 or less in systemd-analyze security', async (t) => {
  const file = await unitWithStandIn(t);
  const r = await run('systemd-analyze', ['security', '--offline=yes', '--no-pager', file]);
  t.equal(r.code, 0, r.stderr);
  const m = /Overall exposure level for switchboard\.service: (\d+\.\d+)/.exec(r.stdout);
  t.ok(m, m ? 'an overall exposure line' : `no overall exposure line in:\n${r.stdout.slice(-800)}`);
  const score = Number(m![1]);
  t.ok(score <= 2.0, `exposure ${score} <= 2.0`);
  t.comment(`systemd-analyze security: overall exposure ${score}`);
});

t.test('the unit runs as a notify service with a watchdog, and does not restart a config error', async (t) => {
  const d = directives(await readFile(UNIT, 'utf8'));
  const one = (k: string): string | undefined => d.get(k)?.at(-1);
  t.equal(one('Type'), 'notify');
  t.equal(one('NotifyAccess'), 'main', 'only the main process may say READY=1 or WATCHDOG=1');
  t.equal(one('WatchdogSec'), '20s');
  t.equal(one('Restart'), 'on-failure');
  t.equal(one('RestartPreventExitStatus'), `${EXIT.CONFIG} ${EXIT.IO}`, 'the config-error and store-unavailable exit codes from appliance/main.ts');
  t.equal(one('TimeoutStopSec'), '15s', 'longer than the appliance\'s own 10 s stop deadline');
  t.equal(one('User'), 'switchboard');
  t.equal(one('DynamicUser'), 'no');
  t.equal(one('StateDirectory'), 'switchboard');
  t.equal(one('ConfigurationDirectory'), 'switchboard');
  t.match(d.get('Environment')!.join(' '), /SWITCHBOARD_DATA_DIR=\/var\/lib\/switchboard\b.*SWITCHBOARD_CONFIG=\/etc\/switchboard\/config\.yaml\b/);
  t.equal(one('CapabilityBoundingSet'), '', 'no capabilities at all');
  t.not(one('MemoryDenyWriteExecute'), 'yes', 'V8\'s JIT needs writable-then-executable memory');
  for (const peer of ['drachtio.service', 'freeswitch.service']) {
    t.ok(one('Wants')?.split(/\s+/).includes(peer), `${peer} is a weak dependency (Wants=)`);
    t.ok(one('After')?.split(/\s+/).includes(peer), `${peer} starts first when present (After=)`);
    t.notOk(d.get('Requires')?.join(' ').includes(peer), `${peer} is not required`);
  }
});
