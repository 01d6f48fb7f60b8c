import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../sip/drachtio/free-port.js';
import { sippBinary } from '../test/helpers/sip.js';
import { percentile } from './harness.js';

/**
 * The call ramp of media-load.bench.ts: SIPp as a provider calling through a
 * trunk, a few calls one at a time (the 1-call baseline), then new calls at a
 * steady rate, every one talking until the last is up, with each call's setup
 * time (INVITE to 200, SIPp's -trace_rtt) and how many calls were held when
 * its INVITE left.
 */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
// The 1-call baseline: one 7 s play and a short hold; the ramp: talking back to back until the BYE. The same INVITE.
const SHORT_CALL = path.join(ROOT, 'test', 'fixtures', 'media', 'sipp', 'trunk-call-plays-pcma-then-hangs-up.xml');
const TALKING_CALL = path.join(ROOT, 'bench', 'sipp', 'trunk-call-talks-then-hangs-up.xml');
/** g711a.pcap's length, and the pause between two plays of it. */
export const TALK_MS = 7100;
/*
 * The ramp: RATE new calls a second up to CAP held (SWB_BENCH_MEDIA_CAP / _RATE probe further by hand), stopped
 * early once setup passes STOP_FACTOR x baseline. A recorded call's setup waits on two FreeSWITCH commands
 * (uuid_bridge, uuid_record: about 50 ms each here) and the ESL link runs one command at a time, so about 10
 * recorded setups a second saturate it: 5/s keeps the figure about held calls, not about the arrival rate.
 */
export const CAP = Number(process.env.SWB_BENCH_MEDIA_CAP ?? 300);
export const RATE = Number(process.env.SWB_BENCH_MEDIA_RATE ?? 5);
const LEVELS = [10, 25, 50, 75, 100, 125, 150, 175, 200, 250, 300, 400, 500].filter((l) => l <= CAP);
const STOP_FACTOR = 3;
/**
 * SIPp times in steps of a few ms, and on this shared 2-core box a few ms come and go with the scheduler:
 * "doubled" is measured against a baseline of at least this (it matters for the direct calls' ~4 ms).
 */
const NOISE_FLOOR_MS = 10;
const BASELINE_CALLS = 9;

interface Setup {
  invitedAt: number;
  ms: number;
  /** Calls already answered (and all held to the end of the ramp) when this one's INVITE left. */
  held: number;
}
export interface RampResult {
  baseline: number[];
  baselinePlaced: number;
  setups: Setup[];
  failed: number;
  placed: number;
  stoppedEarly: boolean;
}
export interface Level {
  level: number;
  median: number;
  p90: number;
}

export const evenPort = async (): Promise<number> => 2 * Math.floor((await freePort()) / 2);

const ms = (v: number): string => `${v.toFixed(0)} ms`;

/** SIPp as the provider from the trunk's port, with audio; -trace_rtt gives every call's setup time. */
async function sippCalls(dir: string, target: string, trunkPort: number, did: string, scenario: string, args: string[], watch?: (rtt: string) => boolean): Promise<{ rtt: string; failed: number; placed: number; stoppedEarly: boolean }> {
  const cwd = path.join(dir, `sipp-${trunkPort}-${Date.now()}`);
  mkdirSync(cwd);
  const child = spawn(sippBinary(), ['-sf', scenario, target, '-i', '127.0.0.1', '-p', String(trunkPort), '-mi', '127.0.0.1', '-mp', String(await evenPort()), '-s', did, '-key', 'caller', '89123456789', ...args, '-trace_rtt', '-rtt_freq', '1', '-trace_stat', '-stf', 'stat.csv', '-fd', '1', '-trace_err', '-nostdin', '-max_recv_loops', '5000', '-max_sched_loops', '5000'], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
  const rttText = (): string => readdirSync(cwd).filter((f) => f.endsWith('_rtt.csv')).map((f) => readFileSync(path.join(cwd, f), 'utf8')).join('\n');
  let stoppedEarly = false;
  const timer = setInterval(() => {
    if (!stoppedEarly && watch?.(rttText())) {
      stoppedEarly = true;
      // SIPp's "quit gracefully": no new calls, the ones up end as scripted.
      child.kill('SIGUSR1');
    }
  }, 500);
  await once(child, 'exit');
  clearInterval(timer);
  if (!existsSync(path.join(cwd, 'stat.csv'))) throw new Error(`media-load bench: SIPp did not run ${path.basename(scenario)}: ${stderr.trim().split('\n').slice(-3).join(' / ')}`);
  const lines = readFileSync(path.join(cwd, 'stat.csv'), 'utf8').trim().split('\n');
  const head = lines[0]!.split(';');
  const last = lines[lines.length - 1]!.split(';');
  const col = (name: string): number => Number(last[head.indexOf(name)]);
  return { rtt: rttText(), failed: col('FailedCall(C)'), placed: col('TotalCallCreated'), stoppedEarly };
}

/** Lines of `date_ms;response_time_ms;rtd_no` (SIPp -trace_rtt), as setups with the held count each INVITE met. */
function setupsOf(rtt: string): Setup[] {
  const rows = rtt
    .split('\n')
    .map((l) => l.split(';'))
    .filter((c) => c.length >= 2 && /^[0-9.]+$/.test(c[0]!) && /^[0-9.]+$/.test(c[1]!))
    .map((c) => ({ answeredAt: Number(c[0]), ms: Number(c[1]) }));
  const answered = rows.map((r) => r.answeredAt).sort((a, b) => a - b);
  return rows
    .map((r) => {
      const invitedAt = r.answeredAt - r.ms;
      return { invitedAt, ms: r.ms, held: answered.filter((a) => a < invitedAt).length };
    })
    .sort((a, b) => a.invitedAt - b.invitedAt);
}

/** A few calls one at a time (the 1-call baseline), then the ramp: RATE calls/s up to CAP, every call held to its end. */
export async function rampOf(dir: string, target: string, trunkPort: number, did: string): Promise<RampResult> {
  const one = await sippCalls(dir, target, trunkPort, did, SHORT_CALL, ['-key', 'hold_ms', '300', '-m', String(BASELINE_CALLS), '-l', '1', '-r', '10']);
  const baseline = setupsOf(one.rtt).map((s) => s.ms);
  const base = percentile(baseline, 50);
  // Every call talks until the last one is up, and a little beyond; then all end within one play of the pcap.
  const rampSeconds = Math.ceil(CAP / RATE) + 5;
  const until = Math.ceil(Date.now() / 1000) + rampSeconds;
  const ramp = await sippCalls(dir, target, trunkPort, did, TALKING_CALL, ['-key', 'until_s', String(until), '-r', String(RATE), '-m', String(CAP), '-l', String(CAP), '-timeout', `${rampSeconds + 90}s`], (rtt) => {
    const last = setupsOf(rtt).slice(-10);
    return last.length === 10 && percentile(last.map((s) => s.ms), 50) > STOP_FACTOR * Math.max(base, NOISE_FLOOR_MS);
  });
  return { baseline, baselinePlaced: one.placed, setups: setupsOf(ramp.rtt), failed: one.failed + ramp.failed, placed: ramp.placed, stoppedEarly: ramp.stoppedEarly };
}

/** For each level L, the setups of the ten calls placed as the held count reached L. */
export function levelsOf(r: RampResult): Level[] {
  const out: Level[] = [];
  for (const level of LEVELS) {
    const near = r.setups.filter((s) => s.held >= level - 10 && s.held < level).map((s) => s.ms);
    if (near.length < 3) break;
    out.push({ level, median: percentile(near, 50), p90: percentile(near, 90) });
  }
  return out;
}

/** The highest level, walking up, whose median setup stays under twice the 1-call median (a failed call fails the row, not a level: SIPp does not say when it failed). */
export function heldBeforeDoubling(r: RampResult, levels: Level[]): number {
  const limit = 2 * Math.max(percentile(r.baseline, 50), NOISE_FLOOR_MS);
  let held = 0;
  for (const l of levels) {
    if (l.median >= limit) break;
    held = l.level;
  }
  return held;
}

export function reportRamp(what: string, r: RampResult, levels: Level[]): void {
  const base = r.baseline;
  const rows = levels.map((l) => `${l.level}: ${ms(l.median)} / ${ms(l.p90)}`).join(', ');
  process.stderr.write(`bench: media-load: ${what}: 1 call ${ms(percentile(base, 50))} / ${ms(percentile(base, 90))} (median / p90); held ${rows}; ${r.placed} placed, ${r.failed} failed${r.stoppedEarly ? `, stopped past ${STOP_FACTOR}x` : ''}\n`);
}
