import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { missingFreeswitchMessage } from '../media/freeswitch/server-process.js';

/** The repo (or install) root: the nearest folder above this file holding package.json (works from sip/ and dist/sip/). */
function rootDir(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
  return dir;
}

/** Where the lab looks for FreeSWITCH: FREESWITCH_PREFIX, else <repo>/../shared/peers/freeswitch. */
export function labFreeswitchCandidates(env: NodeJS.ProcessEnv): string[] {
  return env.FREESWITCH_PREFIX ? [path.resolve(env.FREESWITCH_PREFIX)] : [path.resolve(rootDir(), '..', 'shared', 'peers', 'freeswitch')];
}

/** The first candidate prefix holding bin/freeswitch, or null. */
export function labFreeswitchPrefix(env: NodeJS.ProcessEnv): string | null {
  return labFreeswitchCandidates(env).find((p) => existsSync(path.join(p, 'bin', 'freeswitch'))) ?? null;
}

export function missingLabFreeswitchMessage(env: NodeJS.ProcessEnv): string {
  const where = labFreeswitchCandidates(env)[0]!;
  return `${missingFreeswitchMessage(where)} ${env.FREESWITCH_PREFIX ? '' : '(FREESWITCH_PREFIX is not set.) '}Or run switchboard lab --no-media: calls then go phone to phone, unrecorded.`;
}
