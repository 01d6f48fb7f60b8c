import { monitorEventLoopDelay, performance } from 'node:perf_hooks';

/*
 * The systemd watchdog only helps if a ping means "this process does its job",
 * not "some timer still fires". So each ping is sent only while a probe passes:
 *
 *  - the event loop is not stalled: the worst loop delay seen since the last
 *    tick (perf_hooks' histogram, plus how late this tick itself fired) must
 *    stay under one ping interval. A loop hung for good fires no timer at all
 *    and systemd kills it after WatchdogSec; one that only crawls (a hot JS
 *    loop yielding now and then) would still ping on time without this check.
 *    The rule an operator can hold on to: the loop may never block for more
 *    than half of WatchdogSec.
 *  - the store answers (store.healthy()): an appliance that cannot read its
 *    data serves nothing but errors, and a restart reopens it.
 *
 * A withheld ping is logged and put in STATUS=, so `systemctl status` says why
 * the restart is coming.
 */

export interface Probe {
  /** The reason the appliance is unhealthy, or null when healthy. */
  (lagMs: number): string | null;
}

export interface HeartbeatOptions {
  /** How often to tick, in ms: half of WatchdogSec when the watchdog is on. */
  intervalMs: number;
  probe: Probe;
  /** Called on each healthy tick (sends WATCHDOG=1 when the watchdog is on). */
  onHealthy(): void;
  /** Called on each unhealthy tick with the reason. */
  onUnhealthy(reason: string): void;
}

export interface Heartbeat {
  stop(): void;
}

/** Loop lag above this, in a tick of `intervalMs`, counts as a stall. */
export function lagLimitMs(intervalMs: number): number {
  return intervalMs;
}

/** Tick every intervalMs; measure loop lag; report healthy or unhealthy. Timers are unref'd: they never hold the process open. */
export function startHeartbeat(opts: HeartbeatOptions): Heartbeat {
  const delay = monitorEventLoopDelay({ resolution: 20 });
  delay.enable();
  let due = performance.now() + opts.intervalMs;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const tick = (): void => {
    if (stopped) return;
    const now = performance.now();
    // Both measures: the histogram sees a stall between ticks, the lateness a stall that ends right at this tick
    // (after SIGCONT, say, this timer may run before the histogram's own timer records the gap).
    const lagMs = Math.max(0, now - due, delay.max / 1e6);
    delay.reset();
    const reason = opts.probe(lagMs);
    if (reason === null) opts.onHealthy();
    else opts.onUnhealthy(reason);
    due = performance.now() + opts.intervalMs;
    timer = setTimeout(tick, opts.intervalMs);
    timer.unref();
  };
  timer = setTimeout(tick, opts.intervalMs);
  timer.unref();

  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
      delay.disable();
    },
  };
}

/** The appliance's probe: loop lag under the limit, and the store readable. */
export function applianceProbe(intervalMs: number, storeHealthy: () => boolean): Probe {
  const limit = lagLimitMs(intervalMs);
  return (lagMs) => {
    if (lagMs > limit) return `event loop stalled for ${Math.round(lagMs)} ms (limit ${limit} ms)`;
    if (!storeHealthy()) return 'the data store does not answer';
    return null;
  };
}
