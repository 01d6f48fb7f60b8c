import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { SwitchboardError } from '../../common/errors.js';

/**
 * A running appliance leaves DATADIR/appliance.pid; restore refuses to replace
 * a store under a live process. A file whose process is gone (a crash, kill -9)
 * is stale and ignored.
 */
const PIDFILE = 'appliance.pid';

export async function markRunning(dataDir: string): Promise<() => Promise<void>> {
  const file = path.join(dataDir, PIDFILE);
  await writeFile(file, `${process.pid}\n`, { mode: 0o640 });
  return () => rm(file, { force: true });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else; still alive.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The pid of the appliance running on this data directory, or null. */
export async function runningPid(dataDir: string): Promise<number | null> {
  const pid = Number((await readFile(path.join(dataDir, PIDFILE), 'utf8').catch(() => '')).trim());
  return Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid) ? pid : null;
}

export async function assertStoreNotInUse(dataDir: string): Promise<void> {
  const pid = await runningPid(dataDir);
  if (pid !== null) {
    throw new SwitchboardError('SWB_ERR_STORE_LOCKED', `the appliance (pid ${pid}) is running on ${dataDir}; stop it first (systemctl stop switchboard)`);
  }
}
