import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Test } from 'tap';
import { startAsterisk, missingAsteriskMessage, type RunningAsterisk } from '../../lab/media/asterisk/server-process.js';
import { freePort } from '../../sip/drachtio/free-port.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** ASTERISK_PREFIX, else <repo>/../shared/peers/asterisk; a missing build fails the test naming what to install, never a skip. */
export function asteriskPrefix(): string {
  const prefix = process.env.ASTERISK_PREFIX || path.resolve(ROOT, '..', 'shared', 'peers', 'asterisk');
  if (!existsSync(path.join(prefix, 'sbin', 'asterisk'))) throw new Error(missingAsteriskMessage(prefix));
  return prefix;
}

export interface TestAsterisk extends RunningAsterisk {
  amiPort: number;
  amiUser: string;
  amiSecret: string;
  sipPort: number;
  workDir: string;
  restart(): Promise<void>;
}

/**
 * The real Asterisk on loopback with generated configs (AMI user, one pjsip
 * endpoint matched by address, a dialplan that answers, records and echoes);
 * stopped and cleaned when the test ends. SIPp scenarios that talk to it need
 * rrs="true" on the 200 they receive, or their ACK and BYE carry no
 * Request-URI and pjsip drops them (shared/peers/README.md).
 */
export async function startTestAsterisk(t: Test): Promise<TestAsterisk> {
  const prefix = asteriskPrefix();
  const workDir = mkdtempSync(path.join(tmpdir(), 'swb-ast-'));
  const amiPort = await freePort();
  const sipPort = await freePort();
  const amiUser = 'switchboard';
  const amiSecret = randomBytes(12).toString('hex');
  const rtpStartPort = 20000 + 2 * Math.floor(Math.random() * 10000);
  const opts = { prefix, workDir, amiPort, amiUser, amiSecret, sipPort, rtpStartPort, rtpEndPort: rtpStartPort + 400 };
  const handle: TestAsterisk = {
    ...(await startAsterisk(opts)),
    amiPort,
    amiUser,
    amiSecret,
    sipPort,
    workDir,
    async restart() {
      await handle.process.stop('SIGKILL');
      Object.assign(handle, await startAsterisk(opts));
    },
  };
  t.teardown(async () => {
    await handle.process.stop('SIGTERM', 2000);
    rmSync(workDir, { recursive: true, force: true });
  });
  return handle;
}
