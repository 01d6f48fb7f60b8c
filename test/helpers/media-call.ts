import { spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../sip/drachtio/free-port.js';
import { spawnSipp } from './sip.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const MEDIA_SIPP = path.join(ROOT, 'test', 'fixtures', 'media', 'sipp');
/** Shipped by Debian's sip-tester: 7.05 s of G.711 A-law RTP. */
export const PCAP = '/usr/share/sip-tester/g711a.pcap';

export interface MediaCallResult {
  code: number | null;
  stdout: string;
  errors: string;
  messages: string;
}

export interface MediaCallOptions {
  /** The media server's SIP port on 127.0.0.1. */
  port: number;
  /** The dialled destination (the dialplan entry: echo, record, park...). */
  service: string;
  holdMs: number;
  calls?: number;
  /** Calls per second, and how many at once (-l). */
  rate?: number;
  limit?: number;
  timeoutSeconds?: number;
  /** A scenario in test/fixtures/media/sipp; default call-plays-pcma-then-hangs-up.xml. */
  scenario?: string;
  /** SIPp's own SIP port (a trunk's port, so the appliance takes it for the provider); default a free one. */
  localPort?: number;
  /** More -key values for the scenario. */
  keys?: Record<string, string | number>;
  /** Digest credentials (-au/-ap), for a scenario calling as an extension. */
  auth?: { user: string; password: string };
}

function sippBinary(): string {
  const r = spawnSync('sh', ['-c', 'command -v sipp'], { encoding: 'utf8' });
  if (r.status !== 0 || !existsSync(PCAP)) throw new Error('SIPp is missing: apt-get install sip-tester (scripts/install-test-deps.sh installs it)');
  return r.stdout.trim();
}

/**
 * SIPp calls a media server directly with RTP audio and hangs up after holdMs.
 * `done` resolves when SIPp exits (code 0: every call passed), with its logs.
 */
export async function startMediaCall(o: MediaCallOptions): Promise<{ child: ChildProcess; done: Promise<MediaCallResult> }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'swb-sipp-media-'));
  const sipPort = o.localPort ?? (await freePort());
  const mediaPort = 2 * Math.floor((await freePort()) / 2);
  const args = ['-sf', path.join(MEDIA_SIPP, o.scenario ?? 'call-plays-pcma-then-hangs-up.xml'), `127.0.0.1:${o.port}`, '-i', '127.0.0.1', '-p', String(sipPort)];
  args.push('-mi', '127.0.0.1', '-mp', String(mediaPort), '-s', o.service, '-key', 'hold_ms', String(o.holdMs), '-m', String(o.calls ?? 1));
  args.push('-timeout', `${o.timeoutSeconds ?? 60}s`, '-timeout_error', '-trace_err', '-trace_msg', '-nostdin', '-max_recv_loops', '1000');
  for (const [k, v] of Object.entries(o.keys ?? {})) args.push('-key', k, String(v));
  if (o.auth) args.push('-au', o.auth.user, '-ap', o.auth.password);
  if (o.rate) args.push('-r', String(o.rate));
  if (o.limit) args.push('-l', String(o.limit));
  sippBinary();
  const { child, done } = spawnSipp(args, dir);
  // One transcript: a media call's SIPp output is read as a whole.
  return { child, done: done.then(({ stderr, stdout, ...rest }) => ({ ...rest, stdout: stdout + stderr })) };
}

export async function mediaCall(o: MediaCallOptions): Promise<MediaCallResult> {
  return (await startMediaCall(o)).done;
}
