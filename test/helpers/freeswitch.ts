import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Test } from 'tap';
import { startFreeswitch, missingFreeswitchMessage, type RunningFreeswitch } from '../../lab/media/freeswitch/server-process.js';
import { freePort } from '../../sip/drachtio/free-port.js';

/** The repo root from this file's place (test/helpers/), so a fresh clone finds ../shared beside it. */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** FREESWITCH_PREFIX, else <repo>/../shared/peers/freeswitch; a missing build fails the test naming what to install, never a skip. */
export function freeswitchPrefix(): string {
  const prefix = process.env.FREESWITCH_PREFIX || path.resolve(ROOT, '..', 'shared', 'peers', 'freeswitch');
  if (!existsSync(path.join(prefix, 'bin', 'freeswitch'))) throw new Error(missingFreeswitchMessage(prefix));
  return prefix;
}

export interface TestFreeswitch extends RunningFreeswitch {
  eslPort: number;
  eslPassword: string;
  sipPort: number;
  /** Kills it and starts it again on the same ports (the "media server restarted" fault). */
  restart(): Promise<void>;
}

/** A random even RTP range per instance: tests run two at a time and must not share RTP ports. */
function rtpRange(): [number, number] {
  const start = 20000 + 2 * Math.floor(Math.random() * 10000);
  return [start, start + 400];
}

/** The real FreeSWITCH on loopback with a generated one-file config; stopped and cleaned when the test ends. */
export async function startTestFreeswitch(t: Test): Promise<TestFreeswitch> {
  const prefix = freeswitchPrefix();
  const workDir = mkdtempSync(path.join(tmpdir(), 'swb-fs-'));
  const eslPort = await freePort();
  const sipPort = await freePort();
  const eslPassword = randomBytes(12).toString('hex');
  const [rtpStartPort, rtpEndPort] = rtpRange();
  const opts = { prefix, workDir, eslPort, eslPassword, sipPort, rtpStartPort, rtpEndPort };
  const handle: TestFreeswitch = {
    ...(await startFreeswitch(opts)),
    eslPort,
    eslPassword,
    sipPort,
    async restart() {
      await handle.process.stop('SIGKILL');
      Object.assign(handle, await startFreeswitch(opts));
    },
  };
  t.teardown(async () => {
    await handle.process.stop('SIGTERM', 2000);
    rmSync(workDir, { recursive: true, force: true });
  });
  return handle;
}
