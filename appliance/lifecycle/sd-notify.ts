import { createRequire } from 'node:module';
import { SwitchboardError } from '../../common/errors.js';

/*
 * The sd_notify protocol: "KEY=value" lines in one datagram to the unix
 * DATAGRAM socket named by $NOTIFY_SOCKET (a leading '@' means the abstract
 * namespace). Node cannot send unix datagrams, so we use the npm package
 * `sd-notify` (github.com/systemd/node-sd-notify): a small native addon over
 * libsystemd's own sd_notify(3). We chose it over `unix-dgram` because it is
 * the reference implementation: it handles abstract sockets (unix-dgram
 * strncpy()s the path, so '@' names cannot work) and the credentials systemd
 * checks for NotifyAccess=main, and it sends from this very process, which a
 * `systemd-notify` child would not. The cost: Debian's libsystemd-dev and a
 * compiler when node_modules is built (scripts/install-test-deps.sh), and
 * libsystemd0 at run time, which every systemd host has.
 *
 * The addon is loaded only when NOTIFY_SOCKET is set, so a developer's
 * `switchboard start` and every CLI command never touch it.
 */

/** The part of the addon's raw binding we use: sd_notify(0, state). */
export interface Binding {
  sendState(state: string): void;
}

export interface Notifier {
  /** False when NOTIFY_SOCKET is unset: every method is then a no-op. */
  readonly enabled: boolean;
  /** READY=1 with a STATUS line, in one datagram so systemd never shows "ready" without a status. */
  ready(status: string): void;
  status(text: string): void;
  stopping(status: string): void;
  watchdog(): void;
}

const NOOP: Notifier = { enabled: false, ready() {}, status() {}, stopping() {}, watchdog() {} };

/** Build a notifier for this process's environment. Throws if systemd waits for us but the addon cannot load. */
export function createNotifier(env: NodeJS.ProcessEnv = process.env, load: () => Binding = () => loadBinding('sd-notify')): Notifier {
  if (!env.NOTIFY_SOCKET) return NOOP;
  const binding = load();
  const send = (...lines: string[]): void => binding.sendState(lines.join('\n'));
  return {
    enabled: true,
    ready: (status) => send('READY=1', `STATUS=${oneLine(status)}`),
    status: (text) => send(`STATUS=${oneLine(text)}`),
    stopping: (status) => send('STOPPING=1', `STATUS=${oneLine(status)}`),
    watchdog: () => send('WATCHDOG=1'),
  };
}

/** A newline in a status would start a new assignment (e.g. a forged READY=1): keep it one line. */
function oneLine(text: string): string {
  return text.replace(/[\r\n]+/g, ' ').slice(0, 500);
}

/** Load the addon (a parameter only so a test can name a module that is not there). */
export function loadBinding(name: string): Binding {
  let mod: Partial<Binding>;
  try {
    mod = createRequire(import.meta.url)(name) as Partial<Binding>;
  } catch (err) {
    throw new SwitchboardError(
      'SWB_ERR_SERVICE_MANAGER',
      `NOTIFY_SOCKET is set but the sd-notify addon cannot load (${String((err as Error).message).split('\n')[0]}); rebuild node_modules with libsystemd-dev installed`,
      undefined,
      { cause: err },
    );
  }
  if (typeof mod.sendState !== 'function') throw new SwitchboardError('SWB_ERR_SERVICE_MANAGER', `${name} has no sendState(): not the sd-notify addon this code was written for`);
  return mod as Binding;
}

export interface WatchdogSetting {
  /** WatchdogSec, in milliseconds; pings go out at half of it, as sd_watchdog_enabled(3) advises. */
  timeoutMs: number;
}

/**
 * What systemd asked for, read like sd_watchdog_enabled(3): WATCHDOG_USEC is the
 * timeout; WATCHDOG_PID, when set, names the one process that must ping, so a
 * child that inherited the environment stays quiet.
 */
export function watchdogFromEnv(env: NodeJS.ProcessEnv = process.env, pid = process.pid): WatchdogSetting | { disabled: string } {
  const usec = env.WATCHDOG_USEC;
  if (!usec) return { disabled: 'WATCHDOG_USEC is unset' };
  if (!/^[1-9][0-9]*$/.test(usec)) return { disabled: `WATCHDOG_USEC=${JSON.stringify(usec)} is not a positive integer` };
  if (env.WATCHDOG_PID && env.WATCHDOG_PID !== String(pid)) return { disabled: `WATCHDOG_PID=${env.WATCHDOG_PID} is another process` };
  return { timeoutMs: Math.max(1, Math.floor(Number(usec) / 1000)) };
}
